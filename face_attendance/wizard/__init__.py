from . import face_enrol_wizard
from . import face_attendance_report_wizard
from . import face_correction_wizard
