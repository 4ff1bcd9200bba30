"""The audit trail and a person's history, as the REST API (``/audit``, ``/history/person/{id}``)
and RPC read them.

The audit trail is the system log (face.system.log) and the attendance changes Odoo tracks on
hr.attendance (its chatter: creation and check-in/check-out changes made by people, not cameras),
in one list, newest first. A person's history adds their sightings and attendances. Deleted
attendances have no chatter left: the code that deletes them logs it in the system log.

The methods are the system log's (the trail is mostly its lines). Everything is read with the
caller's rights (record rules decide which log lines, attendances and events); the public methods
require a Face Attendance user, and a person's history one who may read the person. HR's corrections
(face.attendance.correction) are entries of their own, with who made them: the system log lines that
tell them are not listed again among the changes.
"""

from odoo import api, fields, models
from odoo.exceptions import MissingError
from odoo.tools import html2plaintext
from odoo.tools.sql import escape_psql

from .api_errors import InputError, RuleError
from .face_api_key import iso
from .face_ops_common import OpsInputError, check_user
from .face_recognition_service import rpc_safe
from .security_groups import MANAGER

# Pages of a merged list are cut from the first offset + size rows of each source.
MAX_DEPTH = 10000
MAX_PAGE_SIZE = 200
SEVERITY = {"debug": "info", "info": "info", "warning": "warning", "error": "critical"}
ENTITIES = {
    "person": "hr.employee",
    "employee": "hr.employee",
    "attendance": "hr.attendance",
    "face": "face.template",
    "camera": "face.camera",
    "daemon": "face.daemon",
    "key": "face.api.key",
    "setting": "setting",
}
AUDIT_SOURCES = ("log", "attendance")
HISTORY_TYPES = ("sighting", "attendance", "correction", "change")


def user_filter(field, login_field, user):
    """A user id or a login. ASCII digits only: ``str.isdigit`` also accepts "²", which ``int()`` refuses."""
    if user.isascii() and user.isdigit():
        return (field, "=", int(user) if int(user) <= 2**31 - 1 else 0)
    return (login_field, "=", user)


def split_ref(object_ref):
    if not object_ref:
        return None, None
    model, _sep, rest = object_ref.partition(",")
    first = rest.split(",")[0]
    return model, int(first) if first.isdigit() and int(first) <= 2**31 - 1 else None


def log_item(log):
    entity, entity_id = split_ref(log.object_ref)
    # Who acted is part of the line the caller may read, even a user of a company they cannot see.
    user = log.user_id.sudo()
    return {
        "id": "log-%d" % log.id,
        "source": "log",
        "timestamp": iso(log.create_date),
        "user": user.login or None,
        "userName": user.name or None,
        "action": log.action or log.category,
        "entity": entity,
        "entityId": entity_id,
        "objectRef": log.object_ref or None,
        "message": log.message,
        "details": log.details,
        "ipAddress": log.address or None,
        "apiKey": log.api_key_name or None,
        "category": log.category,
        "level": log.level,
        "severity": SEVERITY.get(log.level, "info"),
    }


def message_action(message):
    if message.tracking_value_ids:
        return "attendance.update"
    return "attendance.create" if message.message_type == "notification" else "attendance.note"


def _range(field, start, end):
    return ([(field, ">=", start)] if start else []) + ([(field, "<", end)] if end else [])


def _entry(kind, ident, moment, message, **extra):
    entry = {
        "id": "%s-%s" % (kind, ident),
        "type": kind,
        "timestamp": iso(moment),
        "message": message,
        "cameraId": None,
        "cameraName": None,
        "confidence": None,
        "outcome": None,
        "attendanceId": None,
        "checkIn": None,
        "checkOut": None,
        "change": None,
        "eventId": None,
        "outcomeLabel": None,
        "snapshot": False,
        "userName": None,
        "correction": None,
    }
    entry.update(extra)
    return entry


