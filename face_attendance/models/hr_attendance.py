import contextlib
import contextvars
from datetime import timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools.sql import create_index

from .odoo_compat import Intervals, domain_or
from .security_groups import MANAGER

# Set only by the attendance rules (as superuser): a camera's evidence is never typed in.
RULE_FIELDS = {"face_in_event_id", "face_out_event_id", "face_camera_id", "face_confidence", "face_auto_closed"}


# Set by ingestion (never by a caller's context) while it writes many persons' attendances: Odoo's
# overtime update is then run once for the whole batch instead of once per create/write/unlink.
_DEFERRED_OVERTIME = contextvars.ContextVar("face_attendance_deferred_overtime", default=None)


# Set with _DEFERRED_OVERTIME: the ids of the attendances whose overlap check waits for the batch's end.
_DEFERRED_VALIDITY = contextvars.ContextVar("face_attendance_deferred_validity", default=None)


# Set only by the attendance rules while they write attendances (never by a caller's context): what is
# written outside it was written by a person, whose corrections the rules must then respect.
_RULES_WRITING = contextvars.ContextVar("face_attendance_rules_writing", default=None)
# The reason of a deletion, set by hr.attendance.action_face_delete after its checks.
_DELETION_REASON = contextvars.ContextVar("face_attendance_deletion_reason", default=None)


@contextlib.contextmanager
def rules_writing(env):
    """Within this block, attendances written on ``env``'s cursor are the rules' own writes."""
    token = _RULES_WRITING.set(env.cr)
    try:
        yield
    finally:
        _RULES_WRITING.reset(token)


def rules_are_writing(env):
    return _RULES_WRITING.get() is env.cr


@contextlib.contextmanager
def with_deletion_reason(env, reason):
    token = _DELETION_REASON.set((env.cr, reason))
    try:
        yield
    finally:
        _DELETION_REASON.reset(token)


def deletion_reason(env):
    value = _DELETION_REASON.get()
    return value[1] if value and value[0] is env.cr else None


@contextlib.contextmanager
def overtime_once(attendance_model):
    """Within this block, hr.attendance's overtime updates are collected and run once at its end
    (on this cursor only). Odoo 18 passes {employee: dates}, Odoo 19 a domain; either is computed
    when the write happens, as Odoo would, and merged. The superuser's overlap checks wait for the
    end too: the block's attendances are checked together as they stand then, and the block raises
    Odoo's ValidationError if any is refused (its writes are meant to be rolled back with it)."""
    calls, checked = [], []
    token = _DEFERRED_OVERTIME.set((attendance_model.env.cr, calls))
    checks_token = _DEFERRED_VALIDITY.set((attendance_model.env.cr, checked))
    try:
        yield
    finally:
        _DEFERRED_VALIDITY.reset(checks_token)
        _DEFERRED_OVERTIME.reset(token)
    # Not reached when the block raised: its writes are rolled back with their savepoint.
    if checked:
        # Checked now even within an outer block (a manual entry rebuilds a person's attendances):
        # this block's refusal must reach its own savepoint, where the rules fall back.
        token = _DEFERRED_VALIDITY.set(None)
        try:
            attendance_model.sudo().browse(checked).exists()._check_validity()
        finally:
            _DEFERRED_VALIDITY.reset(token)
    if calls:
        records = attendance_model.browse([r for recs, _scope in calls for r in recs.ids]).exists()
        scopes = [scope for _recs, scope in calls]
        if all(isinstance(scope, dict) for scope in scopes):
            merged = {}
            for scope in scopes:
                for employee, dates in scope.items():
                    merged.setdefault(employee, set()).update(dates)
            marked = _overtime_figures_marked(records.env)
            _read_overtimes(records.env, merged)
            windows = _person_windows(records, merged)
            _read_person_attendances(records.env, merged, windows)
            token = _EXPECTED.set(
                (
                    records.env.cr,
                    _expected_in_batch(records.env, merged),
                    _lunches_in_batch(records.env, merged),
                    windows,
                )
            )
            try:
                records._update_overtime(merged)
            finally:
                _EXPECTED.reset(token)
            _unmark_other_days(records.env, merged, marked)
        else:
            records._update_overtime(domain_or(scopes))  # Odoo 19's domains


