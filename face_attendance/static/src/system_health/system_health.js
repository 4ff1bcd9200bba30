/** @odoo-module **/
import { Component, onWillStart, onWillUnmount, useState } from "@odoo/owl";
import { formatDateTime } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

const { DateTime } = luxon;

// A daemon's answer to a command is pushed over the bus (face.daemon.command._record_result).
const PUSHED = ["face_attendance/commands"];
// The daemons send a heartbeat every 30 s: the figures cannot change faster than that.
const REFRESH_MS = 30000;
const PENDING = ["queued", "sent"];

/**
 * Each daemon and camera (state, fps, latency, errors, outbox, last heartbeat, uptime day by day),
 * Odoo itself (workers, database size, the addon's crons) and the daemon commands, for managers.
 * Every figure comes from face.system.figures.system_health, the REST API's health figures in one answer.
 */
export class FaceSystemHealth extends Component {
    static template = "face_attendance.SystemHealth";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.notification = useService("notification");
        this.bus = this.env.services.bus_service;
        this.state = useState({ data: null, sending: {}, pushes: 0 });
        this.onPush = () => {
            this.state.pushes++;
            this.load();
        };
        for (const type of PUSHED) {
            this.bus.subscribe(type, this.onPush);
        }
        this.bus.start();
        this.refresh = setInterval(() => this.load(), REFRESH_MS);
        this.expiry = null;
        onWillStart(() => this.load());
        onWillUnmount(() => {
            clearInterval(this.refresh);
            clearTimeout(this.expiry);
            for (const type of PUSHED) {
                this.bus.unsubscribe(type, this.onPush);
            }
        });
    }

    async load() {
        this.state.data = await this.orm.call("face.system.figures", "system_health", []);
        this.watchDeadlines();
    }

    /** A command no daemon answers expires at its deadline: reload once then to show it. */
    watchDeadlines() {
        clearTimeout(this.expiry);
        const deadlines = this.state.data.commands
            .filter((command) => PENDING.includes(command.status) && command.deadline)
            .map((command) => DateTime.fromISO(command.deadline).toMillis());
        if (deadlines.length) {
            const wait = Math.max(1000, Math.min(...deadlines) - Date.now() + 1000);
            this.expiry = setTimeout(() => this.load(), wait);
        }
    }

    async send(kind, target) {
        const key = `${kind}-${target.id}`;
        this.state.sending[key] = true;
        try {
            await this.orm.call("face.system.figures", "send_command", [kind, target.id]);
            await this.load();
        } finally {
            delete this.state.sending[key];
        }
    }

    // ------------------------------------------------------------------ what the template reads
    get metrics() {
        return this.state.data.metrics;
    }

    get odooRow() {
        return this.state.data.services.find((row) => row.type === "odoo") || {};
    }

    get databaseRow() {
        return this.state.data.services.find((row) => row.type === "database") || {};
    }

    get crons() {
        return this.state.data.services.filter((row) => row.type === "cron");
    }

    uptimeOf(kind, id) {
        const rows = kind === "daemon" ? this.state.data.uptime.daemons : this.state.data.uptime.cameras;
        return rows.find((row) => row.id === id) || { uptimeDays: [] };
    }

    latencyOf(daemon) {
        const row = this.state.data.network.find((item) => item.id === daemon.id);
        return row ? row.latency : {};
    }

    lastCommand(kind, id) {
        const key = kind === "daemon" ? "daemonId" : "cameraId";
        return this.state.data.commands.find(
            (command) => command[key] === id && (kind === "camera" || !command.cameraId)
        );
    }

    daemonName(id) {
        const daemon = this.metrics.daemons.find((row) => row.id === id);
        return daemon ? daemon.name : "";
    }

    commandLabel(kind) {
        return {
            test_connection: _t("Test connection"),
            snapshot: _t("Snapshot"),
            restart_camera: _t("Restart camera"),
            restart_daemon: _t("Restart daemon"),
            flush_outbox: _t("Flush outbox"),
        }[kind] || kind;
    }

    stateLabel(status) {
        return {
            queued: _t("Pending"),
            sent: _t("Pending"),
            done: _t("Done"),
            failed: _t("Failed"),
            expired: _t("Expired"),
        }[status] || status;
    }

    stateClass(status) {
        return {
            queued: "text-bg-warning",
            sent: "text-bg-warning",
            done: "text-bg-success",
            failed: "text-bg-danger",
            expired: "text-bg-secondary",
        }[status] || "text-bg-light";
    }

    statusLabel(status) {
        return {
            online: _t("Online"),
            offline: _t("Offline"),
            never: _t("Never seen"),
            disabled: _t("Disabled"),
            running: _t("Running"),
            degraded: _t("Degraded"),
            stopped: _t("Stopped"),
        }[status] || status;
    }

    statusClass(status) {
        return { online: "text-bg-success", running: "text-bg-success", degraded: "text-bg-warning" }[status] ||
            "text-bg-secondary";
    }

    dayClass(percent) {
        if (percent === false || percent === null) {
            return "bg-light";
        }
        return percent >= 99 ? "bg-success" : percent >= 90 ? "bg-warning" : "bg-danger";
    }

    dayTitle(day) {
        const value = day.percent === false ? _t("no history") : `${day.percent}%`;
        return `${day.date}: ${value}`;
    }

    dayHeight(day) {
        return day.percent === false ? 100 : Math.max(4, day.percent);
    }

    isSending(kind, target) {
        return Boolean(this.state.sending[`${kind}-${target.id}`]);
    }

    when(iso) {
        return iso ? formatDateTime(DateTime.fromISO(iso, { zone: "utc" }).toLocal()) : "—";
    }

    duration(seconds) {
        if (seconds === false || seconds === null || seconds === undefined) {
            return "—";
        }
        const days = Math.floor(seconds / 86400);
        const hours = Math.floor((seconds % 86400) / 3600);
        const minutes = Math.floor((seconds % 3600) / 60);
        if (days) {
            return _t("%(days)s d %(hours)s h", { days, hours });
        }
        return hours ? _t("%(hours)s h %(minutes)s min", { hours, minutes }) : _t("%s min", minutes);
    }

    bytes(size) {
        if (!size) {
            return "—";
        }
        const units = ["B", "KB", "MB", "GB", "TB"];
        let index = 0;
        while (size >= 1024 && index < units.length - 1) {
            size /= 1024;
            index++;
        }
        return `${size.toFixed(index ? 1 : 0)} ${units[index]}`;
    }

    figure(value) {
        return value === false || value === null || value === undefined ? "—" : value;
    }
}

registry.category("actions").add("face_attendance.system_health", FaceSystemHealth);
