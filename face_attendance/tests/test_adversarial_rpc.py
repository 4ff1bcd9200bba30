"""Every public method of the addon, called over real XML-RPC by those who must not use it.

Odoo lets any authenticated user call any public method of any model over XML-RPC or JSON-RPC,
with a context of their choosing. This suite enumerates the public methods the addon defines
(on its own models and on the models it extends) and requires a policy for each: a new public
method without one fails the suite. Each method is then called as a portal user, an internal user
without Face Attendance groups, a device (daemon) user, and a Face Attendance manager of another
company, with and without a hostile context; a call that must be refused must fail with an access
error and leave the company's data exactly as it was.
"""

import inspect
import xmlrpc.client
from datetime import datetime, timedelta

from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import face_b64

ADDON = "face_attendance"
ROLES = ("portal", "internal", "device", "other_manager")
ACCESS_ERROR = 4  # odoo.addons.base.controllers.rpc.RPC_FAULT_CODE_ACCESS_ERROR

# A context an attacker would try: flags the code once trusted, ORM switches, defaults that
# would make new records theirs or someone else's. (allowed_company_ids is left to each role:
# Odoo itself refuses companies a user does not belong to.)
HOSTILE_CONTEXT = {
    "face_api_scope_events": True,
    "active_test": False,
    "sudo": True,
    "su": True,
    "uid": 2,
    "install_mode": True,
    "module": ADDON,
    "tracking_disable": True,
    "bin_size": False,
    "force_company": 1,
    "default_state": "active",
    "default_user_id": 2,
    "default_company_id": 1,
    "default_employee_id": 1,
    "face_attendance_rules": True,
}

# The data of company A that no refused call may change.
FINGERPRINTED = [
    ("face_template", ""),
    ("face_template_tombstone", ""),
    ("face_negative", ""),
    ("face_negative_tombstone", ""),
    ("face_recognition_event", ""),
    ("face_camera", ""),
    ("face_daemon", ""),
    ("face_daemon_command", ""),
    ("face_heartbeat_log", ""),
    ("face_detection_provider", ""),
    ("face_system_log", ""),
    ("face_api_key", ""),
    ("face_api_key_wizard", ""),
    ("face_enrol_wizard", ""),
    ("face_enrol_wizard_line", ""),
    ("face_unknown_group", ""),
    ("face_kiosk", ""),
    ("face_kiosk_device", ""),
    ("hr_attendance", ""),
    ("hr_employee", ""),
    ("ir_config_parameter", "WHERE key LIKE 'face_attendance.%%'"),
    ("ir_attachment", "WHERE res_model LIKE 'face.%%' OR res_model = 'hr.employee'"),
    # Refused events (an allowed call) open an ingestion-error alert and notify: that is recorded, not changed.
    ("face_alert", "WHERE alert_type != 'ingestion_error'"),
    (
        "face_notification",
        "WHERE alert_id IS NULL OR alert_id NOT IN (SELECT id FROM face_alert WHERE alert_type = 'ingestion_error')",
    ),
    ("face_banner_message", ""),
    ("face_attendance_correction", ""),
]


def public_methods(env):
    """(model, method) of every public method defined by the addon's own classes."""
    found = set()
    for model_name in env.registry:
        cls = type(env[model_name])
        for klass in cls.__mro__:
            if getattr(klass, "_module", None) != ADDON:
                continue
            for name, value in vars(klass).items():
                if name.startswith("_") or not inspect.isfunction(value):
                    continue
                found.add((model_name, name))
    return found


