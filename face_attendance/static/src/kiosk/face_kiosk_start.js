/** @odoo-module **/
// Starts the kiosk on its page: the settings are JSON data in the page, not an inline script (the
// page's Content-Security-Policy runs no inline script).
import { startFaceKiosk } from "./face_kiosk";

const data = document.getElementById("face_kiosk_info");
if (data) {
    startFaceKiosk(JSON.parse(data.textContent));
}
