/** @odoo-module **/
import { registry } from "@web/core/registry";

// Asks the Python side of the test to save a screenshot of the current screen (see tests/tour_case.py).
function screenshot(name, trigger) {
    return {
        content: `Screenshot: ${name}`,
        trigger,
        run() {
            console.log(`fa-screenshot:${name}`);
        },
    };
}

function pause(ms) {
    return { trigger: "body", content: "let the screen settle", run: () => new Promise((r) => setTimeout(r, ms)) };
}

registry.category("web_tour.tours").add("face_attendance_person_history_tour", {
    steps: () => [
        {
            content: "The employee form's smart buttons (History may sit under More on a narrow screen)",
            trigger: ".o-form-buttonbox",
            run() {
                if (!document.querySelector("button[name=action_face_history]")) {
                    document.querySelector(".o-form-buttonbox .o_button_more").click();
                }
            },
        },
        { content: "Open the person's history", trigger: "button[name=action_face_history]", run: "click" },
        {
            content: "HR's correction is shown with who made it",
            trigger: ".o_face_history_correction .o_face_history_user:contains(Helen Tour)",
        },
        { content: "and its reason", trigger: ".o_face_history_correction:contains(Left at four)" },
        { content: "and what it changed", trigger: ".o_face_history_correction .o_face_history_changes:contains(Check out)" },
        { content: "A sighting of the entry camera", trigger: ".o_face_history_sighting:contains(Tour entry)" },
        { content: "The attendance", trigger: ".o_face_history_attendance .o_face_history_open_attendance" },
        {
            content: "Filter by the exit camera",
            trigger: ".o_face_history_camera",
            run() {
                const select = document.querySelector(".o_face_history_camera");
                select.value = [...select.options].find((option) => option.text === "Tour exit").value;
                select.dispatchEvent(new Event("change", { bubbles: true }));
            },
        },
        {
            content: "Only the exit camera's sighting is left",
            trigger: ".o_face_history_total:contains(Entries: 1)",
            run() {
                const entries = [...document.querySelectorAll(".o_face_history_entry")];
                if (entries.length !== 1 || !entries[0].textContent.includes("Tour exit")) {
                    throw new Error(`Expected the exit camera's sighting only, got: ${entries.map((e) => e.textContent)}`);
                }
            },
        },
        {
            content: "Back to every camera",
            trigger: ".o_face_history_clear",
            run: "click",
        },
        { content: "The correction again", trigger: ".o_face_history_correction:contains(Helen Tour)" },
        // The same tour runs at a tablet's width: its screenshot is saved beside the laptop's.
        screenshot(window.innerWidth < 1000 ? "person_history_tablet" : "person_history", ".o_face_history_correction"),
        pause(400),
        {
            content: "A sighting opens its recognition event",
            trigger: ".o_face_history_sighting:contains(Tour entry) .o_face_history_open_event",
            run: "click",
        },
        { content: "The recognition event's form", trigger: ".o_form_view .o_field_widget[name=event_uid]" },
    ],
});

registry.category("web_tour.tours").add("face_attendance_unknown_sightings_tour", {
    steps: () => [
        { content: "An unknown face's group", trigger: ".o_face_unknown_groups .o_face_group_sightings", run: "click" },
        { content: "Its sightings, in the recognition events' list", trigger: ".o_list_view .o_data_row" },
        {
            content: "Both sightings of the group",
            trigger: ".o_list_view",
            run() {
                const rows = document.querySelectorAll(".o_list_view .o_data_row").length;
                if (rows !== 2) {
                    throw new Error(`Expected the group's 2 sightings, got ${rows}`);
                }
            },
        },
    ],
});
