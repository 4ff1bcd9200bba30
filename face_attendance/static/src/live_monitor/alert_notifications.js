/** @odoo-module **/
import { registry } from "@web/core/registry";

const TYPES = { critical: "danger", warning: "warning", info: "info" };

/**
 * A Face Attendance manager's notification (an alert opened in their company) is pushed to their
 * own bus channel by the server; shown as a toast wherever they are in the backend.
 */
export const faceAlertNotificationService = {
    dependencies: ["bus_service", "notification"],
    start(env, { bus_service, notification }) {
        bus_service.subscribe("face_attendance/notification", (payload) => {
            notification.add(payload.title, {
                title: "Face Attendance",
                type: TYPES[payload.severity] || "warning",
                sticky: payload.severity === "critical",
            });
        });
    },
};

registry.category("services").add("face_attendance_alert_notifications", faceAlertNotificationService);
