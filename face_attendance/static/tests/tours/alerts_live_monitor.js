/** @odoo-module **/
import { registry } from "@web/core/registry";
import { rpc } from "@web/core/network/rpc";

registry.category("web_tour.tours").add("alerts_live_monitor_tour", {
    steps: () => [
        { content: "The banner message is shown", trigger: ".o_face_banner:contains(Fire drill at 3 pm)" },
        { content: "The open alert is shown", trigger: ".o_face_live_alert:contains(Alert tour camera sends no frame)" },
        {
            content: "A daemon reports an unknown face (the page is not reloaded)",
            trigger: ".o_face_camera_tile:contains(Alert tour camera)",
            async run() {
                const tile = [...document.querySelectorAll(".o_face_camera_tile")].find((el) =>
                    el.textContent.includes("Alert tour camera")
                );
                const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
                await rpc("/web/dataset/call_kw/face.recognition.event/ingest_events", {
                    model: "face.recognition.event",
                    method: "ingest_events",
                    args: [[{ event_id: "alerts-tour-1", camera_id: parseInt(tile.dataset.cameraId), timestamp: now }]],
                    kwargs: {},
                });
            },
        },
        {
            content: "Its alert appears, pushed over the bus",
            trigger: ".o_face_live_alert:contains(Unknown face) .o_face_alert_acknowledge",
            run: "click",
        },
        { content: "Acknowledged", trigger: ".o_face_live_alert:contains(Unknown face) .o_face_alert_acknowledged" },
    ],
});
