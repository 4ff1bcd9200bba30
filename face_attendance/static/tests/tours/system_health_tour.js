/** @odoo-module **/
import { registry } from "@web/core/registry";
import { rpc } from "@web/core/network/rpc";

const CAMERA = ".o_face_health_camera:contains(Health tour camera)";

function call(model, method, args) {
    return rpc(`/web/dataset/call_kw/${model}/${method}`, { model, method, args, kwargs: {} });
}

/** Do what the daemon does: take its queued command and answer it (the page is not reloaded). */
async function answerAsTheDaemon(result, snapshot = false) {
    const row = [...document.querySelectorAll(".o_face_health_daemon")].find((el) =>
        el.textContent.includes("Health tour daemon")
    );
    const daemonId = parseInt(row.dataset.daemonId);
    const commands = await call("face.daemon", "daemon_commands_poll", [[daemonId]]);
    await call("face.daemon", "daemon_command_result", [[daemonId], commands[0].id, true, result, snapshot]);
}

/** A JPEG as the daemon sends a snapshot: base64 text. */
async function jpegBase64() {
    const blob = await (await fetch("/web/static/img/user_placeholder.jpg")).blob();
    const dataUrl = await new Promise((resolve) => {
        const reader = new FileReader();
        reader.onload = () => resolve(reader.result);
        reader.readAsDataURL(blob);
    });
    return dataUrl.split(",")[1];
}

registry.category("web_tour.tours").add("face_attendance_system_health_tour", {
    steps: () => [
        {
            content: "The daemon is shown online",
            trigger: ".o_face_health_daemon:contains(Health tour daemon):contains(Online)",
        },
        {
            content: "Its uptime strip has seven days",
            trigger: ".o_face_health_daemon:contains(Health tour daemon) .o_face_uptime_day:nth-child(7)",
        },
        { content: "Odoo's figures are shown", trigger: ".o_face_health_odoo .o_face_health_db_size:not(:contains(—))" },
        { content: "Test the camera's connection", trigger: `${CAMERA} .o_face_cmd_test_connection`, run: "click" },
        { content: "The command is pending", trigger: `${CAMERA} .o_face_health_last_command[data-status=queued]` },
        {
            content: "The daemon answers",
            trigger: `${CAMERA} .o_face_health_last_command[data-status=queued]`,
            run: () => answerAsTheDaemon({ message: "Connection OK: 1280x720 at 10 fps", latencyMs: 85, frameRate: 10 }),
        },
        {
            content: "The answer is pushed and shown",
            trigger: `${CAMERA} .o_face_health_last_command[data-status=done]:contains(Connection OK: 1280x720 at 10 fps)`,
        },
        { content: "It came over the bus", trigger: ".o_face_health_commands:contains(Answers pushed: 1)" },
        { content: "Take a snapshot", trigger: `${CAMERA} .o_face_cmd_snapshot`, run: "click" },
        {
            content: "The daemon answers with the picture",
            trigger: `${CAMERA} .o_face_health_last_command[data-status=queued]:contains(Snapshot)`,
            run: async () => answerAsTheDaemon({ message: "Snapshot taken" }, await jpegBase64()),
        },
        {
            content: "The snapshot is shown",
            trigger: ".o_face_health_commands:contains(Answers pushed: 2) img.o_face_command_snapshot",
        },
        {
            content: "Screenshot of System Health",
            trigger: `${CAMERA} .o_face_health_last_command[data-status=done]:contains(Snapshot taken)`,
            run() {
                document.querySelector(".o_face_system_health").scrollTop = 0;
                console.log("fa-screenshot:system_health");
            },
        },
        {
            content: "On a tablet (768 pixels wide)",
            trigger: ".o_face_health_command[data-status=done]",
            async run() {
                // The test resizes the browser on this message. The screenshot just asked for may
                // still be taken and put the old size back when done: ask again until the page has
                // the tablet's width (within the step's 10 seconds).
                for (let tries = 0; window.innerWidth !== 768 && tries < 16; tries++) {
                    console.log("fa-viewport:tablet");
                    const asked = Date.now();
                    while (window.innerWidth !== 768 && Date.now() - asked < 500) {
                        await new Promise((resolve) => setTimeout(resolve, 50));
                    }
                }
            },
        },
        {
            content: "The tables fit the tablet's width, scrolling sideways inside their cards",
            trigger: ".o_face_system_health",
            run() {
                const page = document.querySelector(".o_face_system_health");
                if (window.innerWidth !== 768 || page.scrollWidth > page.clientWidth) {
                    throw new Error(`The page is wider than the tablet: ${page.scrollWidth} > ${page.clientWidth}`);
                }
                console.log("fa-screenshot:system_health_tablet");
            },
        },
    ],
});
