/** @odoo-module **/
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("face_attendance_audit_log_tour", {
    steps: () => [
        {
            content: "Reports → Audit Log",
            trigger: ".o_menu_sections button:contains(Reports), .o_menu_sections a:contains(Reports)",
            run: "click",
        },
        { trigger: ".dropdown-item:contains(Audit Log)", run: "click" },
        { content: "The system log line is listed", trigger: ".o_list_view .o_data_row:contains(Audit seeded line)" },
        {
            content: "So is the attendance correction, with the field it changed",
            trigger: ".o_list_view .o_data_row:contains(attendance.update):contains(Check Out)",
        },
        { content: "Open the search options", trigger: ".o_searchview_dropdown_toggler", run: "click" },
        { content: "Group by who", trigger: ".o_group_by_menu .o_menu_item:contains(Who)", run: "click" },
        { content: "Close the search options", trigger: ".o_searchview_dropdown_toggler", run: "click" },
        {
            content: "Open the group of the manager who made the changes",
            trigger: ".o_group_header:contains(Audit Tour Manager)",
            run: "click",
        },
        { content: "Their rows", trigger: ".o_data_row:contains(Audit seeded line)" },
        {
            content: "Screenshot: audit_log",
            trigger: ".o_data_row:contains(attendance.update)",
            run() {
                console.log("fa-screenshot:audit_log");
            },
        },
        { trigger: "body", content: "let the capture finish", run: () => new Promise((r) => setTimeout(r, 400)) },
        { content: "The grouped view: entries per day and source", trigger: ".o_switch_view.o_pivot", run: "click" },
        { content: "The pivot counts the entries", trigger: ".o_pivot .o_pivot_cell_value" },
    ],
});
