/** @odoo-module **/
import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

// The chart's drawing box, in SVG units (it scales to the width of the settings column).
const WIDTH = 480;
const HEIGHT = 160;
const PAD = { left: 8, right: 8, top: 8, bottom: 22 };

/**
 * Calibration on site, in Settings: per encoder, the distance histograms of the company's genuine and
 * impostor sightings with the threshold line, the estimated false-accept and false-reject rates at the
 * threshold and the threshold a target false-accept rate would need. It reads only: the threshold is a
 * setting a manager changes.
 */
export class FaceCalibration extends Component {
    static template = "face_attendance.Calibration";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.state = useState({ loaded: false, error: null, data: null });
        onWillStart(() => this.load());
    }

    async load() {
        try {
            const data = await this.orm.call("face.recognition.calibration", "calibration", []);
            for (const item of data.encoders) {
                item.chart = item.genuine_count || item.impostor_count ? this.chart(item) : null;
            }
            this.state.data = data;
            this.state.error = null;
        } catch (error) {
            // Not a manager, for instance: the settings screen still opens.
            this.state.error = (error.data && error.data.message) || error.message || String(error);
        }
        this.state.loaded = true;
    }

    percent(value) {
        if (value === null || value === undefined) {
            return _t("n/a");
        }
        if (value === 0) {
            return "0%";
        }
        return `${(value * 100).toFixed(value < 0.01 ? 2 : 1)}%`;
    }

    distance(value) {
        // Four decimals: a proposed threshold sits just under an impostor's distance (0.4899, not 0.490).
        return value === null || value === undefined ? _t("n/a") : value.toFixed(4);
    }

    day(value) {
        return value ? value.slice(0, 10) : "";
    }

    /** Bars and lines of one encoder's chart, in SVG units; each histogram scaled to its own share. */
    chart(item) {
        const { edges, genuine, impostor } = item.histogram;
        const low = edges[0];
        const high = edges[edges.length - 1];
        const span = high - low || 1;
        const plotWidth = WIDTH - PAD.left - PAD.right;
        const plotHeight = HEIGHT - PAD.top - PAD.bottom;
        const x = (value) => PAD.left + ((Math.min(Math.max(value, low), high) - low) / span) * plotWidth;
        const shares = (counts, total) => counts.map((count) => (total ? count / total : 0));
        const genuineShares = shares(genuine, item.genuine_count);
        const impostorShares = shares(impostor, item.impostor_count);
        const top = Math.max(...genuineShares, ...impostorShares, 1e-9);
        const bars = [];
        const bin = plotWidth / Math.max(genuine.length, 1);
        const bottom = PAD.top + plotHeight;
        for (let index = 0; index < genuine.length; index++) {
            for (const [kind, share, offset] of [
                ["genuine", genuineShares[index], 0],
                ["impostor", impostorShares[index], bin / 2],
            ]) {
                if (!share) {
                    continue;
                }
                const height = (share / top) * plotHeight;
                bars.push({
                    key: `${kind}-${index}`,
                    kind,
                    x: x(edges[index]) + offset,
                    y: bottom - height,
                    width: Math.max(bin / 2 - 0.5, 0.5),
                    height,
                });
            }
        }
        return {
            width: WIDTH,
            height: HEIGHT,
            bottom,
            top: PAD.top,
            left: PAD.left,
            right: WIDTH - PAD.right,
            bars,
            threshold: x(item.threshold),
            target: item.threshold_for_target === null ? null : x(item.threshold_for_target),
            low: low.toFixed(2),
            high: high.toFixed(2),
        };
    }
}

registry.category("view_widgets").add("face_calibration", { component: FaceCalibration });
