"""Transitional: the attendance figures live on the model ``face.attendance.figures``
(``models/face_attendance_figures.py``). These two names remain only for the routes still calling
them (``/attendance/mark``, ``/attendance/manual`` and ``/events/{id}/not-this-person``); this file
goes once they call the model.
"""

from odoo.http import request


def find_employee(person_id):
    """Use ``request.env["face.attendance.figures"]._find_employee(person_id)``."""
    return request.env["face.attendance.figures"]._find_employee(person_id)


def log_items(rows):
    """Use ``request.env["face.attendance.figures"]._log_items(rows)`` (or ``log_entry(attendance_id)``)."""
    return request.env["face.attendance.figures"]._log_items(rows)
