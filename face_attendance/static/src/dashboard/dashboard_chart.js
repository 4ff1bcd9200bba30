/** @odoo-module **/
import { Component, onWillStart, onWillUnmount, useEffect, useRef } from "@odoo/owl";
import { loadBundle } from "@web/core/assets";

/**
 * One Chart.js chart, from Odoo's own bundle (as the graph view loads it). The chart is drawn again
 * whenever the dashboard gives it a new configuration.
 */
export class FaceDashboardChart extends Component {
    static template = "face_attendance.DashboardChart";
    static props = { config: Object, name: String };

    setup() {
        this.canvas = useRef("canvas");
        this.chart = null;
        onWillStart(() => loadBundle("web.chartjs_lib"));
        useEffect(
            (config) => {
                if (this.chart) {
                    this.chart.destroy();
                }
                // Chart.js writes into the configuration it is given: keep the dashboard's state clean.
                this.chart = new window.Chart(this.canvas.el, structuredClone(config));
            },
            () => [this.props.config]
        );
        onWillUnmount(() => this.chart && this.chart.destroy());
    }
}
