/** @odoo-module **/
import { registry } from "@web/core/registry";
import { rpc } from "@web/core/network/rpc";

// Asks the Python side of the test to save a screenshot of the current screen (see tests/test_tours.py).
function screenshot(name, trigger) {
    return {
        content: `Screenshot: ${name}`,
        trigger,
        run() {
            console.log(`fa-screenshot:${name}`);
        },
    };
}

// Top menu section, then one of its entries.
function openMenu(section, item) {
    return [
        { content: `${section} → ${item}`, trigger: `.o_menu_sections button:contains(${section}), .o_menu_sections a:contains(${section})`, run: "click" },
        { trigger: `.dropdown-item:contains(${item})`, run: "click" },
    ];
}

// What a screen must show, then its screenshot and a moment for the capture.
function showScreen(name, trigger) {
    return [{ content: name, trigger }, screenshot(name, trigger), pause(400)];
}

function pause(ms) {
    return { trigger: "body", content: "let the screen settle", run: () => new Promise((r) => setTimeout(r, ms)) };
}

async function photoFile(xmlid, name) {
    const response = await fetch(`/web/content/${xmlid}`);
    const blob = await response.blob();
    return new File([blob], name, { type: "image/jpeg" });
}

registry.category("web_tour.tours").add("face_attendance_enrol_tour", {
    steps: () => [
        { content: "Open the Face Attendance tab", trigger: ".o_notebook a:contains(Face Attendance)", run: "click" },
        { content: "Open the enrolment screen", trigger: "button[name=action_open_face_enrol]", run: "click" },
        {
            content: "Upload two photos",
            trigger: ".o_face_enrol input.o_face_enrol_files:not(:visible)",
            async run() {
                const input = document.querySelector(".o_face_enrol input.o_face_enrol_files");
                const files = new DataTransfer();
                files.items.add(await photoFile("face_attendance.tour_photo_1", "one.jpg"));
                files.items.add(await photoFile("face_attendance.tour_photo_2", "two.jpg"));
                input.files = files.files;
                input.dispatchEvent(new Event("change", { bubbles: true }));
            },
        },
        { content: "Both photos are checked and accepted", trigger: ".o_face_enrol_submit:contains(Enrol 2 photo)" },
        { content: "With their feedback", trigger: ".o_face_enrol_photo .o_face_check_ok:contains(Face found)" },
        { content: "Consent", trigger: ".o_face_enrol_consent", run: "click" },
        screenshot("enrolment", ".o_face_enrol_submit:not([disabled])"),
        pause(500),
        { content: "Enrol", trigger: ".o_face_enrol_submit:not([disabled])", run: "click" },
        { content: "Enrolled", trigger: ".o_face_enrol_count:contains(2 face(s))" },
    ],
});

registry.category("web_tour.tours").add("face_attendance_webcam_tour", {
    steps: () => [
        { content: "Open the Face Attendance tab", trigger: ".o_notebook a:contains(Face Attendance)", run: "click" },
        { content: "Open the enrolment screen", trigger: "button[name=action_open_face_enrol]", run: "click" },
        { content: "Start the webcam", trigger: ".o_face_enrol button:contains(Use the webcam)", run: "click" },
        { content: "The camera streams", trigger: ".o_face_enrol video:visible", run: () => new Promise((r) => setTimeout(r, 1500)) },
        { content: "Take a photo", trigger: ".o_face_enrol button:contains(Take photo)", run: "click" },
        { content: "The photo is checked and accepted", trigger: ".o_face_enrol_photo .o_face_check_ok:contains(Face found)" },
        screenshot("enrolment_webcam", ".o_face_enrol_submit:not([disabled])"),
        pause(500),
        { content: "Enrol", trigger: ".o_face_enrol_submit:not([disabled])", run: "click" },
        { content: "Enrolled", trigger: ".o_face_enrol_count:contains(1 face(s))" },
    ],
});

registry.category("web_tour.tours").add("face_attendance_live_monitor_tour", {
    steps: () => [
        { content: "The camera's tile", trigger: ".o_face_camera_tile:contains(Tour camera)" },
        screenshot("live_monitor_before", ".o_face_camera_tile:contains(Tour camera)"),
        {
            content: "A daemon reports a sighting (the page is not reloaded)",
            trigger: ".o_face_camera_tile:contains(Tour camera)",
            async run() {
                const tile = [...document.querySelectorAll(".o_face_camera_tile")].find((el) => el.textContent.includes("Tour camera"));
                const cameraId = parseInt(tile.dataset.cameraId);
                const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
                await rpc("/web/dataset/call_kw/face.recognition.event/ingest_events", {
                    model: "face.recognition.event",
                    method: "ingest_events",
                    args: [[{ event_id: "tour-live-1", camera_id: cameraId, person_id: "TOUR-LIVE", timestamp: now, confidence: 0.91 }]],
                    kwargs: {},
                });
            },
        },
        { content: "It appears, pushed over the bus", trigger: ".o_face_camera_tile:contains(Tour camera) .o_face_live_person:contains(Live Person)" },
        { content: "The push counter moved", trigger: ".o_face_live_pushes:not(:contains(Updates pushed: 0))" },
        screenshot("live_monitor", ".o_face_live_person:contains(Live Person)"),
        pause(500),
    ],
});

registry.category("web_tour.tours").add("face_attendance_unknown_tour", {
    steps: () => [
        { content: "A group of unknown sightings", trigger: ".o_face_unknown_groups .o_kanban_record:contains(2 sighting)" },
        screenshot("unknown_faces", ".o_face_unknown_groups .o_kanban_record"),
        pause(500),
        { content: "Review it", trigger: ".o_kanban_record:contains(2 sighting) .o_face_group_review", run: "click" },
        { content: "Choose the person", trigger: ".o_field_widget[name=employee_id] input", run: "edit Unknown Kofi" },
        { content: "Pick from the list", trigger: ".o-autocomplete--dropdown-item a:contains(Unknown Kofi)", run: "click" },
        screenshot("unknown_face_assign", "button[name=action_assign]"),
        pause(500),
        { content: "Assign", trigger: "button[name=action_assign]", run: "click" },
        { content: "Confirm", trigger: ".modal-footer .btn-primary", run: "click" },
        { content: "Back to the queue, now empty", trigger: ".o_face_unknown_groups .o_view_nocontent, .o_face_unknown_groups:not(:has(.o_kanban_record:not(.o_kanban_ghost)))" },
    ],
});

registry.category("web_tour.tours").add("face_attendance_screens_tour", {
    steps: () => [
        ...showScreen("persons", ".o_kanban_record .badge:contains(face(s))"),
        ...openMenu("Reports", "Daily Summary"),
        ...showScreen("daily_summary", ".o_face_daily_summary .o_face_daily_details"),
        { trigger: ".modal-footer button:contains(Close)", run: "click" },
        ...openMenu("Reports", "Attendance Sheet"),
        ...showScreen("attendance_sheet_wizard", ".modal button[name=action_print]"),
        { trigger: ".modal-footer button:contains(Cancel)", run: "click" },
        ...openMenu("Reports", "Attendance Analysis"),
        ...showScreen("attendance_pivot", ".o_pivot"),
        ...openMenu("Devices", "Cameras"),
        ...showScreen("cameras", ".o_list_view .o_data_row:contains(Screens camera)"),
        ...openMenu("Devices", "Daemons"),
        ...showScreen("daemons", ".o_list_view .o_data_row:contains(screens-daemon)"),
        ...openMenu("Configuration", "Settings"),
        ...showScreen("settings", ".o_setting_box, .o_settings_container, .o_setting_container"),
    ],
});