@tagged("post_install", "-at_install", "face_attendance", "face_attendance_security")
class TestAdversarialRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = env.company
        cls.other_company = env["res.company"].create({"name": "Other Company B"})
        cls.users = {
            "portal": new_test_user(env, login="adv_portal", groups="base.group_portal"),
            "internal": new_test_user(env, login="adv_internal", groups="base.group_user"),
            "device": new_test_user(env, login="adv_device", groups="face_attendance.group_face_attendance_device"),
            "other_manager": new_test_user(
                env,
                login="adv_manager_b",
                groups="base.group_user,face_attendance.group_face_attendance_manager",
                company_id=cls.other_company.id,
                company_ids=[(6, 0, [cls.other_company.id])],
            ),
        }
        cls.other_device = new_test_user(
            env, login="adv_device_2", groups="face_attendance.group_face_attendance_device"
        )
        # Company A's data.
        cls.employee = env["hr.employee"].create({"name": "Victim Person", "person_ref": "ADV-1"})
        cls.template = env["face.template"].create(
            {"employee_id": cls.employee.id, "image": face_b64("Hugo_Chavez", 1)}
        )
        cls.daemon = env["face.daemon"].create({"name": "adv-daemon", "user_id": cls.users["device"].id})
        cls.foreign_daemon = env["face.daemon"].create({"name": "adv-daemon-2", "user_id": cls.other_device.id})
        cls.camera = env["face.camera"].create(
            {
                "name": "Adv entry",
                "source_type": "rtsp",
                "source": "rtsp://admin:secret@10.0.0.7/live",
                "direction": "entry",
                "daemon_id": cls.daemon.id,
            }
        )
        cls.foreign_camera = env["face.camera"].create(
            {
                "name": "Adv exit",
                "source_type": "file",
                "source": "x",
                "direction": "exit",
                "daemon_id": cls.foreign_daemon.id,
            }
        )
        cls.admin_key, _secret = env["face.api.key"]._generate("adv key", env.ref("base.user_admin"), "*")
        when = (datetime.utcnow() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
        env["face.recognition.event"]._ingest_events(
            [
                {
                    "event_id": "adv-seed-1",
                    "camera_id": cls.camera.id,
                    "timestamp": when,
                    "employee_id": cls.employee.id,
                },
                {
                    "event_id": "adv-seed-2",
                    "camera_id": cls.camera.id,
                    "timestamp": when,
                    "snapshot": face_b64("Kofi_Annan", 4).decode(),
                },
            ],
            "daemon",
        )
        cls.unknown_event = env["face.recognition.event"].search([("event_uid", "=", "adv-seed-2")])
        # Transient records of a manager of company A: another user must not read or act on them.
        admin = env.ref("base.user_admin")
        cls.key_wizard = env["face.api.key.wizard"].with_user(admin).create({"name": "w", "user_id": admin.id})
        cls.enrol_wizard = (
            env["face.enrol.wizard"]
            .with_user(admin)
            .create({"employee_id": cls.employee.id, "line_ids": [(0, 0, {"image": face_b64("Hugo_Chavez", 2)})]})
        )
        cls.unknown_group = (
            env["face.unknown.group"]
            .with_user(admin)
            .create({"event_ids": [(6, 0, cls.unknown_event.ids)], "event_count": 1, "employee_id": cls.employee.id})
        )
        cls.summary_wizard = env["face.daily.summary.wizard"].with_user(admin).create({})
        cls.kiosk = env["face.kiosk"].create({"name": "Adv kiosk", "pin_fallback": True})
        cls.kiosk_device = env["face.kiosk.device"].sudo().create({"kiosk_id": cls.kiosk.id, "name": "Adv tablet"})
        cls.sheet_wizard = env["face.attendance.sheet.wizard"].with_user(admin).create({})
        seed_event = env["face.recognition.event"].search([("event_uid", "=", "adv-seed-1")])
        cls.not_person_wizard = (
            env["face.event.not.person.wizard"].with_user(admin).create({"event_ids": [(6, 0, seed_event.ids)]})
        )
        cls.delete_wizard = (
            env["face.attendance.delete.wizard"]
            .with_user(admin)
            .create({"attendance_ids": [(6, 0, seed_event.attendance_id.ids)], "reason": "Seed"})
        )
        cls.photo = face_b64("Hugo_Chavez", 3).decode()
        cls.forged_event = {
            "event_id": "forged-1",
            "camera_id": cls.camera.id,
            "employee_id": cls.employee.id,
            "timestamp": datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
        }

    def setUp(self):
        super().setUp()
        self.uids = {}

    # ------------------------------------------------------------------ the policy
    def policy(self):
        """(model, method) -> (record ids or None for a model call, args, kwargs, roles allowed).

        "Allowed" roles may call the method; what it may then show them is checked separately.
        """
        employee, camera, template = self.employee.id, self.camera.id, self.template.id
        nothing = ()
        return {
            ("face.attendance.config", "set"): (None, ["match_threshold", 1.9], {}, nothing),
            ("face.system.log", "create"): (None, [{"message": "forged line"}], {}, nothing),
            ("face.system.log", "write"): (self.any_log_ids(), [{"message": "rewritten"}], {}, nothing),
            ("face.system.log", "unlink"): (self.any_log_ids(), [], {}, nothing),
            # The Audit Log's SQL view is (re)created by the module update, never over RPC.
            ("face.audit.entry", "init"): (None, [], {}, nothing),
            ("face.api.key", "create"): (
                None,
                [{"name": "mine", "user_id": 2, "scopes": "*", "prefix": "deadbeef", "salt": "x", "key_hash": "y"}],
                {},
                nothing,
            ),
            ("face.api.key", "write"): ([self.admin_key.id], [{"scopes": "*", "user_id": 2}], {}, nothing),
            ("face.api.key", "action_revoke"): ([self.admin_key.id], [], {}, nothing),
            # Signing out another user is for managers within their rights (the administrator is beyond them all).
            ("res.users", "action_face_sign_out_everywhere"): ([self.env.ref("base.user_admin").id], [], {}, nothing),
            # Ending sessions on a change of credentials adds no right: Odoo's decide who writes a user.
            ("res.users", "write"): ([self.env.ref("base.user_admin").id], [{"login": "taken-over"}], {}, nothing),
            ("face.api.key", "unlink"): ([self.admin_key.id], [], {}, nothing),
            ("face.api.key.wizard", "action_generate"): ([self.key_wizard.id], [], {}, nothing),
            ("face.recognition.event", "ingest_events"): (None, [[self.forged_event]], {}, ("device", "other_manager")),
            ("face.recognition.event", "live_monitor_data"): (None, [], {}, ("other_manager",)),
            ("face.template", "create"): (None, [{"employee_id": employee, "image": self.photo}], {}, nothing),
            ("face.template", "write"): ([template], [{"active": False}], {}, nothing),
            ("face.template", "unlink"): ([template], [], {}, nothing),
            ("face.template", "action_reencode"): ([template], [], {}, nothing),
            ("face.template", "gallery_sync"): (None, ["sface:2021dec-int8bq"], {}, ("device", "other_manager")),
            ("face.daemon", "daemon_register"): (None, ["adv-daemon-2", "evil-host"], {}, ("other_manager",)),
            ("face.daemon", "daemon_config"): ([self.foreign_daemon.id], [], {}, nothing),
            ("face.daemon", "daemon_heartbeat"): ([self.foreign_daemon.id], [{"x": 1}], {}, nothing),
            ("hr.employee", "create"): (None, [{"name": "Planted", "person_ref": "ADV-1"}], {}, ("other_manager",)),
            ("hr.employee", "write"): ([employee], [{"person_ref": "ADV-CHANGED"}], {}, nothing),
            ("hr.employee", "unlink"): ([employee], [], {}, nothing),
            ("hr.employee", "action_erase_biometric_data"): ([employee], [], {}, nothing),
            ("hr.employee", "action_open_face_enrol_wizard"): ([employee], [], {}, nothing),
            ("hr.employee", "action_open_face_enrol"): ([employee], [], {}, nothing),
            ("hr.employee", "face_check_photo"): ([employee], [self.photo], {}, nothing),
            ("hr.employee", "face_enrol_photos"): ([employee], [[self.photo]], {}, nothing),
            ("hr.employee", "face_enrol_context"): (None, [employee], {}, nothing),
            ("hr.employee", "action_face_attendances"): ([employee], [], {}, nothing),
            ("hr.employee", "action_face_events"): ([employee], [], {}, nothing),
            ("hr.employee", "action_face_history"): ([employee], [], {}, nothing),
            # Look-alikes: managers recompute their own companies' only (whatever records they name).
            ("hr.employee", "action_recompute_face_lookalikes"): ([employee], [], {}, ("other_manager",)),
            ("face.unknown.group", "action_open_queue"): (None, [], {}, ("other_manager",)),
            ("face.unknown.group", "action_assign"): ([self.unknown_group.id], [], {}, nothing),
            ("face.unknown.group", "action_dismiss"): ([self.unknown_group.id], [], {}, nothing),
            ("face.unknown.group", "action_open_sightings"): ([self.unknown_group.id], [], {}, nothing),
            ("face.enrol.wizard", "action_enrol"): ([self.enrol_wizard.id], [], {}, nothing),
            ("face.daily.summary.wizard", "action_attendances"): ([self.summary_wizard.id], [], {}, nothing),
            ("face.attendance.sheet.wizard", "action_print"): ([self.sheet_wizard.id], [], {}, nothing),
            ("face.attendance.sheet.wizard", "action_export_csv"): ([self.sheet_wizard.id], [], {}, nothing),
            # The attendance views' figures: Face Attendance users; another company's manager sees none of A.
            ("face.attendance.figures", "find_person"): (None, ["ADV-1"], {}, ("other_manager",)),
            ("face.attendance.figures", "attendance_list"): (None, [], {}, ("other_manager",)),
            ("face.attendance.figures", "attendance_record"): (None, [1], {}, ("other_manager",)),
            ("face.attendance.figures", "attendance_csv"): (None, [], {}, ("other_manager",)),
            ("face.attendance.figures", "presence"): (None, [], {}, ("other_manager",)),
            ("face.attendance.figures", "logs"): (None, [], {}, ("other_manager",)),
            ("face.attendance.figures", "log_entry"): (None, [1], {}, ("other_manager",)),
            ("face.attendance.figures", "statistics"): (None, ["2026-01-05", "2026-01-05"], {}, ("other_manager",)),
            ("face.attendance.figures", "overview"): (None, ["2026-01-05"], {}, ("other_manager",)),
            ("face.attendance.figures", "pending"): (None, [], {}, ("other_manager",)),
            ("face.attendance.figures", "hourly"): (None, ["2026-01-05"], {}, ("other_manager",)),
            ("face.attendance.figures", "dashboard_action"): (None, ["present", "2026-01-05"], {}, ("other_manager",)),
            ("hr.attendance", "create"): (
                None,
                [
                    {
                        "employee_id": employee,
                        "check_in": "2026-01-05 08:00:00",
                        "face_camera_id": camera,
                        "face_confidence": 0.99,
                    }
                ],
                {},
                nothing,
            ),
            ("hr.attendance", "write"): (
                self.seed_attendance().ids,
                [{"face_in_event_id": self.unknown_event.id}],
                {},
                nothing,
            ),
            # Odoo's own read, by Odoo's rights: the addon narrows only the search of its own overtime
            # batch, on the batch's cursor, never a caller's.
            ("hr.attendance", "search_fetch"): (None, [[], ["id"]], {}, ("internal", "other_manager")),
            # HR's corrections: managers (and Odoo's own rights) of the attendance's company only.
            ("hr.attendance", "unlink"): (self.seed_attendance().ids, [], {}, nothing),
            ("hr.attendance", "action_face_delete"): (self.seed_attendance().ids, ["Planted reason"], {}, nothing),
            ("hr.attendance", "action_face_unpin"): (self.seed_attendance().ids, [], {}, nothing),
            ("hr.attendance", "face_enter_manually"): (None, [employee, "Planted entry"], {}, nothing),
            ("face.recognition.event", "action_not_this_person"): (self.seed_event_ids(), [], {}, nothing),
            # Learning (issue 25): learned faces and negative examples are removed by managers of their
            # company only; a sighting's correction (which removes and adds them) is no ORM write of anyone's.
            ("face.template", "action_face_remove_learned"): ([template], [], {}, nothing),
            ("face.negative", "unlink"): (self.seed_negative_ids(), [], {}, nothing),
            ("face.recognition.event", "write"): (
                self.seed_event_ids(),
                [{"face_correction_kind": "not_person"}],
                {},
                nothing,
            ),
            ("face.event.not.person.wizard", "action_confirm"): ([self.not_person_wizard.id], [], {}, nothing),
            ("face.attendance.delete.wizard", "action_confirm"): ([self.delete_wizard.id], [], {}, nothing),
            # Persons of the REST API (hr_employee_api.py): Odoo's rights on employees (HR officers, as
            # managers are) and templates decide; another company's manager reaches none of A's persons.
            ("hr.employee", "face_person_find"): (None, ["ADV-1"], {}, ("other_manager",)),
            ("hr.employee", "face_person_search"): (None, [], {}, ("other_manager",)),
            ("hr.employee", "face_person_create"): (None, ["ADV-9", {"name": "Planted"}], {}, ("other_manager",)),
            ("hr.employee", "face_person_update"): (None, ["ADV-1", {"name": "Renamed"}], {}, ("other_manager",)),
            ("hr.employee", "face_person_archive"): (None, ["ADV-1", True], {}, ("other_manager",)),
            ("hr.employee", "face_person_activate"): (None, [employee, False], {}, ("other_manager",)),
            ("hr.employee", "face_person_enrol"): (None, ["ADV-1", [self.photo]], {}, ("other_manager",)),
            ("hr.employee", "face_person_templates"): (None, ["ADV-1"], {}, ("other_manager",)),
            ("hr.employee", "face_person_delete_template"): (None, ["ADV-1", template], {}, ("other_manager",)),
            ("hr.employee", "face_person_delete_templates"): (None, ["ADV-1"], {}, ("other_manager",)),
            # Templates as the backend's enrollments: Face Attendance managers; the camera units' sync:
            # devices and managers (gallery_sync's rules).
            ("face.template", "face_api_template_search"): (None, [], {}, ("other_manager",)),
            ("face.template", "face_api_template_find"): (None, [template], {}, ("other_manager",)),
            ("face.template", "face_api_template_activate"): (None, [template, False], {}, ("other_manager",)),
            ("face.template", "face_api_template_delete"): (None, [template], {}, ("other_manager",)),
            ("face.template", "gallery_people"): (None, [], {}, ("device", "other_manager")),
            # The backend's attendance logs, the frontend's users and roles: Face Attendance users.
            ("face.attendance.log", "attendance_logs"): (None, [], {}, ("other_manager",)),
            ("face.attendance.log", "attendance_log"): (None, [1], {}, ("other_manager",)),
            ("face.user.directory", "users"): (None, [], {}, ("other_manager",)),
            ("face.user.directory", "roles"): (None, [], {}, ("other_manager",)),
            # A camera unit's sighting: ingest_events' senders (devices, managers).
            ("face.camera.unit", "log_attendance"): (
                None,
                [employee],
                {"camera": camera, "event_id": "adv-unit-1"},
                ("device", "other_manager"),
            ),
            # Cameras as the operations API reads them: Face Attendance users (their companies' cameras);
            # managers import (into their own companies).
            ("face.camera", "camera_summary"): (None, [], {}, ("other_manager",)),
            ("face.camera", "camera_export"): (None, [], {}, ("other_manager",)),
            ("face.camera", "camera_import"): (
                None,
                [[{"name": "Planted cam", "streamUrl": "rtsp://evil/"}]],
                {},
                ("other_manager",),
            ),
            # The audit trail: Face Attendance users (their companies' lines); a person's history: those who
            # may read the person.
            ("face.system.log", "audit_trail"): (None, [], {}, ("other_manager",)),
            ("face.system.log", "person_history"): (None, [employee], {}, nothing),
            # Another company's manager may run kiosks of their own company, never one in this company.
            ("face.kiosk", "create"): (
                None,
                [{"name": "Planted kiosk", "company_id": self.env.company.id}],
                {},
                nothing,
            ),
            ("face.kiosk", "write"): ([self.kiosk.id], [{"liveness_required": False}], {}, nothing),
            ("face.kiosk", "unlink"): ([self.kiosk.id], [], {}, nothing),
            ("face.kiosk", "action_regenerate_token"): ([self.kiosk.id], [], {}, nothing),
            ("face.kiosk", "action_open_kiosk"): ([self.kiosk.id], [], {}, nothing),
            # Pairing codes and unpairing: managers of the kiosk's company only.
            ("face.kiosk", "action_pairing_code"): ([self.kiosk.id], [], {}, nothing),
            ("face.kiosk.device", "action_unpair"): ([self.kiosk_device.id], [], {}, nothing),
            # Alerts, notifications, banners of company A (seeded here: raised once, found after).
            ("face.alert", "action_acknowledge"): ([self.seed_alert_id()], [], {}, nothing),
            ("face.alert", "action_mute_hour"): ([self.seed_alert_id()], [], {}, nothing),
            ("face.alert", "action_unmute"): ([self.seed_alert_id()], [], {}, nothing),
            ("face.alert", "action_resolve"): ([self.seed_alert_id()], [], {}, nothing),
            ("face.notification", "action_acknowledge"): (self.seed_notification_ids(), [], {}, nothing),
            ("face.banner.message", "create"): (
                None,
                [{"message": "Planted banner", "company_id": self.company.id}],
                {},
                nothing,
            ),
            ("face.banner.message", "write"): (self.seed_banner_ids(), [{"message": "Rewritten"}], {}, nothing),
            ("face.banner.message", "unlink"): (self.seed_banner_ids(), [], {}, nothing),
            # Daemon commands: only the daemon's own device polls and answers; managers of its company queue.
            ("face.daemon", "daemon_commands_poll"): ([self.foreign_daemon.id], [], {}, nothing),
            ("face.daemon", "daemon_command_result"): ([self.foreign_daemon.id], [1, True, {}], {}, nothing),
            ("face.daemon", "action_flush_outbox"): ([self.daemon.id], [], {}, nothing),
            ("face.daemon", "action_restart_daemon"): ([self.daemon.id], [], {}, nothing),
            ("face.camera", "action_test_connection"): ([self.camera.id], [], {}, nothing),
            ("face.camera", "action_snapshot"): ([self.camera.id], [], {}, nothing),
            ("face.camera", "action_restart_camera"): ([self.camera.id], [], {}, nothing),
            # A detection provider of company A (its own seed key each time: a key serves one provider).
            ("face.detection.provider", "write"): (
                self.env["face.detection.provider"]
                .create(
                    {
                        "name": "Seed provider",
                        "api_key_id": self.env["face.api.key"]
                        ._generate("seed provider", self.env.ref("base.user_admin"), "events:write")[0]
                        .id,
                    }
                )
                .ids,
                [{"enabled": False}],
                {},
                nothing,
            ),
            ("res.config.settings", "get_values"): (None, [], {}, nothing),
            ("res.config.settings", "set_values"): ([], [], {}, nothing),
            # Recognition: Face Attendance users and devices recognise (names only of persons they may
            # read); devices (own daemons' cameras) and managers (their companies') record frames. Another
            # company's manager is refused company A's camera (see test_what_allowed_calls_show_and_do).
            ("face.recognition.service", "recognize"): (None, [self.photo], {}, ("device", "other_manager")),
            ("face.recognition.service", "send_frame"): (
                None,
                [self.photo, camera, "adv-frame"],
                {},
                ("device", "other_manager"),
            ),
            ("face.recognition.service", "live_detections"): (None, [], {}, ("other_manager",)),
            ("face.recognition.service", "detection_events"): (None, [], {}, ("other_manager",)),
            # System figures: Face Attendance users read their companies'; managers ask their daemons to flush.
            ("face.system.figures", "status"): (None, [], {}, ("other_manager",)),
            ("face.system.figures", "summary"): (None, [], {}, ("other_manager",)),
            ("face.system.figures", "health_metrics"): (None, [], {}, ("other_manager",)),
            ("face.system.figures", "health_services"): (None, [], {}, ("other_manager",)),
            ("face.system.figures", "uptime"): (None, [], {}, ("other_manager",)),
            ("face.system.figures", "versions"): (None, [], {}, ("other_manager",)),
            ("face.system.figures", "network_metrics"): (None, [], {}, ("other_manager",)),
            ("face.system.figures", "delivery_status"): (None, [], {}, ("other_manager",)),
            ("face.system.figures", "flush_outboxes"): (None, [0], {}, ("other_manager",)),
            # System Health: managers; another company's manager sees none of A's and cannot drive its camera.
            ("face.system.figures", "system_health"): (None, [], {}, ("other_manager",)),
            ("face.system.figures", "send_command"): (None, ["test_connection", camera], {}, nothing),
            # Calibration: managers read their own companies' error rates (another company's sees none of A's).
            ("face.recognition.calibration", "calibration"): (None, [], {}, ("other_manager",)),
        }

    def seed_event_ids(self):
        return self.env["face.recognition.event"].search([("event_uid", "=", "adv-seed-1")]).ids

    def seed_negative_ids(self):
        Negative = self.env["face.negative"].sudo()
        negative = Negative.search([("employee_id", "=", self.employee.id)], limit=1) or Negative.create(
            {
                "employee_id": self.employee.id,
                "encoding": self.template.encoding,
                "encoder_name": self.template.encoder_name,
                "encoder_version": self.template.encoder_version,
            }
        )
        return negative.ids

    def seed_alert_id(self):
        return self.env["face.alert"]._raise("camera_offline", "Adversarial seed", camera=self.camera).id

    def seed_notification_ids(self):
        Notification = self.env["face.notification"].sudo()
        admin = self.env.ref("base.user_admin")
        notification = Notification.search([("user_id", "=", admin.id)], limit=1)
        return (notification or Notification.create({"user_id": admin.id, "title": "Seed"})).ids

    def seed_banner_ids(self):
        Banner = self.env["face.banner.message"]
        banner = Banner.search([("company_id", "=", self.company.id)], limit=1)
        return (banner or Banner.create({"message": "Seed"})).ids

    def seed_attendance(self):
        return self.env["hr.attendance"].search([("employee_id", "=", self.employee.id)], limit=1)

    def any_log_ids(self):
        log = self.env["face.system.log"].sudo().search([], limit=1)
        if not log:
            log = self.env["face.system.log"]._log("seed line")
        return log.ids

    # ------------------------------------------------------------------ helpers
    def fingerprint(self):
        cr = self.env.cr
        self.env.flush_all()
        result = {}
        for table, where in FINGERPRINTED:
            cr.execute(
                "SELECT count(*), md5(coalesce(string_agg(md5(t::text), '' ORDER BY t.id), '')) "
                "FROM %s t %s" % (table, where)
            )  # noqa: S608 - fixed table names, no input
            result[table] = cr.fetchone()
        return result

    def rpc(self, role, model, method, ids, args, kwargs, context):
        login = self.users[role].login
        uid = self.uids.get(login) or self.xmlrpc_common.authenticate(self.env.cr.dbname, login, login, {})
        self.assertTrue(uid, login)
        self.uids[login] = uid
        context = dict(context)
        if role == "other_manager":
            context["allowed_company_ids"] = [self.other_company.id]
        call_args = ([ids] if ids is not None else []) + list(args)
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, uid, login, model, method, call_args, dict(kwargs, context=context)
        )

    def assertRefused(self, role, key, spec, context):
        ids, args, kwargs, _allowed = spec
        before = self.fingerprint()
        with self.assertRaises(xmlrpc.client.Fault, msg="%s may call %s.%s" % (role, *key)) as caught:
            self.rpc(role, key[0], key[1], ids, args, kwargs, context)
        self.assertEqual(
            caught.exception.faultCode,
            ACCESS_ERROR,
            "%s calling %s.%s: refused, but not as an access error: %s"
            % (role, key[0], key[1], caught.exception.faultString[-600:]),
        )
        self.assertEqual(self.fingerprint(), before, "%s calling %s.%s changed data" % (role, *key))

    # ------------------------------------------------------------------ the tests
    def test_every_public_method_has_a_policy(self):
        declared = set(self.policy())
        found = public_methods(self.env)
        self.assertEqual(found - declared, set(), "public methods without a policy: make them private or add one")
        self.assertEqual(declared - found, set(), "policies for methods that are no longer public")

    def test_refused_calls_change_nothing(self):
        policy = self.policy()
        for role in ROLES:
            for key, spec in sorted(policy.items()):
                if role in spec[3]:
                    continue
                for context in ({}, HOSTILE_CONTEXT):
                    with self.subTest(role=role, method="%s.%s" % key, hostile=bool(context)):
                        self.assertRefused(role, key, spec, context)

    def test_what_allowed_calls_show_and_do(self):
        # A device forging an event for a camera that is not its own daemon's: invalid, no change.
        before = self.fingerprint()
        forged = dict(self.forged_event, camera_id=self.foreign_camera.id, event_id="forged-2")
        answers = self.rpc("device", "face.recognition.event", "ingest_events", None, [[forged]], {}, HOSTILE_CONTEXT)
        self.assertEqual(answers[0]["status"], "invalid")
        self.assertEqual(self.fingerprint(), before)
        # Another company's manager: A's camera is not theirs; A's templates and tiles stay hidden.
        answers = self.rpc(
            "other_manager", "face.recognition.event", "ingest_events", None, [[self.forged_event]], {}, HOSTILE_CONTEXT
        )
        self.assertEqual(answers[0]["status"], "invalid")
        gallery = self.rpc("other_manager", "face.template", "gallery_sync", None, ["sface:2021dec-int8bq"], {}, {})
        self.assertEqual(gallery["templates"], [])
        tiles = self.rpc("other_manager", "face.recognition.event", "live_monitor_data", None, [], {}, {})
        self.assertEqual(tiles["cameras"], [])
        self.rpc("other_manager", "face.unknown.group", "action_open_queue", None, [], {}, {})
        groups = self.env["face.unknown.group"].sudo().search([("create_uid", "=", self.users["other_manager"].id)])
        self.assertFalse(groups.event_ids)
        # The device reads encodings, never photos, and only its own daemon's cameras.
        gallery = self.rpc("device", "face.template", "gallery_sync", None, ["sface:2021dec-int8bq"], {}, {})
        self.assertEqual([t["id"] for t in gallery["templates"]], [self.template.id])
        self.assertNotIn("image", gallery["templates"][0])
        with self.assertRaises(xmlrpc.client.Fault):
            self.rpc("device", "face.template", "read", [self.template.id], [["image"]], {}, {})
        cameras = self.rpc("device", "face.camera", "search_read", None, [[], ["id"]], {}, {})
        self.assertEqual([c["id"] for c in cameras], [self.camera.id])
        # A daemon record assigned to another device is not claimed by name.
        with self.assertRaises(xmlrpc.client.Fault) as caught:
            self.rpc("device", "face.daemon", "daemon_register", None, ["adv-daemon-2", "evil-host"], {}, {})
        self.assertEqual(caught.exception.faultCode, ACCESS_ERROR)
        self.assertFalse(self.foreign_daemon.host)
        # Recognition: another company's manager neither records frames of A's camera nor learns A's
        # persons; a device is not told whom it saw, yet its frame of its own camera is the person's event.
        before = self.fingerprint()
        for method, args in (
            ("send_frame", [self.photo, self.camera.id, "adv-frame-b"]),
            ("recognize", [self.photo, self.camera.id, False, True]),
        ):
            with self.assertRaises(xmlrpc.client.Fault):
                self.rpc("other_manager", "face.recognition.service", method, None, args, {}, HOSTILE_CONTEXT)
        answer = self.rpc("other_manager", "face.recognition.service", "recognize", None, [self.photo], {}, {})
        self.assertEqual([face["employee_id"] for face in answer["faces"]], [False])
        figures = self.rpc("other_manager", "face.system.figures", "delivery_status", None, [], {}, {})
        self.assertEqual(figures["daemons"], [])
        with self.assertRaises(xmlrpc.client.Fault):
            self.rpc("other_manager", "face.system.figures", "flush_outboxes", None, [0], {}, {})
        self.assertEqual(self.fingerprint(), before)
        answer = self.rpc(
            "device", "face.recognition.service", "send_frame", None, [self.photo, self.camera.id, "adv-f1"], {}, {}
        )
        self.assertEqual((answer["count"], answer["faces"][0]["person_id"]), (1, False))
        event = self.env["face.recognition.event"].search([("event_uid", "=", answer["events"][0]["event_id"])])
        self.assertEqual((event.employee_id, event.camera_id, event.source), (self.employee, self.camera, "frame"))

    def test_orm_writes_on_addon_models_are_refused(self):
        """The ORM's own doors (create/write/unlink) on the addon's models, as each role."""
        targets = {
            "face.camera": (self.camera.id, {"source": "rtsp://evil/"}),
            "face.daemon": (self.daemon.id, {"user_id": self.users["internal"].id}),
            "face.recognition.event": (
                self.unknown_event.id,
                {"employee_id": self.employee.id, "outcome": "checked_in"},
            ),
            "face.template": (self.template.id, {"active": False}),
            "face.api.key": (self.admin_key.id, {"rate_limit_per_minute": 100000}),
            "face.system.log": (self.any_log_ids()[0], {"message": "x"}),
            "hr.attendance": (
                self.env["hr.attendance"].search([("employee_id", "=", self.employee.id)], limit=1).id,
                {"check_out": datetime.utcnow().strftime("%Y-%m-%d %H:%M:%S")},
            ),
        }
        tombstone = self.env["face.template.tombstone"].sudo().create({"template_id": 999999})
        targets["face.template.tombstone"] = (tombstone.id, {"template_id": self.template.id})
        # New records in company A (another company's manager may create in their own only).
        creations = {
            "face.camera": {
                "name": "Planted cam",
                "source_type": "rtsp",
                "source": "rtsp://evil/",
                "company_id": self.company.id,
                "daemon_id": self.daemon.id,
            },
            "face.daemon": {"name": "planted", "company_id": self.company.id, "user_id": self.users["device"].id},
            "face.recognition.event": {
                "event_uid": "planted",
                "sighted_at": "2026-01-05 08:00:00",
                "employee_id": self.employee.id,
                "company_id": self.company.id,
                "outcome": "checked_in",
            },
            # A tombstone would make every daemon drop a live template.
            "face.template.tombstone": {"template_id": self.template.id},
        }
        for role in ROLES:
            for model, (record_id, vals) in targets.items():
                if role == "device" and model == "face.daemon":
                    vals = dict(vals, name="renamed")
                for method, args in (("write", [vals]), ("unlink", [])):
                    with self.subTest(role=role, model=model, method=method):
                        self.assertRefused(role, (model, method), ([record_id], args, {}, ()), {})
            for model, vals in creations.items():
                with self.subTest(role=role, model=model, method="create"):
                    self.assertRefused(role, (model, "create"), (None, [vals], {}, ()), {})

    def test_settings_and_keys_as_a_manager_of_the_company(self):
        """What a manager may do is bounded too: keys never exceed the issuer's rights."""
        manager = new_test_user(
            self.env,
            login="adv_manager_a",
            groups="base.group_user,face_attendance.group_face_attendance_manager",
            company_ids=[(6, 0, (self.company | self.other_company).ids)],
        )
        admin = self.env.ref("base.user_admin")
        wizard = self.env["face.api.key.wizard"].with_user(manager).create({"name": "for admin", "user_id": admin.id})
        with self.assertRaisesRegex(Exception, "rights"):
            wizard.action_generate()
        wizard = self.env["face.api.key.wizard"].with_user(manager).create({"name": "own", "user_id": manager.id})
        wizard.action_generate()
        key = wizard.key_id
        self.assertTrue(wizard.read(["secret"])[0]["secret"].startswith("fa_"))
        self.env.invalidate_all()
        self.assertFalse(wizard.sudo().secret, "the secret stays in the database after it was shown")
        for frozen in (
            {"user_id": admin.id},
            {"company_id": self.other_company.id},
            {"state": "active"},
            {"prefix": "deadbeef"},
        ):
            with self.subTest(frozen=frozen), self.assertRaises(UserError):
                key.with_user(manager).write(frozen)
        key.with_user(manager).write({"scopes": "person:read"})
        self.assertTrue(
            self.env["face.system.log"].search(
                [("action", "=", "key.update"), ("object_ref", "=", "face.api.key,%d" % key.id)]
            )
        )
        key.with_user(manager).action_revoke()
        with self.assertRaises(UserError):
            key.with_user(manager).write({"state": "active"})
        self.assertEqual(key.state, "revoked")
        # Settings: a manager changes them through the validated path, and the change is logged.
        self.env["face.attendance.config"].with_user(manager).set("duplicate_window_minutes", 7)
        line = self.env["face.system.log"].search([("action", "=", "config.set")], limit=1)
        self.assertEqual(line.user_id, manager)
        self.assertEqual(line.details["new"], 7)
        with self.assertRaises(UserError):
            self.env["face.attendance.config"].with_user(manager).set("match_threshold", 1.9 + 1)
        # A manager of company B only cannot change what holds for company A too.
        with self.assertRaises(UserError):
            self.env["face.attendance.config"].with_user(self.users["other_manager"]).set("match_threshold", 0.9)
