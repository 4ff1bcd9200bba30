"""The addon's groups, by the names every access check in the code uses."""

USER = "face_attendance.group_face_attendance_user"
MANAGER = "face_attendance.group_face_attendance_manager"
DEVICE = "face_attendance.group_face_attendance_device"

# Who may read a person's ID and whether their face is enrolled: HR officers and the addon's users
# (attendance officers who are no HR officers read employees through hr.employee.public, which
# carries these fields for them). Other employees see neither of a colleague.
PERSON_READERS = "hr.group_hr_user," + USER
