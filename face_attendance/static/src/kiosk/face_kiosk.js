/** @odoo-module **/
// The face kiosk's page: films, sends a few frames per second, shows what the server decided.
// Nothing is decided here: the browser cannot be trusted with who stands in front of it.
// A tablet that is not paired with the kiosk shows the pairing screen: a manager reads a one-time
// code on the kiosk's form, types it here, and the server answers with the tablet's secret cookie.
// A face the server takes for a look-alike is not enough: it answers "pin_required" naming the person,
// and the PIN pad asks for their PIN only (the server holds that recognition for a short while).
import { App, Component, onMounted, onWillUnmount, useRef, useState, whenReady } from "@odoo/owl";
import { getTemplate } from "@web/core/templates";
import { _t } from "@web/core/l10n/translation";
import { makeEnv, startServices } from "@web/env";

// The server's vote needs a handful of frames; more than ~4 per second only costs CPU.
const FRAME_INTERVAL_MS = 300;
const RESULT_DISPLAY_MS = 4000;
const FRAME_WIDTH = 640;

export class FaceKiosk extends Component {
    static template = "face_attendance.FaceKiosk";
    static props = { info: Object };

    setup() {
        this.video = useRef("video");
        this.canvas = document.createElement("canvas");
        this.state = useState({
            phase: this.props.info.paired ? "starting" : "pairing", // pairing | starting | watching | result | pin | error
            kind: "", // the server's state: checked_in, checked_out, duplicate, unknown, spoof, ...
            message: this.props.info.paired
                ? _t("Starting the camera…")
                : _t("This tablet is not paired with the kiosk yet: ask a manager for a pairing code."),
            pairingCode: "",
            name: "",
            time: "",
            pinAvailable: false,
            confirming: false, // the PIN pad confirms a look-alike's recognition: no person ID to type
            personId: "",
            pin: "",
            clock: this.now(),
        });
        this.stopped = false;
        this.clockTimer = setInterval(() => (this.state.clock = this.now()), 1000);
        onMounted(() => this.props.info.paired && this.start());
        onWillUnmount(() => this.stop());
    }

    now() {
        return new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    }

    async start() {
        this.stopped = false;
        this.state.phase = "starting";
        this.state.message = _t("Starting the camera…");
        try {
            this.stream = await navigator.mediaDevices.getUserMedia({
                video: { facingMode: "user", width: { ideal: 640 }, height: { ideal: 480 } },
                audio: false,
            });
        } catch (error) {
            this.state.phase = "error";
            this.state.message = _t("The camera cannot be used: %s", error.message || error.name);
            this.state.pinAvailable = this.props.info.pin;
            return;
        }
        const video = this.video.el;
        video.srcObject = this.stream;
        await video.play();
        this.state.phase = "watching";
        this.state.message = _t("Look at the camera.");
        this.loop();
    }

    stop() {
        this.stopCamera();
        clearInterval(this.clockTimer);
    }

    stopCamera() {
        this.stopped = true;
        clearTimeout(this.loopTimer);
        clearTimeout(this.resultTimer);
        clearTimeout(this.confirmTimer);
        if (this.stream) {
            this.stream.getTracks().forEach((track) => track.stop());
            this.stream = null;
        }
    }

    /** The server no longer knows this tablet (unpaired, or the kiosk's URL regenerated). */
    unpaired(message) {
        this.stopCamera();
        this.state.phase = "pairing";
        this.state.kind = "";
        this.state.pairingCode = "";
        this.state.message = message;
    }

    async submitPairing(ev) {
        ev?.preventDefault();
        const answer = await this.post("pair", { code: this.state.pairingCode.trim() });
        this.state.pairingCode = "";
        if (answer.state === "paired") {
            await this.start();
        } else if (this.state.phase === "pairing") {
            this.state.message = answer.message || _t("The code was refused.");
        }
    }

    grab() {
        const video = this.video.el;
        if (!video || !video.videoWidth) {
            return null;
        }
        const scale = Math.min(1, FRAME_WIDTH / video.videoWidth);
        this.canvas.width = Math.round(video.videoWidth * scale);
        this.canvas.height = Math.round(video.videoHeight * scale);
        this.canvas.getContext("2d").drawImage(video, 0, 0, this.canvas.width, this.canvas.height);
        return this.canvas.toDataURL("image/jpeg", 0.85);
    }

