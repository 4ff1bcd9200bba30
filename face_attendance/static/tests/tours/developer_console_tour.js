/** @odoo-module **/
import { registry } from "@web/core/registry";
import { rpc } from "@web/core/network/rpc";

// Types into an OWL t-model input as a person would (the key is not known when the tour is written).
function fill(selector, value) {
    const input = document.querySelector(selector);
    input.value = value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
}

registry.category("web_tour.tours").add("face_attendance_developer_console_tour", {
    steps: () => [
        {
            content: "Configuration → Developer Console",
            trigger: ".o_menu_sections button:contains(Configuration), .o_menu_sections a:contains(Configuration)",
            run: "click",
        },
        { trigger: ".dropdown-item:contains(Developer Console)", run: "click" },
        { content: "Endpoints grouped by tag", trigger: ".o_face_dev_console .o_face_dev_tag:contains(Developer)" },
        { content: "Find GET /cameras", trigger: ".o_face_dev_filter", run: "edit /api/v1/cameras" },
        {
            content: "Choose it",
            trigger: ".o_face_dev_endpoint[data-method=GET][data-path='/api/v1/cameras']",
            run: "click",
        },
        { content: "Its scope", trigger: ".o_face_dev_scope:contains(camera)" },
        { content: "Without a key", trigger: ".o_face_dev_send", run: "click" },
        { content: "The API refuses", trigger: ".o_face_dev_status:contains(401)" },
        {
            content: "Paste the key made by the test",
            trigger: ".o_face_dev_key",
            async run() {
                const secret = await rpc("/web/dataset/call_kw/ir.config_parameter/get_param", {
                    model: "ir.config_parameter",
                    method: "get_param",
                    args: ["face_attendance.developer_console_tour_key"],
                    kwargs: {},
                });
                fill(".o_face_dev_key", secret);
            },
        },
        { content: "Send", trigger: ".o_face_dev_send:not([disabled])", run: "click" },
        { content: "200 from the API", trigger: ".o_face_dev_status:contains(200)" },
        {
            content: "The JSON answer",
            trigger: ".o_face_dev_answer:contains(Console camera)",
            run() {
                const answer = JSON.parse(document.querySelector(".o_face_dev_answer").textContent);
                if (answer.success !== true) {
                    throw new Error(`The console shows an answer without "success": true: ${JSON.stringify(answer)}`);
                }
            },
        },
        { content: "Open the answer's headers", trigger: ".o_face_dev_headers summary", run: "click" },
        { content: "They are shown", trigger: ".o_face_dev_headers td:contains(application/json)" },
        {
            content: "Screenshot: developer_console",
            trigger: ".o_face_dev_response",
            run() {
                console.log("fa-screenshot:developer_console");
            },
        },
        { trigger: "body", content: "let the capture finish", run: () => new Promise((r) => setTimeout(r, 500)) },
    ],
});
