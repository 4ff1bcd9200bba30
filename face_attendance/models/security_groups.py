"""The addon's groups, by the names every access check in the code uses."""

from .odoo_compat import V19

USER = "face_attendance.group_face_attendance_user"
MANAGER = "face_attendance.group_face_attendance_manager"
DEVICE = "face_attendance.group_face_attendance_device"

# Attendance administrators: every attendance of their companies (Odoo 19 renamed the group).
FULL_ATTENDANCE_GROUP = "hr_attendance.group_hr_attendance_user" if V19 else "hr_attendance.group_hr_attendance_manager"

# Who may read a person's ID and whether their face is enrolled: HR officers, and attendance
# administrators, who reach every person of their companies (those who are no HR officers read
# employees through hr.employee.public, which carries these fields for them). Officers who see only
# the attendances of the persons they manage do not learn who holds an ID; nor does any employee.
PERSON_READERS = "hr.group_hr_user," + FULL_ATTENDANCE_GROUP