def _stock(records, method, module):
    """Whether ``method`` of ``records``' model is ``module``'s own (this module's hooks aside): what
    the shortcut below knows of it. Another module's override may act on any person (hr_contract's
    expected attendances follow each person's contracts)."""
    return all(
        cls.__module__.startswith(("odoo.addons.%s." % module, __name__))
        for cls in type(records).__mro__
        if method in vars(cls)
    )


def _expected_in_batch(env, scope):
    """The expected work intervals Odoo 18's overtime update reads for each person of ``scope``
    ({employee: {(day start in UTC, day)}}): hr.employee._get_expected_attendances over the span of
    their days, read for all persons who share a calendar, time zone, company and span in one call
    instead of one each. The same intervals per person (resource.calendar computes each resource
    apart when given the zone), three queries fewer per person. Persons without a time zone of their
    own are left to Odoo (the calendar's batch would give them the first person's zone), as are all
    when another module reads the expected attendances."""
    Employee = env["hr.employee"]
    if not all(
        _stock(Employee, name, "hr") for name in ("_employee_attendance_intervals", "_get_expected_attendances")
    ):
        return {}
    groups = {}
    for employee, dates in scope.items():
        calendar = employee.resource_calendar_id or employee.company_id.resource_calendar_id
        if not dates or not employee.tz or not calendar:
            continue
        start = pytz.utc.localize(min(start for start, _day in dates))
        stop = pytz.utc.localize(max(start for start, _day in dates) + timedelta(hours=24))
        groups.setdefault((calendar, employee.tz, employee.company_id.id, start, stop), []).append(employee)
    expected = {}
    for (calendar, tz, company_id, start, stop), employees in groups.items():
        intervals = calendar._work_intervals_batch(
            start,
            stop,
            tz=pytz.timezone(tz),
            resources=env["resource.resource"].union(*(employee.resource_id for employee in employees)),
            compute_leaves=True,
            domain=[("company_id", "in", [False, company_id])],
        )
        for employee in employees:
            expected[(employee.id, start, stop)] = intervals[employee.resource_id.id]
    return expected


def _read_overtimes(env, scope):
    """Read the overtime records Odoo 18's overtime update looks up person by person, all in one
    query: each person's lookup then finds them read (one query each otherwise)."""
    days = list({day for dates in scope.values() for _start, day in dates})
    if scope and days:
        env["hr.attendance.overtime"].sudo().search(
            [
                ("employee_id", "in", [employee.id for employee in scope]),
                ("date", "in", days),
                ("adjustment", "=", False),
            ]
        ).fetch(["employee_id", "date", "duration", "duration_real", "adjustment"])


def _person_windows(records, scope):
    """{employee id: (from, to)}: check-in times that hold every attendance of the person's days in
    ``scope`` (each day's start in UTC, as Odoo 18 gives it, a day either side for the day's length
    and the zone). Odoo's overtime update reads each person's attendances to group them by day and
    keeps the days of ``scope``: within these times it finds the same. Empty when another module
    overrides the update (it may read more)."""
    if not _stock(records, "_update_overtime", "hr_attendance"):
        return {}
    return {
        employee.id: (
            min(start for start, _day in dates) - timedelta(days=1),
            max(start for start, _day in dates) + timedelta(days=2),
        )
        for employee, dates in scope.items()
        if dates
    }


def _read_person_attendances(env, scope, windows):
    """Read the attendances Odoo 18's overtime update searches person by person, in one query: the
    records each search then returns are read already (one query each otherwise). Odoo joins the
    day clauses of its search with OR([[], ...]), which is true: it would read every attendance of
    the person, whatever the days; hr.attendance.search_fetch keeps it to the person's window."""
    domains = []
    for employee in scope:
        domain = [("employee_id", "=", employee.id)]
        if employee.id in windows:
            low, high = windows[employee.id]
            domain += [("check_in", ">=", low), ("check_in", "<", high)]
        domains.append(domain)
    if domains:
        # What its loop reads of each; a field it reads beyond these is read then, as it would be.
        env["hr.attendance"].sudo().search_fetch(
            domain_or(domains), ["employee_id", "check_in", "check_out", "worked_hours"]
        )


