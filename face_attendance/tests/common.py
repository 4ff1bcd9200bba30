import base64
import itertools
import os
from datetime import datetime

from odoo.tests.common import TransactionCase, new_test_user

_counter = itertools.count(1)


def faces_dir():
    """The shared LFW photos: FA_FACES_DIR, else ../shared/data/faces beside the project."""
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.normpath(os.path.join(here, '..', '..', '..', 'shared', 'data', 'faces'))
    path = os.environ.get('FA_FACES_DIR') or default
    if not os.path.isdir(os.path.join(path, 'known')):
        raise RuntimeError("Face photos not found at %s (set FA_FACES_DIR)" % path)
    return path


def face_photo(person, number):
    with open(os.path.join(faces_dir(), 'known', person, '%s_%04d.jpg' % (person, number)), 'rb') as handle:
        return handle.read()


def face_b64(person, number):
    return base64.b64encode(face_photo(person, number))


class FaceAttendanceCase(TransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        # A non-UTC zone whose day boundary is not UTC's: Brussels is UTC+1 in winter.
        cls.employee = cls.env['hr.employee'].create({
            'name': 'Ada Test', 'person_ref': 'EMP-ADA', 'tz': 'Europe/Brussels'})
        cls.employee.resource_calendar_id.tz = 'Europe/Brussels'
        cls.other = cls.env['hr.employee'].create({
            'name': 'Bob Test', 'person_ref': 'EMP-BOB', 'tz': 'Europe/Brussels'})
        Camera = cls.env['face.camera']
        cls.cam_entry = Camera.create({'name': 'Entry', 'source_type': 'file', 'source': '/dev/null', 'direction': 'entry'})
        cls.cam_exit = Camera.create({'name': 'Exit', 'source_type': 'file', 'source': '/dev/null', 'direction': 'exit'})
        cls.cam_both = Camera.create({'name': 'Hall', 'source_type': 'file', 'source': '/dev/null', 'direction': 'both'})
        cls.device_user = new_test_user(cls.env, login='fa_device', groups='face_attendance.group_face_attendance_device')
        cls.config = cls.env['face.attendance.config']

    def event(self, camera, when, employee=None, uid=None, **extra):
        vals = {'event_id': uid or 'ev-%d' % next(_counter), 'camera_id': camera.id,
                'timestamp': when.strftime('%Y-%m-%dT%H:%M:%SZ') if isinstance(when, datetime) else when}
        if employee is not None:
            vals['employee_id'] = employee.id
        vals.update(extra)
        return vals

    def ingest(self, *events):
        return self.env['face.recognition.event'].with_user(self.device_user).ingest_events(list(events))

    def attendances(self, employee=None):
        return self.env['hr.attendance'].search([('employee_id', '=', (employee or self.employee).id)], order='check_in')

    def spans(self, employee=None):
        return [(a.check_in, a.check_out or None) for a in self.attendances(employee)]
