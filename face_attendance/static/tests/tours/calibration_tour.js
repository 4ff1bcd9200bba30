/** @odoo-module **/
import { registry } from "@web/core/registry";

// Settings → Face Attendance: the calibration shows the example of tests/test_calibration.py.
registry.category("web_tour.tours").add("face_attendance_calibration_tour", {
    steps: () => [
        {
            content: "The calibration's figures for SFace",
            trigger: ".o_face_calibration_encoder[data-encoder='sface:2021dec-int8bq'] .o_face_calibration_far:contains(40.0%)",
        },
        {
            content: "False rejects",
            trigger: ".o_face_calibration_encoder[data-encoder='sface:2021dec-int8bq'] .o_face_calibration_frr:contains(25.0%)",
        },
        {
            content: "The threshold the target false-accept rate would need",
            trigger: ".o_face_calibration_encoder[data-encoder='sface:2021dec-int8bq'] .o_face_calibration_target:contains(0.4899)",
        },
        {
            content: "The chart, its bars and the threshold line",
            trigger: ".o_face_calibration_encoder[data-encoder='sface:2021dec-int8bq'] svg .o_face_calibration_impostor",
        },
        {
            trigger: ".o_face_calibration_encoder[data-encoder='sface:2021dec-int8bq'] svg .o_face_calibration_threshold_line",
        },
        {
            content: "The threshold itself is the setting's",
            trigger: ".o_face_calibration_encoder[data-encoder='sface:2021dec-int8bq'] .o_face_calibration_threshold:contains(0.5000)",
            run() {
                document.querySelector(".o_face_calibration").scrollIntoView();
            },
        },
        {
            content: "Screenshot: calibration",
            trigger: ".o_face_calibration_chart",
            run() {
                // Saved by the Python side (tests/test_tours.py's start_tour_with_screenshots).
                console.log("fa-screenshot:calibration_settings");
            },
        },
        { trigger: "body", content: "let the screen settle", run: () => new Promise((r) => setTimeout(r, 400)) },
    ],
});