    async post(path, body) {
        const response = await fetch(`/face_attendance/kiosk/${path}`, {
            method: "POST",
            headers: { "Content-Type": "application/json", "X-Face-Kiosk-Token": this.props.info.token },
            body: JSON.stringify(body),
            credentials: "same-origin",
        });
        let data = {};
        try {
            data = await response.json();
        } catch {
            data = { state: "error", message: _t("The server did not answer (%s).", response.status) };
        }
        if (response.status === 404) {
            data = { state: "error", message: _t("This kiosk's URL is no longer valid. Ask HR for the new one.") };
            this.stopCamera();
        } else if (response.status === 401 && data.code === "NOT_PAIRED") {
            this.unpaired(data.message);
        }
        return data;
    }

    async loop() {
        if (this.stopped) {
            return;
        }
        if (this.state.phase === "pairing") {
            return;
        }
        let delay = FRAME_INTERVAL_MS;
        if (this.state.phase === "watching") {
            const image = this.grab();
            if (image) {
                try {
                    const answer = await this.post("frame", { image });
                    if (this.stopped) {
                        return;
                    }
                    delay = this.show(answer);
                } catch {
                    this.state.message = _t("No connection to the server: retrying…");
                    delay = 2000;
                }
            }
        }
        this.loopTimer = setTimeout(() => this.loop(), delay);
    }

    /** Show the server's answer; returns how long to wait before the next frame. */
    show(answer) {
        const kind = answer.state || "error";
        this.state.kind = kind;
        this.state.message = answer.message || "";
        this.state.pinAvailable = Boolean(answer.pin);
        if (["no_face", "checking"].includes(kind)) {
            return FRAME_INTERVAL_MS;
        }
        if (answer.code === "RATE_LIMITED") {
            return 5000;
        }
        if (kind === "pin_required") {
            this.openConfirm(answer);
            return FRAME_INTERVAL_MS;
        }
        this.state.confirming = false;
        this.state.name = answer.name || "";
        this.state.time = answer.time || "";
        this.state.phase = "result";
        clearTimeout(this.resultTimer);
        this.resultTimer = setTimeout(() => this.backToWatching(), RESULT_DISPLAY_MS);
        return RESULT_DISPLAY_MS;
    }

    backToWatching(force = false) {
        if (this.state.phase === "pin" && !force) {
            return;
        }
        clearTimeout(this.confirmTimer);
        this.state.confirming = false;
        this.state.phase = "watching";
        this.state.kind = "";
        this.state.name = "";
        this.state.message = _t("Look at the camera.");
    }

    /** The server recognised a look-alike: only their PIN, within the time it holds the recognition. */
    openConfirm(answer) {
        clearTimeout(this.resultTimer);
        clearTimeout(this.confirmTimer);
        this.state.phase = "pin";
        this.state.confirming = true;
        this.state.name = answer.name || "";
        this.state.personId = "";
        this.state.pin = "";
        this.state.message = answer.message || _t("Please confirm with your PIN.");
        this.confirmTimer = setTimeout(() => this.backToWatching(true), (answer.seconds || 60) * 1000);
    }

    openPin() {
        clearTimeout(this.resultTimer);
        clearTimeout(this.confirmTimer);
        this.state.confirming = false;
        this.state.phase = "pin";
        this.state.personId = "";
        this.state.pin = "";
        this.state.message = _t("Enter your person ID and PIN.");
    }

    pressKey(key) {
        if (key === "C") {
            this.state.pin = "";
        } else if (this.state.pin.length < 16) {
            this.state.pin += key;
        }
    }

    async submitPin(ev) {
        ev?.preventDefault();
        const answer = await this.post("pin", {
            // Empty while confirming: the server knows whom it recognised.
            person_id: this.state.confirming ? "" : this.state.personId,
            pin: this.state.pin,
            image: this.grab(),
        });
        this.state.pin = "";
        if (this.state.phase === "pairing") {
            return;
        }
        if (answer.state === "wrong_pin") {
            this.state.kind = "wrong_pin";
            this.state.message = answer.message;
            return;
        }
        if (answer.code !== "RATE_LIMITED") {
            clearTimeout(this.confirmTimer);
        }
        this.show(answer);
    }

    cancelPin() {
        this.backToWatching(true);
    }
}

export async function startFaceKiosk(info) {
    await whenReady();
    const env = makeEnv();
    await startServices(env);
    const app = new App(FaceKiosk, {
        env,
        getTemplate,
        props: { info },
        translateFn: _t,
        dev: env.debug,
    });
    return app.mount(document.body);
}
