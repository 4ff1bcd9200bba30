/** @odoo-module **/
import { Component, onWillStart, onWillUnmount, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

// Pushes that change what the screen shows: sightings, alerts, banner messages.
const PUSHED = ["face_attendance/events", "face_attendance/alerts", "face_attendance/banners"];

/**
 * Latest recognitions per camera, the open alerts and the banner messages. New sightings are pushed over Odoo's bus (websocket) by the
 * ingestion; the screen reloads its data on each push and never polls.
 */
export class FaceLiveMonitor extends Component {
    static template = "face_attendance.LiveMonitor";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.bus = this.env.services.bus_service;
        this.state = useState({ cameras: [], alerts: [], banners: [], now: Date.now(), pushes: 0, loaded: false });
        this.onPush = () => {
            this.state.pushes++;
            this.load();
        };
        // The server subscribes Face Attendance users to their companies' live channels
        // (ir.websocket): the page only has to make sure the bus is running.
        for (const type of PUSHED) {
            this.bus.subscribe(type, this.onPush);
        }
        this.bus.start();
        // Banners carry their time window: a local clock shows and hides them on time, no polling.
        this.clock = setInterval(() => (this.state.now = Date.now()), 30000);
        onWillStart(() => this.load());
        onWillUnmount(() => {
            clearInterval(this.clock);
            for (const type of PUSHED) {
                this.bus.unsubscribe(type, this.onPush);
            }
        });
    }

    async load() {
        const data = await this.orm.call("face.recognition.event", "live_monitor_data", []);
        this.state.cameras = data.cameras;
        this.state.alerts = data.alerts || [];
        this.state.banners = data.banners || [];
        this.state.now = Date.now();
        this.state.loaded = true;
    }

    get currentBanners() {
        const utc = (text) => Date.parse(text.replace(" ", "T") + "Z");
        return this.state.banners.filter(
            (banner) => utc(banner.start) <= this.state.now && (!banner.end || utc(banner.end) > this.state.now)
        );
    }

    severityClass(item) {
        return { critical: "danger", warning: "warning", info: "info" }[item.severity] || "secondary";
    }

    async acknowledge(alert) {
        await this.orm.call("face.alert", "action_acknowledge", [[alert.id]]);
        await this.load();
    }

    snapshotUrl(event) {
        return `/web/image/face.recognition.event/${event.id}/snapshot/96x96`;
    }

    outcomeClass(event) {
        return {
            checked_in: "text-bg-success",
            checked_out: "text-bg-info",
            duplicate: "text-bg-secondary",
            unknown: "text-bg-warning",
        }[event.outcome] || "text-bg-danger";
    }
}

registry.category("actions").add("face_attendance.live_monitor", FaceLiveMonitor);