def _camera(record):
    # The camera's name as shown on a sighting or attendance the reader may read (as the
    # attendance API does): the camera record stays as protected as it is.
    camera = record.sudo().camera_id if "camera_id" in record._fields else record.sudo().face_camera_id
    return {"cameraId": camera.id or None, "cameraName": camera.name or None}


def _moment(value, name):
    """A bound given over RPC: a date-time (Odoo's text form or a datetime); None when empty."""
    if not value:
        return None
    try:
        return fields.Datetime.to_datetime(value)
    except (TypeError, ValueError):
        raise OpsInputError("%s must be a date-time (YYYY-MM-DD HH:MM:SS)." % name, field=name) from None


def _page(page, page_size):
    if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= 10**6:
        raise OpsInputError("page must be from 1.", field="page")
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise OpsInputError("page_size must be between 1 and %d." % MAX_PAGE_SIZE, field="page_size")
    return (page - 1) * page_size


class FaceSystemLogAudit(models.Model):
    _inherit = "face.system.log"

    # ------------------------------------------------------------------ public (RPC)
    @api.model
    def audit_trail(self, filters=None, source=None, page=1, page_size=20):
        """One page of the audit trail, newest first: {"items", "total"}. ``filters``: action, user
        (login or id), entity (a model or person, attendance, face, camera, daemon, key, setting),
        entityId, search, from, to (date-times, UTC). Face Attendance users."""
        check_user(self.env, "Only Face Attendance users read the audit trail.")
        offset = _page(page, page_size)
        if filters is not None and not isinstance(filters, dict):
            raise OpsInputError("filters must be a dictionary.", field="filters")
        filters = dict(filters or {})
        unknown = sorted(set(filters) - {"action", "user", "entity", "entityId", "search", "from", "to"})
        if unknown:
            raise OpsInputError("Unknown filters: %s." % ", ".join(map(str, unknown)), field="filters")
        for name in ("action", "user", "entity", "search"):
            if filters.get(name) is not None and not isinstance(filters[name], str):
                raise OpsInputError("%s must be a string." % name, field=name)
            if filters.get(name) and len(filters[name]) > 256:
                raise OpsInputError("%s is longer than 256 characters." % name, field=name)
        entity_id = filters.get("entityId")
        if entity_id:
            if isinstance(entity_id, bool) or not isinstance(entity_id, int) or not 0 < entity_id <= 2**31 - 1:
                raise OpsInputError("entityId must be a positive integer.", field="entityId")
            if not filters.get("entity"):
                raise RuleError("entityId needs entity.", field="entityId")
        filters["from"] = _moment(filters.get("from"), "from")
        filters["to"] = _moment(filters.get("to"), "to")
        items, total = self._audit_page(filters, source, page_size, offset)
        return rpc_safe({"items": items, "total": total})

    @api.model
    def person_history(
        self, employee_id, kind=None, date_from=None, date_to=None, page=1, page_size=20, camera_id=None
    ):
        """One page of a person's sightings, attendances, HR's corrections and changes, newest
        first: {"items", "total"}; ``camera_id``: only what that camera saw or made. Face Attendance
        users, of the persons they may read."""
        check_user(self.env, "Only Face Attendance users read a person's history.")
        offset = _page(page, page_size)
        if kind not in (None,) + HISTORY_TYPES:
            raise OpsInputError("type must be one of %s." % ", ".join(HISTORY_TYPES), field="type")
        if isinstance(employee_id, bool) or not isinstance(employee_id, int):
            raise OpsInputError("employee_id must be an integer.", field="employee_id")
        if camera_id is not None and (
            isinstance(camera_id, bool) or not isinstance(camera_id, int) or not 0 < camera_id <= 2**31 - 1
        ):
            raise OpsInputError("camera_id must be a positive integer.", field="camera_id")
        employee = self.env["hr.employee"].with_context(active_test=False).browse(employee_id).exists()
        if not employee:
            raise MissingError(self.env._("Person %s does not exist.", employee_id))
        employee.check_access("read")
        start, end = _moment(date_from, "date_from"), _moment(date_to, "date_to")
        items, total = self._person_history(employee, kind, start, end, page_size, offset, camera_id)
        return rpc_safe({"items": items, "total": total})

    # ------------------------------------------------------------------ the audit trail
    @api.model
    def _audit_page(self, filters, source, size, offset):
        """(items, total) of one page of the audit trail; ``filters`` as ``_log_domain`` reads them
        (``from`` and ``to`` naive UTC datetimes), ``source``: log, attendance or None (both)."""
        if source not in (None,) + AUDIT_SOURCES:
            raise OpsInputError("source must be log or attendance.", field="source")
        filters = dict(filters)
        if filters.get("entity"):
            filters["entity"] = ENTITIES.get(filters["entity"], filters["entity"])
        sources = []
        if source in (None, "log"):
            sources.append(self._log_source(self._log_domain(filters)))
        if source in (None, "attendance"):
            sources.append(self._message_source(self._message_domain(filters)))
        return self._merged_page(sources, size, offset)

    @api.model
    def _log_domain(self, filters):
        domain = []
        if filters.get("action"):
            action = filters["action"]
            domain += ["|", ("action", "=", action), ("action", "=like", escape_psql(action) + ".%")]
        if filters.get("user"):
            domain.append(user_filter("user_id", "user_id.login", filters["user"]))
        if filters.get("entity"):
            model = filters["entity"]
            if filters.get("entityId"):
                ref = "%s,%d" % (model, filters["entityId"])
                domain += ["|", ("object_ref", "=", ref), ("object_ref", "=like", escape_psql(ref) + ",%")]
            else:
                domain.append(("object_ref", "=like", escape_psql(model) + ",%"))
        if filters.get("from"):
            domain.append(("create_date", ">=", filters["from"]))
        if filters.get("to"):
            domain.append(("create_date", "<", filters["to"]))
        if filters.get("search"):
            domain.append(("message", "ilike", filters["search"]))
        return domain

    @api.model
    def _message_domain(self, filters, attendance_domain=None):
        """Chatter of the attendances the user may read, or None when the filters exclude it."""
        action = filters.get("action")
        domain = [
            ("model", "=", "hr.attendance"),
            # Record rules and rights of the caller decide which attendances: the same as Odoo's own
            # rule for messages (a message is read where its document is).
            ("res_id", "in", self.env["hr.attendance"]._search(attendance_domain or [])),
            ("message_type", "in", ("notification", "comment")),
        ]
        if action:
            if action in ("attendance.update",):
                domain.append(("tracking_value_ids", "!=", False))
            elif action == "attendance.create":
                domain += [("tracking_value_ids", "=", False), ("message_type", "=", "notification")]
            elif action == "attendance.note":
                domain += [("tracking_value_ids", "=", False), ("message_type", "=", "comment")]
            elif action != "attendance":
                return None
        if filters.get("user"):
            domain.append(user_filter("create_uid", "create_uid.login", filters["user"]))
        if filters.get("entity"):
            if filters["entity"] != "hr.attendance":
                return None
            if filters.get("entityId"):
                domain.append(("res_id", "=", filters["entityId"]))
        if filters.get("from"):
            domain.append(("date", ">=", filters["from"]))
        if filters.get("to"):
            domain.append(("date", "<", filters["to"]))
        if filters.get("search"):
            domain.append(("body", "ilike", filters["search"]))
        return domain

    @api.model
    def _log_source(self, domain):
        Log = self.env["face.system.log"]

        def fetch(limit):
            return [(r.create_date, r.id, log_item(r)) for r in Log.search(domain, limit=limit)]

        return Log.search_count(domain), fetch

    @api.model
    def _message_item(self, message, attendances):
        """A chatter message of an attendance (``message`` read as superuser: see _message_source)."""
        changes = []
        for tracking in message.tracking_value_ids._filter_has_field_access(self.env):
            field = tracking.field_id
            changes.append(
                {
                    "field": field.name,
                    "label": field.field_description,
                    "old": tracking._format_display_value(field.ttype, new=False)[0],
                    "new": tracking._format_display_value(field.ttype, new=True)[0],
                }
            )
        attendance = attendances.get(message.res_id)
        text = html2plaintext(message.body or "").strip()
        if changes:
            text = "; ".join("%s: %s -> %s" % (c["label"], c["old"] or "-", c["new"] or "-") for c in changes)
        elif not text:
            text = message.subtype_id.name or "Attendance"
        user = message.create_uid
        return {
            "id": "attendance-%d" % message.id,
            "source": "attendance",
            "timestamp": iso(message.date),
            "user": user.login or None,
            "userName": message.author_id.name or user.name or None,
            "action": message_action(message),
            "entity": "hr.attendance",
            "entityId": message.res_id,
            "objectRef": "hr.attendance,%d" % message.res_id,
            "message": text,
            "details": {
                "changes": changes,
                "employeeId": attendance.employee_id.id if attendance else None,
                "personId": (attendance.employee_id.person_ref or None) if attendance else None,
            },
            "ipAddress": None,
            "apiKey": None,
            "category": "attendance",
            "level": "info",
            "severity": "info",
        }

    @api.model
    def _message_source(self, domain):
        """Attendance chatter, read as superuser: tracking values are for administrators only in
        Odoo's rights, but the chatter shows them to whoever may read the document, and the domain
        keeps only messages of attendances the caller may read (fields filtered by their access)."""
        if domain is None:
            return 0, lambda limit: []
        Message = self.env["mail.message"].sudo()

        def fetch(limit):
            messages = Message.search(domain, limit=limit, order="date desc, id desc")
            attendances = {a.id: a for a in self.env["hr.attendance"].browse(set(messages.mapped("res_id"))).exists()}
            return [(m.date, m.id, self._message_item(m, attendances)) for m in messages]

        return Message.search_count(domain), fetch

    @api.model
    def _merged_page(self, sources, size, offset):
        """(items, total) of one page of several newest-first sources, each (count, fetch(limit))."""
        total = sum(count for count, _fetch in sources)
        if offset + size > MAX_DEPTH and offset < total:
            raise OpsInputError(
                "Pages reach at most %d rows deep: narrow the list with from and to." % MAX_DEPTH,
                max_depth=MAX_DEPTH,
            )
        rows = []
        if offset < total:
            for count, fetch in sources:
                if count:
                    rows += fetch(min(count, offset + size))
        rows.sort(key=lambda row: (row[0], row[1]), reverse=True)
        return [row[2] for row in rows[offset : offset + size]], total

    # ------------------------------------------------------------------ a person's history
    @api.model
    def _person_history(self, employee, kind, start, end, size, offset, camera_id=None):
        """(items, total) of one page of ``employee``'s history; ``kind``: sighting, attendance,
        correction, change or None (all); ``camera_id``: that camera's sightings, the attendances
        it made and their corrections and changes."""
        sources = []
        if kind in (None, "sighting"):
            sources.append(self._sighting_source(employee, start, end, camera_id))
        if kind in (None, "attendance"):
            sources.append(self._attendance_source(employee, start, end, camera_id))
        if kind in (None, "correction"):
            sources.append(self._correction_source(employee, start, end, camera_id))
        if kind in (None, "change"):
            sources += self._change_sources(employee, start, end, camera_id)
        return self._merged_page(sources, size, offset)

    @api.model
    def _sighting_source(self, employee, start, end, camera_id=None):
        Event = self.env["face.recognition.event"]
        domain = [("employee_id", "=", employee.id)] + _range("sighted_at", start, end)
        if camera_id:
            domain.append(("camera_id", "=", camera_id))
        outcomes = dict(Event._fields["outcome"]._description_selection(self.env))
        # Snapshots are biometric: only managers are told there is one to show.
        snapshots = self.env.su or self.env.user.has_group(MANAGER)

        def fetch(limit):
            return [
                (
                    e.sighted_at,
                    e.id,
                    _entry(
                        "sighting",
                        e.id,
                        e.sighted_at,
                        e.message or outcomes.get(e.outcome, e.outcome),
                        confidence=e.confidence,
                        outcome=e.outcome,
                        outcomeLabel=outcomes.get(e.outcome, e.outcome),
                        attendanceId=e.attendance_id.id or None,
                        eventId=e.id,
                        snapshot=bool(snapshots and e.has_snapshot),
                        **_camera(e),
                    ),
                )
                for e in Event.search(domain, limit=limit)
            ]

        return Event.search_count(domain), fetch

    @api.model
    def _attendance_source(self, employee, start, end, camera_id=None):
        Attendance = self.env["hr.attendance"]
        domain = [("employee_id", "=", employee.id)] + _range("check_in", start, end)
        if camera_id:
            domain.append(("face_camera_id", "=", camera_id))

        def fetch(limit):
            rows = []
            for a in Attendance.search(domain, limit=limit, order="check_in desc, id desc"):
                text = "Checked in" if not a.check_out else "Worked %.2f h" % a.worked_hours
                rows.append(
                    (
                        a.check_in,
                        a.id,
                        _entry(
                            "attendance",
                            a.id,
                            a.check_in,
                            text,
                            attendanceId=a.id,
                            checkIn=iso(a.check_in),
                            checkOut=iso(a.check_out),
                            confidence=a.face_confidence or None,
                            **_camera(a),
                        ),
                    )
                )
            return rows

        return Attendance.search_count(domain), fetch

    @api.model
    def _correction_source(self, employee, start, end, camera_id=None):
        """HR's corrections of the person's attendances and sightings, with who made them. Read as
        superuser for a reader of the person: the system log lines Face Attendance users read tell
        the same (who, old and new values, why); the company is still the reader's."""
        Correction = self.env["face.attendance.correction"].sudo()
        domain = [("employee_id", "=", employee.id)] + _range("create_date", start, end)
        if not self.env.su:
            domain.append(("company_id", "in", self.env.companies.ids))
        if not (self.env.su or self.env.user.has_group(MANAGER)):
            # Of what the reader may read: the attendance (Odoo's rules: an officer of other teams reads
            # none of theirs), else the sighting; a deleted attendance's are for managers.
            domain += [
                "|",
                ("attendance_id", "in", self.env["hr.attendance"]._search([])),
                "&",
                ("attendance_id", "=", False),
                ("event_id", "in", self.env["face.recognition.event"]._search([])),
            ]
        if camera_id:
            domain += ["|", ("attendance_id.face_camera_id", "=", camera_id), ("event_id.camera_id", "=", camera_id)]
        kinds = dict(Correction._fields["kind"]._description_selection(self.env))

        def fetch(limit):
            rows = []
            for c in Correction.search(domain, limit=limit, order="create_date desc, id desc"):
                label = kinds.get(c.kind, c.kind)
                attendance = c.attendance_id.id or c.attendance_ref or None
                camera = c.attendance_id.face_camera_id or c.event_id.camera_id
                rows.append(
                    (
                        c.create_date,
                        c.id,
                        _entry(
                            "correction",
                            c.id,
                            c.create_date,
                            "%s: %s" % (label, c.reason) if c.reason else label,
                            attendanceId=attendance,
                            eventId=c.event_id.id or None,
                            userName=c.user_id.name or None,
                            cameraId=camera.id or None,
                            cameraName=camera.name or None,
                            correction={
                                "kind": c.kind,
                                "label": label,
                                "userName": c.user_id.name or None,
                                "user": c.user_id.login or None,
                                "reason": c.reason or None,
                                "old": c.old_values or None,
                                "new": c.new_values or None,
                                "checkIn": iso(c.check_in),
                                "checkOut": iso(c.check_out),
                            },
                        ),
                    )
                )
            return rows

        return Correction.search_count(domain), fetch

    @api.model
    def _person_log_ids(self, employee):
        """System log lines about the person: their record, their attendances (also deleted ones that
        say whose they were), their templates; not those telling a correction (an entry of its own)."""
        self.env["face.system.log"].flush_model()
        self.env.cr.execute(
            r"""
            SELECT l.id FROM face_system_log l
             WHERE (l.details ->> 'correction_id') IS NULL AND (
                   l.object_ref ~ %(person)s
                OR l.details ->> 'employee_id' = %(id)s
                OR l.details ->> 'person_id' = %(ref)s
                OR (l.object_ref LIKE 'hr.attendance,%%' AND EXISTS (
                        SELECT 1 FROM hr_attendance a
                         WHERE a.employee_id = %(num)s AND l.object_ref = 'hr.attendance,' || a.id))
                OR (l.object_ref LIKE 'face.template,%%' AND EXISTS (
                        SELECT 1 FROM face_template t
                         WHERE t.employee_id = %(num)s AND l.object_ref = 'face.template,' || t.id)))
            """,
            {
                "person": r"(^|,)hr\.employee,%d(,|$)" % employee.id,
                "id": str(employee.id),
                "ref": employee.person_ref or "",
                "num": employee.id,
            },
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _change_sources(self, employee, start, end, camera_id=None):
        Log = self.env["face.system.log"]
        # The ids come from SQL; the search applies the caller's rights and record rules to them.
        # System log lines name no camera: with one, the changes are those of its attendances.
        ids = [] if camera_id else self._person_log_ids(employee)
        domain = [("id", "in", ids)] + _range("create_date", start, end)

        def fetch_logs(limit):
            rows = []
            for r in Log.search(domain, limit=limit):
                item = log_item(r)
                rows.append(
                    (
                        r.create_date,
                        r.id,
                        _entry(
                            "log", r.id, r.create_date, r.message, type="change", change=item, userName=item["userName"]
                        ),
                    )
                )
            return rows

        attendances = [("employee_id", "=", employee.id)]
        if camera_id:
            attendances.append(("face_camera_id", "=", camera_id))
        messages = self._message_domain({"from": start, "to": end}, attendance_domain=attendances)
        # The chatter note a correction posts is the correction's entry already (by its id: any note
        # may look like one).
        notes = (
            self.env["face.attendance.correction"]
            .sudo()
            .search([("employee_id", "=", employee.id), ("message_id", "!=", False)])
        )
        if notes:
            messages.append(("id", "not in", notes.message_id.ids))
        count, fetch_messages = self._message_source(messages)

        def fetch_changes(limit):
            return [
                (
                    moment,
                    ident,
                    _entry(
                        "attendance-change",
                        ident,
                        moment,
                        item["message"],
                        type="change",
                        attendanceId=item["entityId"],
                        change=item,
                        userName=item["userName"],
                    ),
                )
                for moment, ident, item in fetch_messages(limit)
            ]

        return [(Log.search_count(domain) if ids else 0, fetch_logs), (count, fetch_changes)]

    # ------------------------------------------------------------------ REST API (private: no RPC door)
    @api.model
    def _api_lines(self, level=None, category=None, limit=None, offset=0):
        """GET /logs: the lines the caller may read, filtered by level and category. (lines, total)."""
        domain = []
        for name, value in (("level", level), ("category", category)):
            if value:
                allowed = [v for v, _label in self._fields[name].selection]
                if value not in allowed:
                    raise InputError(
                        self.env._("%(name)s must be one of %(allowed)s.", name=name, allowed=", ".join(allowed))
                    )
                domain.append((name, "=", value))
        return self.search(domain, limit=limit, offset=offset), self.search_count(domain)

    @api.model
    def _api_sync_lines(self, level=None, result=None, limit=None, offset=0):
        """GET /odoo/logs: the sync lines; result failure = warning or error. (lines, total)."""
        domain = [("category", "=", "sync")]
        if level:
            allowed = [v for v, _label in self._fields["level"].selection]
            if level not in allowed:
                raise InputError(self.env._("level must be one of %s.", ", ".join(allowed)))
            domain.append(("level", "=", level))
        if result:
            if result not in ("success", "failure"):
                raise InputError(self.env._("result must be success or failure."))
            domain.append(("level", "in" if result == "failure" else "not in", ["warning", "error"]))
        total = self.search_count(domain)
        return self.search(domain, limit=limit, offset=offset), total
