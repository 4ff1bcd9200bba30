/** @odoo-module **/
import { Component, onWillStart, onWillUnmount, useRef, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

/**
 * Enrol a person's faces: photos from files or from the browser's webcam (getUserMedia), each
 * checked by the server at once (face found, size, sharpness, already somebody else's face).
 */
export class FaceEnrolScreen extends Component {
    static template = "face_attendance.EnrolFaces";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.notification = useService("notification");
        this.action = useService("action");
        this.video = useRef("video");
        const params = this.props.action.params || {};
        this.employeeId = params.employee_id || (this.props.action.context || {}).active_id;
        this.state = useState({ person: null, photos: [], consent: false, camera: false, cameraError: "", busy: false });
        this.stream = null;
        onWillStart(async () => {
            this.state.person = await this.orm.call("hr.employee", "face_enrol_context", [this.employeeId]);
        });
        onWillUnmount(() => this.stopCamera());
    }

    get goodPhotos() {
        return this.state.photos.filter((photo) => photo.check && photo.check.ok);
    }

    get needsConsent() {
        return this.state.person && this.state.person.consent_required && !this.state.person.consent;
    }

    async addPhoto(dataUrl, origin) {
        const photo = { key: `${Date.now()}-${this.state.photos.length}`, dataUrl, origin, check: null };
        this.state.photos.push(photo);
        const index = this.state.photos.length - 1;
        const check = await this.orm.call("hr.employee", "face_check_photo", [[this.employeeId], dataUrl]);
        this.state.photos[index].check = check;
    }

    async onFiles(ev) {
        for (const file of ev.target.files) {
            const dataUrl = await new Promise((resolve, reject) => {
                const reader = new FileReader();
                reader.onload = () => resolve(reader.result);
                reader.onerror = reject;
                reader.readAsDataURL(file);
            });
            await this.addPhoto(dataUrl, "upload");
        }
        ev.target.value = "";
    }

    async startCamera() {
        this.state.cameraError = "";
        try {
            this.stream = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 }, audio: false });
            this.video.el.srcObject = this.stream;
            await this.video.el.play();
            this.state.camera = true;
        } catch (error) {
            this.state.cameraError = _t("The webcam is not available: %s", error.message || error);
            this.state.camera = false;
        }
    }

    stopCamera() {
        if (this.stream) {
            this.stream.getTracks().forEach((track) => track.stop());
            this.stream = null;
        }
        if (this.video.el) {
            this.video.el.srcObject = null;
        }
        this.state.camera = false;
    }

    async takePhoto() {
        const video = this.video.el;
        const canvas = document.createElement("canvas");
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        canvas.getContext("2d").drawImage(video, 0, 0);
        await this.addPhoto(canvas.toDataURL("image/jpeg", 0.92), "webcam");
    }

    removePhoto(photo) {
        this.state.photos = this.state.photos.filter((p) => p.key !== photo.key);
    }

    async enrol() {
        if (this.needsConsent && !this.state.consent) {
            this.notification.add(_t("Record the person's biometric consent first."), { type: "warning" });
            return;
        }
        const good = this.goodPhotos;
        if (!good.length) {
            return;
        }
        this.state.busy = true;
        try {
            const origin = good.every((p) => p.origin === "webcam") ? "webcam" : "upload";
            const result = await this.orm.call("hr.employee", "face_enrol_photos", [[this.employeeId], good.map((p) => p.dataUrl), origin, this.state.consent]);
            this.notification.add(_t("%(count)s face(s) enrolled; %(name)s now has %(total)s.", {
                count: good.length, name: this.state.person.name, total: result.face_count}), { type: "success" });
            this.stopCamera();
            this.state.photos = [];
            this.state.person = await this.orm.call("hr.employee", "face_enrol_context", [this.employeeId]);
        } finally {
            this.state.busy = false;
        }
    }

    backToPerson() {
        this.stopCamera();
        this.action.doAction({ type: "ir.actions.act_window", res_model: "hr.employee", res_id: this.employeeId, views: [[false, "form"]] });
    }
}

registry.category("actions").add("face_attendance.enrol_faces", FaceEnrolScreen);
