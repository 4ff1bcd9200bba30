/** @odoo-module **/
import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { formatDate, formatDateTime } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { useService } from "@web/core/utils/hooks";
import { Layout } from "@web/search/layout";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";

const { DateTime } = luxon;

const PAGE_SIZE = 20;

// How each type of entry looks: the timeline's icon and colour.
const LOOKS = {
    sighting: { icon: "fa-eye", color: "primary" },
    attendance: { icon: "fa-clock-o", color: "success" },
    correction: { icon: "fa-pencil", color: "warning" },
    change: { icon: "fa-history", color: "secondary" },
};

const OUTCOME_CLASSES = {
    checked_in: "text-bg-success",
    checked_out: "text-bg-info",
    duplicate: "text-bg-secondary",
    unknown: "text-bg-warning",
    pending: "text-bg-light",
};

/**
 * A person's history: sightings, attendances, HR's corrections and other changes, newest first and
 * grouped by day in the user's time zone. Everything comes from face.system.log.person_history, the
 * method GET /api/v1/history/person/{id} reads, which also decides what the user may see.
 */
export class FacePersonHistory extends Component {
    static template = "face_attendance.PersonHistory";
    static components = { Layout };
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        const { params = {}, context = {} } = this.props.action;
        this.employeeId = params.employee_id || context.active_id;
        this.zone = user.tz || "default";
        this.types = [
            ["", _t("All")],
            ["sighting", _t("Sightings")],
            ["attendance", _t("Attendances")],
            ["correction", _t("Corrections")],
            ["change", _t("Changes")],
        ];
        // One entry's type, in the singular.
        this.typeLabels = {
            sighting: _t("Sighting"),
            attendance: _t("Attendance"),
            correction: _t("Correction"),
            change: _t("Change"),
        };
        this.fieldLabels = { check_in: _t("Check in"), check_out: _t("Check out"), employee_id: _t("Person") };
        this.state = useState({
            items: [],
            total: 0,
            page: 1,
            cameras: [],
            filters: { dateFrom: "", dateTo: "", cameraId: "", type: "" },
            loading: false,
        });
        onWillStart(async () => {
            this.state.cameras = await this.orm.searchRead("face.camera", [], ["name"], { order: "name" });
            await this.load();
        });
    }

    /** A day typed in the filter is a day of the user's time zone: its start as the server's UTC. */
    dayStart(day, plusDays = 0) {
        const moment = DateTime.fromISO(day, { zone: this.zone }).plus({ days: plusDays });
        return moment.isValid ? moment.toUTC().toFormat("yyyy-MM-dd HH:mm:ss") : null;
    }

    async load(more = false) {
        const page = more ? this.state.page + 1 : 1;
        const { dateFrom, dateTo, cameraId, type } = this.state.filters;
        this.state.loading = true;
        try {
            const answer = await this.orm.call("face.system.log", "person_history", [this.employeeId], {
                kind: type || null,
                date_from: dateFrom ? this.dayStart(dateFrom) : null,
                date_to: dateTo ? this.dayStart(dateTo, 1) : null,
                camera_id: cameraId ? parseInt(cameraId) : null,
                page,
                page_size: PAGE_SIZE,
            });
            this.state.items = more ? [...this.state.items, ...answer.items] : answer.items;
            this.state.total = answer.total;
            this.state.page = page;
        } finally {
            this.state.loading = false;
        }
    }

    onFilter(name, ev) {
        this.state.filters[name] = ev.target.value;
        this.load();
    }

    clearFilters() {
        Object.assign(this.state.filters, { dateFrom: "", dateTo: "", cameraId: "", type: "" });
        this.load();
    }

    localTime(timestamp) {
        const moment = DateTime.fromISO(timestamp, { zone: "utc" });
        const local = moment.setZone(this.zone);
        return local.isValid ? local : moment.setZone("default");
    }

    /** The loaded entries by day of the user's time zone, newest day first (as the server sorts). */
    get days() {
        const days = [];
        for (const item of this.state.items) {
            const moment = this.localTime(item.timestamp);
            const key = moment.toISODate();
            if (!days.length || days.at(-1).key !== key) {
                days.push({ key, label: formatDate(moment), entries: [] });
            }
            days.at(-1).entries.push({ item, time: moment.toFormat("HH:mm:ss") });
        }
        return days;
    }

    look(item) {
        return LOOKS[item.type] || LOOKS.change;
    }

    outcomeClass(item) {
        return OUTCOME_CLASSES[item.outcome] || "text-bg-danger";
    }

    confidence(item) {
        return item.confidence ? `${Math.round(item.confidence * 100)}%` : "";
    }

    snapshotUrl(item) {
        return `/web/image/face.recognition.event/${item.eventId}/snapshot/96x96`;
    }

    /** What a correction changed, value by value ("Check out: 17:00 → 16:00"), times in the user's zone. */
    correctionChanges(item) {
        const old = item.correction.old || {};
        const now = item.correction.new || {};
        const show = (value) => {
            if (value === undefined || value === null || value === false) {
                return "-";
            }
            // The server keeps times as UTC text ("2026-01-20 16:00:00").
            if (typeof value === "string" && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(value)) {
                const moment = this.localTime(value.replace(" ", "T") + "Z");
                return formatDateTime(moment, { tz: moment.zoneName });
            }
            return String(value);
        };
        return [...new Set([...Object.keys(old), ...Object.keys(now)])].sort().map((key) => ({
            key,
            label: this.fieldLabels[key] || key,
            old: show(old[key]),
            new: show(now[key]),
        }));
    }

    /** An attendance's times and hours, in the user's zone. */
    span(item) {
        const checkIn = this.localTime(item.checkIn);
        const checkOut = item.checkOut && this.localTime(item.checkOut);
        return {
            from: checkIn.toFormat("HH:mm"),
            to: checkOut ? checkOut.toFormat("HH:mm") : "",
            hours: checkOut ? checkOut.diff(checkIn, "hours").hours.toFixed(2) : "",
        };
    }

    canOpenAttendance(item) {
        // A deleted attendance is gone: its correction keeps the story, there is no form to open.
        return item.attendanceId && !(item.type === "correction" && item.correction.kind === "deleted");
    }

    openRecord(model, id) {
        this.actionService.doAction({
            type: "ir.actions.act_window",
            res_model: model,
            res_id: id,
            views: [[false, "form"]],
        });
    }
}

registry.category("actions").add("face_attendance.person_history", FacePersonHistory);
