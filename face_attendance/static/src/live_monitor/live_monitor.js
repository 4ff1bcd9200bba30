/** @odoo-module **/
import { Component, onWillStart, onWillUnmount, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

/**
 * Latest recognitions per camera. New sightings are pushed over Odoo's bus (websocket) by the
 * ingestion; the screen reloads its data on each push and never polls.
 */
export class FaceLiveMonitor extends Component {
    static template = "face_attendance.LiveMonitor";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.bus = this.env.services.bus_service;
        this.state = useState({ cameras: [], pushes: 0, loaded: false });
        this.onPush = () => {
            this.state.pushes++;
            this.load();
        };
        // The server subscribes Face Attendance users to their companies' live channels
        // (ir.websocket): the page only has to make sure the bus is running.
        this.bus.subscribe("face_attendance/events", this.onPush);
        this.bus.start();
        onWillStart(() => this.load());
        onWillUnmount(() => {
            this.bus.unsubscribe("face_attendance/events", this.onPush);
        });
    }

    async load() {
        const data = await this.orm.call("face.recognition.event", "live_monitor_data", []);
        this.state.cameras = data.cameras;
        this.state.loaded = true;
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
