"""The Audit Log screen: the system log and the attendance changes as one read-only list.

A SQL view, so that Odoo's list, search, group-by, pivot, graph and export do the work. It holds
the same entries as the audit trail service (``face.system.log.audit_trail``, models/
face_audit_trail.py): its log lines, and the chatter of hr.attendance it reads (creations, notes and
tracked changes), with one row per changed field so a change can be filtered and grouped by field.

Row ids: a log line's id * 4, a message's id * 4 + 1 (a message without tracked changes), a tracking
value's id * 4 + 2 (one changed field): unique across the three tables, and stable.

Who may read which row:
- Face Attendance users only (ir.model.access: read, and nobody creates, writes or deletes).
- Log lines: the record rules of security/face_audit_entry_security.xml repeat face.system.log's
  (company, sign-in lines for managers only).
- Attendance rows: hr.attendance's own rules decide, applied in ``_search`` and ``_check_access``:
  they differ between Odoo versions and sites, so they are read, not copied.
- A change of a field the reader may not read (a field with groups) is left out, as Odoo's chatter
  and the audit trail leave it out.
"""

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError
from odoo.tools.misc import format_datetime

from .odoo_compat import domain_and

# Row id = source id * ID_STEP + the offset of its table.
ID_STEP = 4
LOG, MESSAGE, TRACKING = 0, 1, 2

# An id inside text (object_ref, details): only what fits an integer column is taken.
ID_PATTERN = "^[0-9]{1,9}$"
# The model whose records name a log line's object to a reader who may not read the object's own.
PUBLIC_MODELS = {"hr.employee": "hr.employee.public"}


def _field_readable(model, field):
    """Odoo 19 asks the model (``_has_field_access``), 18 the field (``is_accessible``)."""
    if hasattr(model, "_has_field_access"):
        return model._has_field_access(field, "read")
    return field.is_accessible(model.env)


