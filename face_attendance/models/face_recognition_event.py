import base64
import binascii
import logging
from datetime import datetime, time, timedelta, timezone

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

from face_attendance_daemon.engine import EngineError, check_image_header

from . import attendance_replay as rules

_logger = logging.getLogger(__name__)

OUTCOMES = [('pending', 'Pending'), ('checked_in', 'Checked in'), ('checked_out', 'Checked out'),
            ('duplicate', 'Duplicate'), ('unknown', 'Unknown face'), ('rejected', 'Rejected'),
            ('error', 'Error')]
# Outcomes the rules decide, and may decide again when an earlier sighting arrives late.
REPLAYED = ('pending', 'checked_in', 'checked_out', 'duplicate', 'error')
ACCEPTED = ('checked_in', 'checked_out')
MAX_BATCH = 1000
MAX_SNAPSHOT_BYTES = 512 * 1024
MANAGER = 'face_attendance.group_face_attendance_manager'
DEVICE = 'face_attendance.group_face_attendance_device'


def live_channel(company):
    """The live monitor's bus channel: one per company, subscribed only by Face Attendance users
    of that company (see ir.websocket)."""
    return (company, 'face_attendance_live')


class EventInputError(ValueError):
    pass


def parse_timestamp(value):
    """ISO 8601 with an offset (or Z), or naive meaning UTC -> naive UTC datetime, to the second."""
    if not isinstance(value, str) or not value.strip():
        raise EventInputError("timestamp must be an ISO 8601 string, e.g. 2026-11-21T08:30:00Z")
    text = value.strip()
    if text.endswith(('Z', 'z')):
        text = text[:-1] + '+00:00'
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise EventInputError("timestamp %r is not an ISO 8601 date-time" % value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    if moment.year < 2000:
        raise EventInputError("timestamp %r is before the year 2000" % value)
    return moment.replace(microsecond=0)


def _changed_values(record, vals):
    changed = {}
    for key, value in vals.items():
        current = record[key]
        if isinstance(current, models.BaseModel):
            current = current.id or False
        if current != value:
            changed[key] = value
    return changed


class FaceRecognitionEvent(models.Model):
    """A sighting reported by a daemon or a detection provider: the audit trail of attendance."""
    _name = 'face.recognition.event'
    _description = 'Recognition Event'
    _order = 'sighted_at desc, id desc'
    _rec_name = 'event_uid'

    event_uid = fields.Char(string="Event ID", required=True, readonly=True, index=True,
                            help="Set by the sender; makes sending an event again harmless.")
    camera_id = fields.Many2one('face.camera', readonly=True, index=True, ondelete='set null')
    daemon_id = fields.Many2one('face.daemon', readonly=True, ondelete='set null')
    direction = fields.Selection([('entry', 'Entry'), ('exit', 'Exit'), ('both', 'Both')], readonly=True,
                                 help="The camera's direction when the event arrived.")
    sighted_at = fields.Datetime(string="Seen at", required=True, readonly=True, index=True)
    received_at = fields.Datetime(readonly=True, default=fields.Datetime.now)
    employee_id = fields.Many2one('hr.employee', readonly=True, index=True, ondelete='cascade')
    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True,
                                 default=lambda self: self.env.company)
    distance = fields.Float(readonly=True, digits=(6, 4))
    confidence = fields.Float(readonly=True, digits=(4, 3))
    track_id = fields.Char(readonly=True)
    encoder = fields.Char(readonly=True)
    snapshot = fields.Image(attachment=True, readonly=True, max_width=640, max_height=640,
                            groups='face_attendance.group_face_attendance_manager')
    has_snapshot = fields.Boolean(readonly=True)
    outcome = fields.Selection(OUTCOMES, required=True, default='pending', readonly=True, index=True)
    message = fields.Char(readonly=True)
    attendance_id = fields.Many2one('hr.attendance', readonly=True, ondelete='set null')
    source = fields.Char(readonly=True, help="Who sent it: daemon, api, recognize.")

    # Unique per company: one company's senders can neither see nor block another's event ids.
    _sql_constraints = [('event_uid_uniq', 'unique(event_uid, company_id)',
                         'An event with this ID already exists.')]

    # ------------------------------------------------------------------ ingestion
    @api.model
    def ingest_events(self, events, daemon_id=None):
        """Take a batch of events (list of dicts) and answer each one's outcome, in order.

        For daemons over RPC: the caller must be a Face Attendance device or manager; a device
        sends events only for the cameras of its own daemons. Idempotent by ``event_id``: an id
        seen before is answered with its stored outcome and changes nothing. Each event:
        ``event_id`` (str), ``timestamp`` (ISO 8601, UTC if no offset), ``camera_id`` (int), and
        either ``employee_id`` (int) or ``person_id`` (str) or neither (an unknown face); optional
        ``distance``, ``confidence``, ``track_id``, ``encoder``, ``snapshot`` (base64 JPEG).
        """
        self._check_sender()
        daemon = self.env['face.daemon']
        if daemon_id:
            if isinstance(daemon_id, bool) or not isinstance(daemon_id, int):
                raise ValidationError(_("daemon_id must be an integer."))
            daemon = daemon.browse(daemon_id).exists()
            if not daemon:
                raise AccessError(_("Daemon %s does not exist or is not yours.", daemon_id))
            daemon._check_device_access()
        return self._ingest_events(events, 'daemon', daemon)

    @api.model
    def _check_sender(self):
        """Who may record sightings: devices and managers. Privileges come from groups only."""
        user = self.env.user
        if self.env.su or user.has_group(DEVICE) or user.has_group(MANAGER):
            return
        raise AccessError(_("Only face attendance devices and managers may send recognition events."))

    @api.model
    def _ingest_events(self, events, source, daemon=None):
        """Ingestion proper, after the caller's right to send was checked (RPC or REST key)."""
        if not isinstance(events, (list, tuple)):
            raise ValidationError(_("Events must be a list."))
        if len(events) > MAX_BATCH:
            raise ValidationError(_("At most %s events per batch.", MAX_BATCH))
        daemon = daemon or self.env['face.daemon']
        answers = [None] * len(events)
        parsed = []
        for index, raw in enumerate(events):
            try:
                parsed.append((index, self._parse_event(raw)))
            except EventInputError as error:
                sent_id = raw.get('event_id') if isinstance(raw, dict) else None
                # False, not None: the answer goes back over XML-RPC, which cannot carry None.
                answers[index] = {'event_id': sent_id if isinstance(sent_id, str) else False, 'status': 'invalid',
                                  'outcome': 'rejected', 'message': str(error), 'attendance_id': False}
        return self.sudo()._ingest_parsed(parsed, answers, source, daemon)

    @api.model
    def _sendable_cameras(self):
        """Cameras the current user may send events for: a device only its own daemons' cameras."""
        Camera = self.env['face.camera'].sudo().with_context(active_test=False)
        domain = [('company_id', 'in', self.env.companies.ids)]
        user = self.env.user
        if not self.env.su and not user.has_group(MANAGER):
            domain.append(('daemon_id.user_id', '=', user.id))
        return Camera, domain

    def _parse_event(self, raw):
        if not isinstance(raw, dict):
            raise EventInputError("each event must be an object")
        known = {'event_id', 'timestamp', 'camera_id', 'employee_id', 'person_id', 'distance', 'confidence',
                 'track_id', 'encoder', 'snapshot'}
        unknown = set(raw) - known
        if unknown:
            raise EventInputError("unknown fields: %s" % ", ".join(sorted(map(str, unknown))))
        event_uid = raw.get('event_id')
        if not isinstance(event_uid, str) or not event_uid.strip() or len(event_uid) > 128:
            raise EventInputError("event_id must be a non-empty string of at most 128 characters")
        vals = {'event_uid': event_uid.strip(), 'sighted_at': parse_timestamp(raw.get('timestamp'))}
        camera_id = raw.get('camera_id')
        if isinstance(camera_id, bool) or not isinstance(camera_id, int):
            raise EventInputError("camera_id must be an integer")
        if not 0 < camera_id < 2 ** 31:
            raise EventInputError("camera %s does not exist" % camera_id)
        Camera, domain = self._sendable_cameras()
        camera = Camera.search(domain + [('id', '=', camera_id)])
        if not camera:
            raise EventInputError("camera %s does not exist or is not one of yours" % camera_id)
        vals.update(camera_id=camera.id, direction=camera.direction, company_id=camera.company_id.id)
        employee = self.env['hr.employee']
        if raw.get('employee_id') not in (None, False):
            if isinstance(raw['employee_id'], bool) or not isinstance(raw['employee_id'], int):
                raise EventInputError("employee_id must be an integer")
            if not 0 < raw['employee_id'] < 2 ** 31:
                raise EventInputError("employee %s does not exist" % raw['employee_id'])
            employee = employee.sudo().with_context(active_test=False).browse(raw['employee_id']).exists()
            if not employee:
                raise EventInputError("employee %s does not exist" % raw['employee_id'])
        elif raw.get('person_id') not in (None, False, ''):
            if not isinstance(raw['person_id'], str):
                raise EventInputError("person_id must be a string")
            employee = employee.sudo().with_context(active_test=False).search(
                [('person_ref', '=', raw['person_id']), ('company_id', '=', camera.company_id.id)], limit=1)
            if not employee:
                raise EventInputError("person %s does not exist" % raw['person_id'])
        if employee and employee.company_id and employee.company_id != camera.company_id:
            raise EventInputError("the person and the camera belong to different companies")
        vals['employee_id'] = employee.id or False
        for key in ('distance', 'confidence'):
            value = raw.get(key)
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
                    raise EventInputError("%s must be a number" % key)
                vals[key] = float(value)
        if vals.get('confidence') is not None and not 0.0 <= vals['confidence'] <= 1.0:
            raise EventInputError("confidence must be between 0 and 1")
        for key in ('track_id', 'encoder'):
            value = raw.get(key)
            if value is not None:
                if not isinstance(value, (str, int)) or isinstance(value, bool):
                    raise EventInputError("%s must be a string" % key)
                vals[key] = str(value)[:128]
        snapshot = raw.get('snapshot')
        if snapshot:
            if not isinstance(snapshot, str):
                raise EventInputError("snapshot must be base64 text")
            try:
                data = base64.b64decode(snapshot, validate=True)
            except (binascii.Error, ValueError):
                raise EventInputError("snapshot is not valid base64")
            if len(data) > MAX_SNAPSHOT_BYTES:
                raise EventInputError("snapshot is larger than %d bytes" % MAX_SNAPSHOT_BYTES)
            try:
                # From the header alone: a small file claiming a huge picture is never decoded.
                kind, _width, _height = check_image_header(data)
            except EngineError as error:
                raise EventInputError("snapshot: %s" % error.message)
            if kind not in ('JPEG', 'PNG'):
                raise EventInputError("snapshot must be a JPEG or PNG image")
            vals['snapshot'] = snapshot
            vals['has_snapshot'] = True
        return vals

    def _ingest_parsed(self, parsed, answers, source, daemon):
        config = self.env['face.attendance.config']
        # (no local named "uid": Odoo's _() reads the caller's locals to find the language)
        # An event is known by its sender's id within its camera's company.
        keys = {(vals['event_uid'], vals['company_id']) for _i, vals in parsed}
        existing = {}
        if keys:
            found = self.search([('event_uid', 'in', list({k[0] for k in keys})),
                                 ('company_id', 'in', list({k[1] for k in keys}))])
            existing = {(e.event_uid, e.company_id.id): e for e in found}
        horizon = fields.Datetime.now() + timedelta(seconds=config._get('future_tolerance_seconds'))
        auto_mark = config._get('auto_mark')
        to_create, seen = [], set()
        for index, vals in parsed:
            key = (vals['event_uid'], vals['company_id'])
            if key in existing or key in seen:
                answers[index] = ('exists', key)
                continue
            seen.add(key)
            vals.update(source=source, daemon_id=daemon.id or False)
            if vals['sighted_at'] > horizon:
                vals.update(outcome='rejected', message=_("The sighting time is in the future."))
            elif not vals['employee_id']:
                vals.update(outcome='unknown', message=_("Face not recognised."))
            elif not auto_mark:
                vals.update(outcome='rejected', message=_("Automatic attendance marking is off."))
            to_create.append((index, vals))
        created = self._create_idempotent(to_create, answers)
        # Lock the persons concerned, in id order, so that concurrent batches for one person
        # are decided one after the other.
        employees = created.filtered(lambda e: e.outcome == 'pending').employee_id
        if employees:
            self.env.cr.execute("SELECT id FROM hr_employee WHERE id IN %s ORDER BY id FOR UPDATE",
                                [tuple(employees.ids)])
        for employee in employees.sorted('id'):
            pending = created.filtered(lambda e: e.employee_id == employee and e.outcome == 'pending')
            self._rebuild_attendance(employee, min(pending.mapped('sighted_at')))
        for index, answer in enumerate(answers):
            if isinstance(answer, tuple):
                event = existing.get(answer[1]) or self.search(
                    [('event_uid', '=', answer[1][0]), ('company_id', '=', answer[1][1])], limit=1)
                answers[index] = dict(event._answer(), status='exists')
            elif isinstance(answer, models.BaseModel):
                answers[index] = dict(answer._answer(), status='created')
        for company in created.company_id:
            self.env['bus.bus']._sendone(live_channel(company), 'face_attendance/events',
                                         {'event_ids': created.filtered(lambda e: e.company_id == company).ids})
        return answers

    def _create_idempotent(self, to_create, answers):
        if not to_create:
            return self.browse()
        try:
            with self.env.cr.savepoint():
                records = self.create([vals for _i, vals in to_create])
        except Exception as error:  # a concurrent batch created some of the same ids
            if 'event_uid_uniq' not in str(error):
                raise
            records = self.browse()
            for index, vals in to_create:
                try:
                    with self.env.cr.savepoint():
                        record = self.create(vals)
                except Exception as inner:
                    if 'event_uid_uniq' not in str(inner):
                        raise
                    answers[index] = ('exists', (vals['event_uid'], vals['company_id']))
                    continue
                records |= record
                answers[index] = record
            return records
        for (index, _vals), record in zip(to_create, records):
            answers[index] = record
        return records

    def _answer(self):
        self.ensure_one()
        return {'event_id': self.event_uid, 'outcome': self.outcome, 'message': self.message or '',
                'attendance_id': self.attendance_id.id or False, 'employee_id': self.employee_id.id or False}

    # ------------------------------------------------------------------ the rules, applied
    @api.model
    def _employee_tz(self, employee):
        try:
            return pytz.timezone(employee._get_tz())
        except pytz.UnknownTimeZoneError:
            return pytz.utc

    @api.model
    def _working_day(self, tz, moment):
        return pytz.utc.localize(moment).astimezone(tz).date()

    @api.model
    def _day_start_utc(self, tz, day):
        return tz.localize(datetime.combine(day, time.min)).astimezone(pytz.utc).replace(tzinfo=None)

    @api.model
    def _policy(self):
        config = self.env['face.attendance.config']
        return rules.Policy(
            duplicate_window=timedelta(minutes=config._get('duplicate_window_minutes')),
            forgotten_after=timedelta(hours=config._get('forgotten_checkout_hours')),
            forgotten_rule=config._get('forgotten_checkout_rule'),
            forgotten_fixed=timedelta(hours=config._get('forgotten_checkout_fixed_hours')))

    @api.model
    def _rebuild_attendance(self, employee, since):
        """Decide again every sighting of ``employee`` from the working day of ``since`` on.

        Live events only touch today's attendance; a late event (replayed after an outage)
        rewrites the days it belongs to, so the result never depends on arrival order.
        """
        Attendance = self.env['hr.attendance'].sudo()
        tz = self._employee_tz(employee)
        anchor = self._day_start_utc(tz, self._working_day(tz, since))
        spanning = Attendance.search([('employee_id', '=', employee.id), ('check_in', '<', anchor),
                                      '|', ('check_out', '=', False), ('check_out', '>=', anchor)],
                                     order='check_in', limit=1)
        if spanning:
            anchor = spanning.check_in
        events = self.search([('employee_id', '=', employee.id), ('sighted_at', '>=', anchor),
                              ('outcome', 'in', REPLAYED)], order='sighted_at, event_uid, id')
        previous = self.search([('employee_id', '=', employee.id), ('sighted_at', '<', anchor),
                                ('outcome', 'in', ACCEPTED)], order='sighted_at desc', limit=1)
        own = Attendance.search([('employee_id', '=', employee.id), ('check_in', '>=', anchor),
                                 ('face_in_event_id', '!=', False)], order='check_in, id')
        others = Attendance.search([('employee_id', '=', employee.id), ('face_in_event_id', '=', False),
                                    '|', ('check_out', '=', False), ('check_out', '>=', anchor)], order='check_in')
        externals = []
        for attendance in others:
            closed_by_camera = attendance.face_out_event_id and attendance.face_out_event_id.sighted_at >= anchor
            externals.append(rules.Span(
                check_in=attendance.check_in, record=attendance,
                fixed_check_out=None if closed_by_camera else (attendance.check_out or None)))
        sightings = [rules.Sighting(key=e.id, at=e.sighted_at, direction=e.direction or 'both',
                                    day=self._working_day(tz, e.sighted_at)) for e in events]
        result = rules.replay(sightings, self._policy(), fields.Datetime.now(),
                              last_accepted_at=previous.sighted_at if previous else None, externals=externals)
        span_records = self._apply_spans(employee, result, own, events)
        self._apply_outcomes(events, result, span_records)

    def _span_vals(self, employee, span, events_by_id):
        in_event = events_by_id.get(span.in_key)
        vals = {
            'employee_id': employee.id,
            'check_in': span.check_in,
            'check_out': span.check_out or False,
            'in_mode': 'face',
            'out_mode': 'auto_check_out' if span.auto_closed else ('face' if span.out_key else 'manual'),
            'face_in_event_id': span.in_key,
            'face_out_event_id': span.out_key or False,
            'face_camera_id': in_event.camera_id.id if in_event else False,
            'face_confidence': in_event.confidence if in_event else 0.0,
            'face_auto_closed': span.auto_closed,
        }
        return vals

    def _apply_spans(self, employee, result, own, events):
        """Make the attendances match the rules' spans, updating records in place where possible."""
        Attendance = self.env['hr.attendance'].sudo().with_context(face_attendance_rules=True)
        events_by_id = {e.id: e for e in events}
        wanted = [self._span_vals(employee, span, events_by_id) for span in result.spans]
        records = {}
        try:
            with self.env.cr.savepoint():
                surplus = own[len(wanted):]
                if surplus:
                    surplus.with_context(face_attendance_rules=True).unlink()
                for position, vals in enumerate(wanted):
                    if position < len(own):
                        record = own[position].with_context(face_attendance_rules=True)
                        changed = _changed_values(record, vals)
                        if changed:
                            record.write(changed)
                    else:
                        record = Attendance.create(vals)
                    records[id(result.spans[position])] = record
                self._apply_externals(result, events_by_id)
                self.env.flush_all()
        except ValidationError as error:
            # Odoo's own rules (no overlap, one open attendance) refused the in-place update,
            # typically because of an attendance entered by hand: build span by span instead.
            _logger.info("Attendance of %s rebuilt span by span: %s", employee.name, error)
            records = {}
            with self.env.cr.savepoint():
                own.exists().with_context(face_attendance_rules=True).unlink()
            for span, vals in zip(result.spans, wanted):
                try:
                    with self.env.cr.savepoint():
                        records[id(span)] = Attendance.create(vals)
                        self.env.flush_all()
                except ValidationError as inner:
                    result.outcomes[span.in_key] = (rules.ERROR, str(inner.args[0] if inner.args else inner), None)
                    if span.out_key:
                        result.outcomes[span.out_key] = (rules.ERROR, str(inner.args[0] if inner.args else inner), None)
            try:
                with self.env.cr.savepoint():
                    self._apply_externals(result, events_by_id)
                    self.env.flush_all()
            except ValidationError as inner:
                for span in result.externals:
                    if span.out_key:
                        result.outcomes[span.out_key] = (rules.ERROR, str(inner.args[0] if inner.args else inner), None)
        for span in result.externals:
            records[id(span)] = span.record
        return records

    def _apply_externals(self, result, events_by_id):
        for span in result.externals:
            record = span.record.with_context(face_attendance_rules=True)
            if span.fixed_check_out is not None:
                continue
            check_out = span.check_out or False
            out_event = span.out_key or False
            if record.check_out != check_out or record.face_out_event_id.id != out_event:
                vals = {'check_out': check_out, 'face_out_event_id': out_event}
                if out_event:
                    vals['out_mode'] = 'face'
                record.write(vals)

    def _apply_outcomes(self, events, result, span_records):
        for event in events:
            kind, message, span = result.outcomes.get(event.id, ('error', _("Not decided."), None))
            attendance = span_records.get(id(span)) if span is not None else False
            vals = {'outcome': kind, 'message': message, 'attendance_id': attendance.id if attendance else False}
            if any(event[k] != v for k, v in (('outcome', kind), ('message', message))) \
                    or event.attendance_id.id != vals['attendance_id']:
                event.write(vals)

    # ------------------------------------------------------------------ housekeeping
    @api.model
    def _cron_close_forgotten_checkouts(self):
        """Close attendances opened by a camera and left open past the configured hours."""
        limit = fields.Datetime.now() - timedelta(hours=self.env['face.attendance.config']._get('forgotten_checkout_hours'))
        forgotten = self.env['hr.attendance'].sudo().search([
            ('check_out', '=', False), ('face_in_event_id', '!=', False), ('check_in', '<', limit)])
        for attendance in forgotten:
            self._rebuild_attendance(attendance.employee_id, attendance.check_in)
            if not attendance.check_out:
                _logger.warning("Forgotten check-out of attendance %s was not closed", attendance.id)
        if forgotten:
            self.env['face.system.log']._log(
                _("%s forgotten check-out(s) closed", len(forgotten)), category='attendance',
                details={'attendance_ids': forgotten.ids}, action='cron.close_forgotten')
        return len(forgotten)

    @api.model
    def _cron_purge_retention(self):
        """Delete events, snapshots and unknown faces past their retention periods."""
        config = self.env['face.attendance.config']
        now = fields.Datetime.now()
        events = self.sudo()
        old_snapshots = events.search([('has_snapshot', '=', True),
                                       ('sighted_at', '<', now - timedelta(days=config._get('snapshot_retention_days')))])
        old_snapshots.write({'snapshot': False, 'has_snapshot': False})
        old_unknown = events.search([('outcome', '=', 'unknown'),
                                     ('sighted_at', '<', now - timedelta(days=config._get('unknown_retention_days')))])
        old_events = events.search([('sighted_at', '<', now - timedelta(days=config._get('event_retention_days')))])
        # Attendances keep their times; only their links to the purged events go.
        doomed = old_unknown | old_events
        doomed.unlink()
        if old_snapshots or doomed:
            self.env['face.system.log']._log(
                _("Retention: %(snapshots)s snapshot(s) and %(events)s event(s) deleted",
                  snapshots=len(old_snapshots), events=len(doomed)),
                category='system', action='cron.purge_retention')
        return {'snapshots': len(old_snapshots), 'events': len(doomed)}

    def _assign_to_employee(self, employee):
        """Unknown-face review: this event was ``employee``; decide attendance for it again."""
        employee.ensure_one()
        if not self:
            return True
        self.sudo().write({'employee_id': employee.id, 'outcome': 'pending', 'message': False})
        self.sudo()._rebuild_attendance(employee, min(self.mapped('sighted_at')))
        return True
