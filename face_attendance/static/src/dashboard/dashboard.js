/** @odoo-module **/
import { Component, markRaw, onWillStart, onWillUnmount, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { useService } from "@web/core/utils/hooks";
import { FaceDashboardChart } from "./dashboard_chart";

const { DateTime } = luxon;

// Pushes that change what the dashboard shows: sightings (attendance) and alerts.
const PUSHED = ["face_attendance/events", "face_attendance/alerts"];
// A burst of pushes (a daemon delivering its outbox) gives one reload.
const PUSH_DELAY = 2000;
// Figures that change with time alone (absent once a shift has started, a camera going quiet): the
// daemons' heartbeat interval of the CCTV plan is the fastest anything here is worth reading again.
const REFRESH_DELAY = 300000;
const TREND_DAYS = 14;

const COLORS = {
    present: "#28a745",
    late: "#fd7e14",
    absent: "#dc3545",
    checkIns: "#0d6efd",
    checkOuts: "#6c757d",
    shifts: "#6f42c1",
};

/**
 * The app's landing screen: the day at a glance, arrivals per hour against the shift starts, trends,
 * the cameras, the open alerts, the latest attendances, shift compliance and the daemons' delivery.
 * Each tile reads one model method, the one the REST API answers from; sightings and alerts are
 * pushed over Odoo's bus and reload the tiles they change.
 */
export class FaceDashboard extends Component {
    static template = "face_attendance.Dashboard";
    static components = { FaceDashboardChart };
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.bus = this.env.services.bus_service;
        this.state = useState({
            day: this.today(),
            overview: null,
            hourly: null,
            trend: null,
            // Chart configurations, built once per load: a new one redraws its chart.
            charts: {},
            cameras: [],
            alerts: [],
            attendances: [],
            summary: null,
            delivery: null,
            grid: 2,
            pushes: 0,
            loaded: false,
        });
        this.pending = null;
        // One reload at a time: pushes that arrive during one are served by a single reload after it.
        this.loading = null;
        this.onPush = () => {
            this.state.pushes++;
            if (!this.pending) {
                this.pending = setTimeout(async () => {
                    await Promise.resolve(this.loading).catch(() => {});
                    this.pending = null;
                    this.loading = this.loadLive().finally(() => (this.loading = null));
                }, PUSH_DELAY);
            }
        };
        // The server subscribes Face Attendance users to their companies' channels (ir.websocket).
        for (const type of PUSHED) {
            this.bus.subscribe(type, this.onPush);
        }
        this.bus.start();
        this.refresh = setInterval(() => this.loadAll(), REFRESH_DELAY);
        onWillStart(() => this.loadAll());
        onWillUnmount(() => {
            clearInterval(this.refresh);
            clearTimeout(this.pending);
            for (const type of PUSHED) {
                this.bus.unsubscribe(type, this.onPush);
            }
        });
    }

    today() {
        const now = DateTime.now();
        return (user.tz ? now.setZone(user.tz) : now).toISODate();
    }

    call(model, method, args = []) {
        return this.orm.call(model, method, args);
    }

    /** The tiles a sighting or an alert changes. */
    async loadLive() {
        const day = this.state.day;
        const Figures = "face.attendance.figures";
        const [overview, hourly, live, attendances, summary, delivery] = await Promise.all([
            this.call(Figures, "overview", [day]),
            this.call(Figures, "hourly", [day]),
            this.call("face.recognition.event", "live_monitor_data", [1]),
            this.call(Figures, "attendance_list", [null, 8]),
            this.call("face.system.figures", "summary"),
            this.call("face.system.figures", "delivery_status"),
        ]);
        Object.assign(this.state, {
            overview,
            hourly,
            cameras: live.cameras,
            alerts: live.alerts || [],
            attendances: attendances.records,
            summary,
            delivery,
            loaded: true,
        });
        this.state.charts = markRaw({ ...this.state.charts, hourly: this.hourlyChart(), departments: this.departmentChart() });
    }

    async loadAll() {
        this.state.day = this.today();
        const end = DateTime.fromISO(this.state.day);
        const start = end.minus({ days: TREND_DAYS - 1 }).toISODate();
        const [trend] = await Promise.all([
            this.call("face.attendance.figures", "statistics", [start, this.state.day]),
            this.loadLive(),
        ]);
        this.state.trend = trend;
        this.state.charts = markRaw({ ...this.state.charts, trend: this.trendChart() });
    }

    // ------------------------------------------------------------------ the day at a glance
    get counts() {
        const overview = this.state.overview || {};
        return [
            { kind: "present", label: _t("Present"), value: overview.present, color: "success", icon: "fa-user" },
            { kind: "late", label: _t("Late"), value: overview.late, color: "warning", icon: "fa-clock-o" },
            { kind: "absent", label: _t("Absent"), value: overview.absent, color: "danger", icon: "fa-user-times" },
            { kind: "onLeave", label: _t("On leave"), value: overview.onLeave, color: "info", icon: "fa-plane" },
            {
                kind: "onSite",
                label: _t("Still checked in"),
                value: overview.onSite,
                color: "primary",
                icon: "fa-sign-in",
            },
        ];
    }

    async openList(kind) {
        const action = await this.call("face.attendance.figures", "dashboard_action", [kind, this.state.day]);
        await this.action.doAction(action);
    }

    // ------------------------------------------------------------------ charts
    hourlyChart() {
        const hourly = this.state.hourly;
        const labels = hourly.hours.map((row) => `${String(row.hour).padStart(2, "0")}:00`);
        // A shift start is shown on its hour's bar, its height the number of persons starting then.
        const starts = new Array(24).fill(null);
        for (const start of hourly.shiftStarts) {
            const hour = parseInt(start.time.slice(0, 2));
            starts[hour] = (starts[hour] || 0) + start.employees;
        }
        return {
            type: "bar",
            data: {
                labels,
                datasets: [
                    { label: _t("Arrivals"), data: hourly.hours.map((row) => row.checkIns), backgroundColor: COLORS.checkIns },
                    { label: _t("Departures"), data: hourly.hours.map((row) => row.checkOuts), backgroundColor: COLORS.checkOuts },
                    {
                        type: "line",
                        label: _t("Shift starts (persons)"),
                        data: starts,
                        showLine: false,
                        pointStyle: "triangle",
                        pointRadius: 8,
                        borderColor: COLORS.shifts,
                        backgroundColor: COLORS.shifts,
                    },
                ],
            },
            options: this.chartOptions(),
        };
    }

    trendChart() {
        const days = this.state.trend.byDay;
        const series = (key) => days.map((day) => day[key]);
        return {
            type: "line",
            data: {
                labels: days.map((day) => day.date.slice(5)),
                datasets: [
                    { label: _t("Present"), data: series("present"), borderColor: COLORS.present, backgroundColor: COLORS.present },
                    { label: _t("Late"), data: series("late"), borderColor: COLORS.late, backgroundColor: COLORS.late },
                    { label: _t("Absent"), data: series("absent"), borderColor: COLORS.absent, backgroundColor: COLORS.absent },
                ],
            },
            options: this.chartOptions(),
        };
    }

    departmentChart() {
        const departments = this.state.overview.byDepartment;
        return {
            type: "bar",
            data: {
                labels: departments.map((row) => row.department || _t("No department")),
                datasets: [
                    { label: _t("Present"), data: departments.map((row) => row.present), backgroundColor: COLORS.present },
                    { label: _t("Late"), data: departments.map((row) => row.late), backgroundColor: COLORS.late },
                    { label: _t("Absent"), data: departments.map((row) => row.absent), backgroundColor: COLORS.absent },
                ],
            },
            options: this.chartOptions(),
        };
    }

    chartOptions() {
        return {
            maintainAspectRatio: false,
            animation: false,
            scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
            plugins: { legend: { position: "bottom" } },
        };
    }

    // ------------------------------------------------------------------ cameras
    get gridCameras() {
        return this.state.cameras.slice(0, this.state.grid * this.state.grid);
    }

    get gridClass() {
        return this.state.grid === 2 ? "col-12 col-sm-6" : "col-12 col-sm-6 col-lg-4";
    }

    setGrid(size) {
        this.state.grid = size;
    }

    latestEvent(camera) {
        return camera.events[0];
    }

    snapshotUrl(event) {
        return `/web/image/face.recognition.event/${event.id}/snapshot/320x240`;
    }

    openLiveMonitor() {
        this.action.doAction("face_attendance.face_live_monitor_action");
    }

    // ------------------------------------------------------------------ lists
    severityClass(alert) {
        return { critical: "danger", warning: "warning", info: "info" }[alert.severity] || "secondary";
    }

    localTime(iso) {
        if (!iso) {
            return "";
        }
        const moment = DateTime.fromISO(iso, { zone: "utc" });
        return (user.tz ? moment.setZone(user.tz) : moment.toLocal()).toFormat("HH:mm");
    }

    get compliance() {
        return this.state.summary && this.state.summary.shiftCompliance;
    }

    deliveryClass(status) {
        return { connected: "success", degraded: "warning", disconnected: "danger", online: "success" }[status] || "secondary";
    }
}

registry.category("actions").add("face_attendance.dashboard", FaceDashboard);
