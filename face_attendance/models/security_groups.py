"""The addon's groups, by the names every access check in the code uses."""

USER = "face_attendance.group_face_attendance_user"
MANAGER = "face_attendance.group_face_attendance_manager"
DEVICE = "face_attendance.group_face_attendance_device"