def _lunches_in_batch(env, scope):
    """The lunch breaks of the calendars of the persons of ``scope`` over a window around their days
    (two days either side), read per shared calendar in one call: a worked-hours computation
    (hr.employee._employee_attendance_intervals(lunch=True), once per attendance otherwise) then cuts
    its span out of them. Calendars of flexible hours, whose intervals depend on the span asked,
    and flexible persons are left to Odoo."""
    Employee = env["hr.employee"]
    if not _stock(Employee, "_employee_attendance_intervals", "hr"):
        return {}
    groups = {}
    for employee, dates in scope.items():
        calendar = employee.resource_calendar_id or employee.company_id.resource_calendar_id
        if not dates or not calendar or calendar.flexible_hours or employee.is_flexible:
            continue
        groups.setdefault(calendar, []).append((employee, dates))
    lunches = {}
    for calendar, members in groups.items():
        start = pytz.utc.localize(min(start for _e, dates in members for start, _day in dates)) - timedelta(days=2)
        stop = pytz.utc.localize(max(start for _e, dates in members for start, _day in dates)) + timedelta(days=3)
        resources = env["resource.resource"].union(*(employee.resource_id for employee, _dates in members))
        intervals = calendar._attendance_intervals_batch(start, stop, resources, lunch=True)
        for employee, _dates in members:
            lunches[employee.id] = (start, stop, calendar, intervals[employee.resource_id.id])
    return lunches


# (cursor, {(employee id, start, stop): intervals}, {employee id: (start, stop, calendar, lunch
# intervals)}, {employee id: (from, to)} of _person_windows) while Odoo 18's overtime update runs
# for a batch.
_EXPECTED = contextvars.ContextVar("face_attendance_expected_attendances", default=None)


def _window_of(domain, windows):
    """The window of the person a domain of exactly [("employee_id", "=", id)] names (the overtime
    update's search), else None. Given once: the update searches each person once, and a later
    search of the same shape (another module's computation flushed meanwhile) is left whole."""
    if isinstance(domain, (list, tuple)) and len(domain) == 1:
        leaf = domain[0]
        if isinstance(leaf, (list, tuple)) and len(leaf) == 3 and tuple(leaf[:2]) == ("employee_id", "="):
            if isinstance(leaf[2], int) and not isinstance(leaf[2], bool):
                return windows.pop(leaf[2], None)
    return None


# hr.attendance's stored figures that Odoo 18's overtime update marks for recomputing.
OVERTIME_FIGURES = ("overtime_hours", "validated_overtime_hours", "expected_hours")


def _overtime_figures_marked(env):
    Attendance = env["hr.attendance"]
    return {
        name: set(env.records_to_compute(Attendance._fields[name]).ids)
        for name in OVERTIME_FIGURES
        if name in Attendance._fields
    }


def _unmark_other_days(env, scope, marked_before):
    """Odoo 18's overtime update ({employee: {(day start in UTC, day)}}) marks every attendance the
    persons ever had for recomputing its overtime figures; an attendance's figures depend only on
    its own day's overtime and attendances (hr_attendance's _compute_overtime_hours joins them by
    day), so the attendances of the days it updated stay marked, with a day either side for time
    zones, and the others, whose figures cannot have changed, are taken off again: the same figures,
    at a cost that no longer grows with each person's history (a 100-person batch at 500
    attendances each: 8.3 s of CPU before, 2.3 s after). What was marked before stays marked."""
    Attendance = env["hr.attendance"].sudo().with_context(active_test=False)
    windows = [
        [
            ("employee_id", "=", employee.id),
            ("check_in", ">=", min(start for start, _day in dates) - timedelta(days=1)),
            ("check_in", "<", max(start for start, _day in dates) + timedelta(days=2)),
        ]
        for employee, dates in scope.items()
        if dates
    ]
    keep = set(Attendance.search(domain_or(windows)).ids) if windows else set()
    for name, before in marked_before.items():
        field = Attendance._fields[name]
        extra = set(env.records_to_compute(field).ids) - before - keep
        if extra:
            env.remove_to_compute(field, Attendance.browse(extra))


