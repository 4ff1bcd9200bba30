from datetime import date, datetime, time, timedelta

import pytz

from odoo import fields, http
from odoo.http import request

from ..models.face_recognition_event import EventInputError, parse_timestamp
from .api_common import ApiError, api_route, audit, bad_request, expect, iso, json_body, not_found, ok, paging
from .api_persons import find_person


def parse_day(value, name):
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise bad_request('%s must be a date as YYYY-MM-DD.' % name, field=name)


def attendance_dict(attendance):
    """check_in/check_out: ISO 8601 in UTC ("Z"); date: the working day in the employee's time zone."""
    employee = attendance.employee_id
    tz = request.env['face.recognition.event']._employee_tz(employee)
    local_day = pytz.utc.localize(attendance.check_in).astimezone(tz).date()
    end = attendance.check_out or fields.Datetime.now()
    source = attendance.in_mode if attendance.in_mode in ('face', 'manual', 'kiosk') else (
        'card' if attendance.in_mode == 'systray' else 'manual')
    return {
        'id': attendance.id, 'person_id': employee.person_ref, 'person_name': employee.name,
        'check_in': iso(attendance.check_in), 'check_out': iso(attendance.check_out),
        'date': local_day.isoformat(), 'timezone': tz.zone,
        'duration_minutes': round((end - attendance.check_in).total_seconds() / 60.0, 1),
        'worked_hours': round(attendance.worked_hours, 4),
        'status': 'checked_out' if attendance.check_out else 'checked_in',
        'source': source, 'confidence': attendance.face_confidence or None,
        'marked_by': 'auto' if attendance.in_mode == 'face' else 'manual',
        'camera': attendance.face_camera_id.name or None, 'auto_closed': attendance.face_auto_closed,
    }


class FaceApiAttendance(http.Controller):

    def _domain(self, params):
        domain = []
        start = parse_day(params['start_date'], 'start_date') if params.get('start_date') else None
        end = parse_day(params['end_date'], 'end_date') if params.get('end_date') else None
        if start and end and end < start:
            raise bad_request('end_date is before start_date.')
        # Dates are working days in each employee's time zone: widen by a day in UTC here and
        # filter exactly on the local date below.
        if start:
            domain.append(('check_in', '>=', datetime.combine(start - timedelta(days=1), time.min)))
        if end:
            domain.append(('check_in', '<', datetime.combine(end + timedelta(days=2), time.min)))
        if params.get('person_id'):
            domain.append(('employee_id', '=', find_person(params['person_id']).id))
        return domain, start, end

    @api_route('/attendance', ['GET'], scope='attendance:read')
    def list_attendance(self, **params):
        limit, offset = paging(params)
        domain, start, end = self._domain(params)
        records = request.env['hr.attendance'].search(domain, order='check_in desc, id desc')
        items = [attendance_dict(a) for a in records]
        if start:
            items = [i for i in items if i['date'] >= start.isoformat()]
        if end:
            items = [i for i in items if i['date'] <= end.isoformat()]
        return ok({'records': items[offset:offset + limit], 'total': len(items), 'limit': limit, 'offset': offset})

    @api_route('/attendance/<int:attendance_id>', ['GET'], scope='attendance:read')
    def get_attendance(self, attendance_id):
        attendance = request.env['hr.attendance'].search([('id', '=', attendance_id)])
        if not attendance:
            raise not_found('Attendance %s does not exist.' % attendance_id)
        return ok(attendance_dict(attendance))

    @api_route('/attendance/mark', ['POST'], scope='attendance:write')
    def mark(self):
        body = json_body(required=('person_id',), optional=('marked_by', 'notes', 'timestamp'))
        employee = find_person(expect(body, 'person_id', str, 64))
        if body.get('marked_by', 'manual') not in ('manual', 'auto'):
            raise bad_request('marked_by must be manual or auto.', field='marked_by')
        expect(body, 'notes', str, 2000)
        if employee.attendance_state == 'checked_in':
            raise ApiError(409, 'CONFLICT', '%s is already checked in.' % employee.name,
                           {'attendance_id': employee.last_attendance_id.id})
        check_in = fields.Datetime.now()
        if body.get('timestamp'):
            try:
                check_in = parse_timestamp(body['timestamp'])
            except EventInputError as error:
                raise bad_request(str(error), field='timestamp')
        attendance = request.env['hr.attendance'].create({'employee_id': employee.id, 'check_in': check_in,
                                                          'in_mode': 'manual'})
        if body.get('notes'):
            attendance.message_post(body=body['notes'])
        audit('attendance.mark', 'hr.attendance,%d' % attendance.id, '%s checked in' % employee.name)
        return ok(attendance_dict(attendance), status=201)

    @api_route('/attendance/<int:attendance_id>/checkout', ['POST'], scope='attendance:write')
    def checkout(self, attendance_id):
        json_body(optional=('notes',), allow_empty=True)
        attendance = request.env['hr.attendance'].search([('id', '=', attendance_id)])
        if not attendance:
            raise not_found('Attendance %s does not exist.' % attendance_id)
        if attendance.check_out:
            raise ApiError(409, 'CONFLICT', 'Attendance %s is already checked out.' % attendance_id)
        attendance.write({'check_out': max(fields.Datetime.now(), attendance.check_in), 'out_mode': 'manual'})
        audit('attendance.checkout', 'hr.attendance,%d' % attendance.id, '%s checked out' % attendance.employee_id.name)
        return ok(attendance_dict(attendance))
