/** @odoo-module **/
import { registry } from "@web/core/registry";
import { rpc } from "@web/core/network/rpc";

function count(kind) {
    const value = document.querySelector(`.o_face_dashboard_count[data-kind=${kind}] .o_face_dashboard_value`);
    return parseInt(value.textContent);
}

// What the counts were before the sighting: the pushed reload must change them.
const before = {};

registry.category("web_tour.tours").add("face_attendance_dashboard_tour", {
    steps: () => [
        {
            content: "The seeded attendance is among the latest",
            trigger: ".o_face_dashboard_attendance:contains(Dashboard Early Bird)",
        },
        {
            content: "The day at a glance counts the person checked in",
            trigger: ".o_face_dashboard_count[data-kind=onSite] .o_face_dashboard_value",
            run() {
                for (const kind of ["present", "onSite", "absent", "late", "onLeave"]) {
                    before[kind] = count(kind);
                }
                if (!(before.present >= 1 && before.onSite >= 1)) {
                    throw new Error(`present ${before.present}, still checked in ${before.onSite}`);
                }
            },
        },
        { content: "The camera is in the grid", trigger: ".o_face_dashboard_camera:contains(Dashboard camera)" },
        { content: "The charts are drawn", trigger: ".o_face_dashboard_chart[data-chart=hourly] canvas" },
        { content: "The trend is drawn", trigger: ".o_face_dashboard_chart[data-chart=trend] canvas" },
        { content: "3×3 grid", trigger: ".o_face_dashboard_grid_3", run: "click" },
        { content: "The grid has three columns", trigger: ".o_face_dashboard_grid.o_face_dashboard_grid_3" },
        { content: "2×2 grid", trigger: "button.o_face_dashboard_grid_2", run: "click" },
        {
            content: "Back to the top of the screen",
            trigger: ".o_face_dashboard_grid.o_face_dashboard_grid_2",
            run() {
                for (const el of document.querySelectorAll(".o_face_dashboard, .o_action_manager, .o_content")) {
                    el.scrollTop = 0;
                }
            },
        },
        {
            content: "Screenshot of the dashboard",
            trigger: ".o_face_dashboard_chart[data-chart=hourly] canvas",
            run() {
                console.log("fa-screenshot:dashboard");
            },
        },
        {
            content: "A daemon reports the person at the door (the page is not reloaded)",
            trigger: ".o_face_dashboard_camera:contains(Dashboard camera)",
            async run() {
                const tile = [...document.querySelectorAll(".o_face_dashboard_camera")].find((el) =>
                    el.textContent.includes("Dashboard camera")
                );
                // Marks the page: a reload would lose it.
                document.querySelector(".o_face_dashboard").dataset.tourMark = "1";
                const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
                await rpc("/web/dataset/call_kw/face.recognition.event/ingest_events", {
                    model: "face.recognition.event",
                    method: "ingest_events",
                    args: [
                        [
                            {
                                event_id: "tour-dashboard-1",
                                camera_id: parseInt(tile.dataset.cameraId),
                                person_id: "TOUR-DASH",
                                timestamp: now,
                            },
                        ],
                    ],
                    kwargs: {},
                });
            },
        },
        {
            content: "The new attendance is pushed into the latest attendances",
            trigger: ".o_face_dashboard[data-tour-mark] .o_face_dashboard_attendance:contains(Dashboard Tour Person)",
        },
        {
            content: "The counts follow",
            trigger: ".o_face_dashboard_attendance:contains(Dashboard Tour Person)",
            run() {
                if (count("present") !== before.present + 1 || count("onSite") !== before.onSite + 1) {
                    throw new Error(
                        `present ${before.present} -> ${count("present")}, checked in ${before.onSite} -> ${count("onSite")}`
                    );
                }
            },
        },
        {
            content: "Screenshot after the sighting",
            trigger: ".o_face_dashboard_attendance:contains(Dashboard Tour Person)",
            run() {
                for (const el of document.querySelectorAll(".o_face_dashboard, .o_action_manager, .o_content")) {
                    el.scrollTop = 0;
                }
                console.log("fa-screenshot:dashboard_pushed");
            },
        },
        {
            content: "A count opens the list it counts",
            trigger: ".o_face_dashboard_count[data-kind=onSite]",
            run: "click",
        },
        { content: "The person checked in is listed", trigger: ".o_data_row:contains(Dashboard Tour Person)" },
    ],
});

registry.category("web_tour.tours").add("face_attendance_dashboard_tablet_tour", {
    steps: () => [
        { content: "The charts are drawn", trigger: ".o_face_dashboard_chart[data-chart=departments] canvas" },
        {
            content: "Nothing is wider than the tablet's screen",
            trigger: ".o_face_dashboard_camera:contains(Dashboard camera)",
            run() {
                const page = document.querySelector(".o_face_dashboard");
                if (page.scrollWidth > page.clientWidth) {
                    throw new Error(`${page.scrollWidth} px wide in ${page.clientWidth} px`);
                }
                console.log("fa-screenshot:dashboard_tablet");
            },
        },
    ],
});