class FaceAuditEntry(models.Model):
    _name = "face.audit.entry"
    _description = "Face Attendance Audit Log"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "action"

    date = fields.Datetime(readonly=True)
    source = fields.Selection([("log", "System log"), ("attendance", "Attendance change")], readonly=True)
    user_id = fields.Many2one("res.users", string="Who", readonly=True)
    action = fields.Char(string="What", readonly=True, help="e.g. person.create, attendance.update")
    res_model = fields.Char(string="Object type", readonly=True, help="e.g. hr.employee, hr.attendance")
    res_id = fields.Integer(string="Object ID", readonly=True)
    object_name = fields.Char(string="Object", compute="_compute_object_name")
    employee_id = fields.Many2one("hr.employee", string="Employee", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    level = fields.Selection(
        [("debug", "Debug"), ("info", "Info"), ("warning", "Warning"), ("error", "Error")], readonly=True
    )
    category = fields.Selection(
        [("sync", "Sync"), ("api", "API"), ("system", "System"), ("attendance", "Attendance")], readonly=True
    )
    field_id = fields.Many2one("ir.model.fields", string="Tracked field", readonly=True)
    # The field's and the employee's names as text: the list shows and exports these, which a
    # reader without rights on ir.model.fields or hr.employee may read (Odoo's export reads a
    # many2one's name with the reader's rights).
    field_label = fields.Char(string="Field", compute="_compute_labels")
    employee_name = fields.Char(string="Person", compute="_compute_labels")
    old_value = fields.Char(compute="_compute_values")
    new_value = fields.Char(compute="_compute_values")
    message = fields.Char(readonly=True)
    address = fields.Char(string="Network address", readonly=True)
    api_key_name = fields.Char(string="API key", readonly=True)
    log_id = fields.Many2one("face.system.log", string="Log line", readonly=True)
    attendance_id = fields.Many2one("hr.attendance", string="Attendance", readonly=True)
    message_id = fields.Integer(string="Message ID", readonly=True)
    tracking_value_id = fields.Integer(string="Tracking value ID", readonly=True)

    # ------------------------------------------------------------------ the view
    @api.private
    def init(self):
        cr = self.env.cr
        # The date filters of the screen and the audit trail: without these, every "last 7 days"
        # reads the whole log and every attendance message.
        tools.create_index(cr, "face_system_log_create_date_index", "face_system_log", ["create_date"])
        tools.create_index(
            cr,
            "mail_message_hr_attendance_date_index",
            "mail_message",
            ["date"],
            where="model = 'hr.attendance'",
        )
        tools.drop_view_if_exists(cr, self._table)
        cr.execute(
            """
            CREATE OR REPLACE VIEW face_audit_entry AS (
                SELECT l.id::bigint * %(step)s + %(log)s AS id,
                       'log' AS source,
                       l.create_date AS date,
                       l.user_id,
                       COALESCE(l.action, l.category) AS action,
                       ref.res_model,
                       ref.res_id,
                       emp.id AS employee_id,
                       l.company_id,
                       l.level,
                       l.category,
                       NULL::integer AS field_id,
                       l.message,
                       l.address,
                       l.api_key_name,
                       l.id AS log_id,
                       NULL::integer AS attendance_id,
                       NULL::integer AS message_id,
                       NULL::integer AS tracking_value_id
                  FROM face_system_log l
                 CROSS JOIN LATERAL (
                        SELECT NULLIF(split_part(l.object_ref, ',', 1), '') AS res_model,
                               CASE WHEN split_part(l.object_ref, ',', 2) ~ %(id)s
                                    THEN split_part(l.object_ref, ',', 2)::integer END AS res_id
                       ) ref
                  LEFT JOIN hr_attendance la ON ref.res_model = 'hr.attendance' AND la.id = ref.res_id
                  LEFT JOIN hr_employee emp ON emp.id = COALESCE(
                        CASE WHEN ref.res_model = 'hr.employee' THEN ref.res_id END,
                        la.employee_id,
                        CASE WHEN l.details ->> 'employee_id' ~ %(id)s
                             THEN (l.details ->> 'employee_id')::integer END)
                UNION ALL
                SELECT m.id::bigint * %(step)s + %(message)s,
                       'attendance',
                       m.date,
                       m.create_uid,
                       CASE WHEN m.message_type = 'notification' THEN 'attendance.create'
                            ELSE 'attendance.note' END,
                       'hr.attendance',
                       a.id,
                       a.employee_id,
                       e.company_id,
                       'info',
                       'attendance',
                       NULL,
                       NULLIF(btrim(regexp_replace(COALESCE(m.body, ''), '<[^>]*>', ' ', 'g')), ''),
                       NULL,
                       NULL,
                       NULL,
                       a.id,
                       m.id,
                       NULL
                  FROM mail_message m
                  JOIN hr_attendance a ON a.id = m.res_id
                  JOIN hr_employee e ON e.id = a.employee_id
                 WHERE m.model = 'hr.attendance'
                   AND m.message_type IN ('notification', 'comment')
                   AND NOT EXISTS (SELECT 1 FROM mail_tracking_value t WHERE t.mail_message_id = m.id)
                UNION ALL
                SELECT t.id::bigint * %(step)s + %(tracking)s,
                       'attendance',
                       m.date,
                       m.create_uid,
                       'attendance.update',
                       'hr.attendance',
                       a.id,
                       a.employee_id,
                       e.company_id,
                       'info',
                       'attendance',
                       t.field_id,
                       NULLIF(btrim(regexp_replace(COALESCE(m.body, ''), '<[^>]*>', ' ', 'g')), ''),
                       NULL,
                       NULL,
                       NULL,
                       a.id,
                       m.id,
                       t.id
                  FROM mail_tracking_value t
                  JOIN mail_message m ON m.id = t.mail_message_id
                  JOIN hr_attendance a ON a.id = m.res_id
                  JOIN hr_employee e ON e.id = a.employee_id
                 WHERE m.model = 'hr.attendance'
                   AND m.message_type IN ('notification', 'comment')
            )
            """,
            {"step": ID_STEP, "log": LOG, "message": MESSAGE, "tracking": TRACKING, "id": ID_PATTERN},
        )

    # ------------------------------------------------------------------ rights
    @api.model
    def _reader_domain(self):
        """The rows hr.attendance's rules and field groups leave to the reader, as a domain."""
        domain = ["|", ("attendance_id", "=", False), ("attendance_id", "in", self.env["hr.attendance"]._search([]))]
        hidden = self._hidden_field_ids()
        if hidden:
            domain = domain_and([domain, ["|", ("field_id", "=", False), ("field_id", "not in", hidden)]])
        if not self.env.is_system():
            # A change of a field that no longer exists: Odoo shows it to administrators only.
            domain = domain_and([domain, ["|", ("tracking_value_id", "=", False), ("field_id", "!=", False)]])
        return domain

    @api.model
    def _hidden_field_ids(self):
        Attendance = self.env["hr.attendance"]
        names = [
            name
            for name, field in Attendance._fields.items()
            if field.groups and not _field_readable(Attendance, field)
        ]
        if not names:
            return []
        return self.env["ir.model.fields"].sudo().search([("model", "=", "hr.attendance"), ("name", "in", names)]).ids

    @api.model
    def _search(self, domain, *args, **kwargs):
        if not self.env.su and not kwargs.get("bypass_access"):
            domain = domain_and([domain or [], self._reader_domain()])
        return super()._search(domain, *args, **kwargs)

    def _check_access(self, operation):
        """Reading rows by id (``read``, a form) obeys the same rules as searching them."""
        result = super()._check_access(operation)
        if result or self.env.su or not any(self._ids):
            return result
        rows = self.sudo()
        readable = set(rows.attendance_id.with_env(self.env)._filtered_access("read").ids)
        hidden = set(self._hidden_field_ids())
        system = self.env.is_system()
        forbidden = self.browse(
            row.id
            for row in rows
            if (row.attendance_id and row.attendance_id.id not in readable)
            or row.field_id.id in hidden
            or (row.tracking_value_id and not row.field_id and not system)
        )
        if forbidden:
            return forbidden, lambda: AccessError(
                self.env._("You may not read these audit log entries: %s", ", ".join(map(str, forbidden.ids)))
            )
        return None

    # ------------------------------------------------------------------ what a row shows
    @api.depends("res_model", "res_id")
    @api.depends_context("uid")
    def _compute_object_name(self):
        """The object's name where the reader may read the object, else its reference: a log line
        does not reveal the name of a record its reader cannot open."""
        names = {}
        for model in set(self.mapped("res_model")):
            if not model or model not in self.env:
                continue
            ids = {row.res_id for row in self if row.res_model == model and row.res_id}
            # What every employee may know of another (hr.employee.public) names a person to a
            # reader without HR rights.
            readable = self.env[PUBLIC_MODELS.get(model, model)] if not self.env[model].has_access("read") else None
            records = (readable if readable is not None else self.env[model]).browse(ids).exists()
            if not records.has_access("read"):
                records = records._filtered_access("read")
            names.update({(model, record.id): record.display_name for record in records})
        for row in self:
            reference = "%s,%s" % (row.res_model, row.res_id) if row.res_model and row.res_id else row.res_model
            row.object_name = names.get((row.res_model, row.res_id), reference or False)

    @api.depends("field_id", "employee_id")
    def _compute_labels(self):
        for row in self:
            row.field_label = row.field_id.sudo().field_description or False
            row.employee_name = row.employee_id.sudo().name or False

    @api.depends("tracking_value_id")
    @api.depends_context("uid", "tz")
    def _compute_values(self):
        # Tracking values are for administrators in Odoo's rights; the rows that hold them are only
        # those the reader may read (fields included), as in the audit trail and the chatter.
        trackings = self.env["mail.tracking.value"].sudo().browse(set(self.mapped("tracking_value_id")) - {0})
        values = {}
        for tracking in trackings.exists():
            ttype = tracking.field_id.ttype or "char"
            old, new = (self._display(tracking, ttype, new) for new in (False, True))
            values[tracking.id] = (old, new)
        for row in self:
            row.old_value, row.new_value = values.get(row.tracking_value_id, (False, False))

    def _display(self, tracking, ttype, new):
        value = tracking._format_display_value(ttype, new=new)[0]
        if ttype == "datetime" and value:
            # The reader's time zone, as the chatter shows it.
            stored = tracking.new_value_datetime if new else tracking.old_value_datetime
            return format_datetime(self.env, stored)
        if value is False or value is None or value == "":
            return False
        return str(value)