class HrAttendance(models.Model):
    _inherit = "hr.attendance"

    in_mode = fields.Selection(selection_add=[("face", "Face recognition")], ondelete={"face": "set default"})
    out_mode = fields.Selection(selection_add=[("face", "Face recognition")], ondelete={"face": "set default"})
    face_in_event_id = fields.Many2one(
        "face.recognition.event", string="Check-in event", readonly=True, index="btree_not_null", ondelete="set null"
    )
    face_out_event_id = fields.Many2one(
        "face.recognition.event",
        string="Check-out event",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    face_camera_id = fields.Many2one("face.camera", string="Camera", readonly=True, ondelete="set null")
    face_confidence = fields.Float(string="Confidence", readonly=True, digits=(4, 3), aggregator="avg")
    face_auto_closed = fields.Boolean(
        string="Closed automatically", readonly=True, help="Closed by the forgotten check-out rule, not by a sighting."
    )
    # The photo evidence, for Face Attendance managers only (as the events' snapshots are). Read with
    # the reader's rights (not as superuser): the events' company and groups apply as well.
    face_snapshot = fields.Image(
        related="face_in_event_id.snapshot",
        string="Check-in snapshot",
        readonly=True,
        related_sudo=False,
        groups=MANAGER,
    )
    face_out_snapshot = fields.Image(
        related="face_out_event_id.snapshot",
        string="Check-out snapshot",
        readonly=True,
        related_sudo=False,
        groups=MANAGER,
    )
    face_in_seen_at = fields.Datetime(
        related="face_in_event_id.sighted_at",
        string="Check-in seen at",
        readonly=True,
        related_sudo=False,
        groups=MANAGER,
    )
    face_out_seen_at = fields.Datetime(
        related="face_out_event_id.sighted_at",
        string="Check-out seen at",
        readonly=True,
        related_sudo=False,
        groups=MANAGER,
    )
    # Stored so that date filters (API, export, reports) page in SQL instead of converting every row.
    face_date = fields.Date(
        string="Working day",
        compute="_compute_face_date",
        store=True,
        index=True,
        help="The day of the check-in in the employee's time zone.",
    )

    @api.depends("check_in", "employee_id.tz", "employee_id.resource_calendar_id.tz")
    def _compute_face_date(self):
        Event = self.env["face.recognition.event"]
        for attendance in self:
            if not attendance.check_in or not attendance.employee_id:
                attendance.face_date = False
                continue
            tz = Event._employee_tz(attendance.employee_id)
            attendance.face_date = pytz.utc.localize(attendance.check_in).astimezone(tz).date()

    def _auto_init(self):
        result = super()._auto_init()
        # Lists and exports page attendances newest first (check_in desc, id desc): without this
        # index PostgreSQL sorts the whole table for each page.
        create_index(self.env.cr, "hr_attendance_check_in_id_desc_index", self._table, ["check_in DESC", "id DESC"])
        # A person's attendances around a time: Odoo's overlap check, the rules' reads and the
        # overtime update's days all look them up so (the person's whole history otherwise).
        create_index(self.env.cr, "hr_attendance_employee_id_check_in_index", self._table, ["employee_id", "check_in"])
        return result

    def _update_overtime(self, *args, **kwargs):
        deferred = _DEFERRED_OVERTIME.get()
        if deferred is None or deferred[0] is not self.env.cr or kwargs or len(args) > 1:
            return super()._update_overtime(*args, **kwargs)
        scope = args[0] if args else None
        if not scope:
            # What Odoo computes from the records themselves, taken now, before later writes move them.
            scope = (
                self._get_overtimes_to_update_domain()
                if hasattr(self, "_get_overtimes_to_update_domain")
                else self._get_attendances_dates()
            )
        deferred[1].append((self, scope))
        return None

    @api.constrains("check_in", "check_out", "employee_id")
    def _check_validity(self):
        # Odoo checks each attendance with two or three searches; the rules write hundreds a batch
        # as superuser. One query finds every attendance Odoo could refuse (a superset: any overlap,
        # second open attendance or other attendance starting at the same time, not only what Odoo's
        # "latest before" reading sees), and Odoo's own check decides those, with its own messages.
        # Under a user's rights Odoo's searches see only what the rules let them: that case is left
        # to Odoo whole.
        if not (self.env.su and self.ids):
            return super()._check_validity()
        deferred = _DEFERRED_VALIDITY.get()
        if deferred is not None and deferred[0] is self.env.cr:
            # A batch of the rules: checked once at its end, without a flush per record.
            deferred[1].extend(self.ids)
            return None
        return super(HrAttendance, self._may_overlap())._check_validity()

    def _may_overlap(self):
        """Those of these attendances that share time, or openness, with another of their person's."""
        self.flush_model(["employee_id", "check_in", "check_out"])
        self.env.cr.execute(
            """
            SELECT a.id
              FROM hr_attendance a
             WHERE a.id = ANY(%s)
               AND EXISTS (
                   SELECT 1
                     FROM hr_attendance b
                    WHERE b.employee_id = a.employee_id
                      AND b.id != a.id
                      AND (   (b.check_in <= a.check_in AND b.check_out > a.check_in)
                           OR (a.check_out IS NULL AND b.check_out IS NULL)
                           OR b.check_in = a.check_in
                           OR (b.check_in > a.check_in AND b.check_in < a.check_out)
                           OR a.check_out < a.check_in))""",
            [list(self.ids)],
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def search_fetch(self, domain, field_names=None, offset=0, limit=None, order=None):
        # Odoo 18's overtime update, for a batch: its search of a person's attendances (the whole
        # history, see _read_person_attendances) kept to the check-in times of the batch's days.
        batch = _EXPECTED.get()
        if batch is not None and batch[0] is self.env.cr and not offset and limit is None and order is None:
            window = _window_of(domain, batch[3])
            if window:
                domain = [*domain, ("check_in", ">=", window[0]), ("check_in", "<", window[1])]
        return super().search_fetch(domain, field_names, offset=offset, limit=limit, order=order)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(RULE_FIELDS & set(vals) for vals in vals_list):
            raise AccessError(self.env._("Face recognition fields of an attendance are set by the cameras only."))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and RULE_FIELDS & set(vals):
            raise AccessError(self.env._("Face recognition fields of an attendance are set by the cameras only."))
        return super().write(vals)


class HrEmployee(models.Model):
    _inherit = "hr.employee"

    def _get_expected_attendances(self, date_from, date_to):
        # Read beforehand for a whole batch by _expected_in_batch (Odoo 18's overtime update only).
        batch = _EXPECTED.get()
        if batch is not None and batch[0] is self.env.cr and len(self) == 1:
            found = batch[1].get((self.id, date_from, date_to))
            if found is not None:
                return found
        return super()._get_expected_attendances(date_from, date_to)

    def _employee_attendance_intervals(self, start, stop, lunch=False):
        # The lunch breaks read beforehand for a whole batch by _lunches_in_batch, cut to the span.
        batch = _EXPECTED.get()
        if lunch and batch is not None and batch[0] is self.env.cr and len(self) == 1:
            found = batch[2].get(self.id)
            calendar = self.resource_calendar_id or self.company_id.resource_calendar_id
            if found and found[2] == calendar and found[0] <= start and stop <= found[1]:
                return found[3] & Intervals([(start, stop, self.env["resource.calendar.attendance"])])
        return super()._employee_attendance_intervals(start, stop, lunch=lunch)
