from . import face_enrol_wizard
