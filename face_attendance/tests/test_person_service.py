"""The persons' model methods behind the REST routes (hr_employee_api.py, face_template_api.py,
face_attendance_log.py, face_user_directory.py), called as XML-RPC/JSON-2 would: the same rules and
checks for every door, refusals for those who must not call them."""

from odoo.exceptions import AccessError, MissingError
from odoo.tests import new_test_user, tagged

from ..models.face_camera_unit import InvalidSighting
from ..models.hr_employee_api import EnrolRefused, PersonConflict, PersonInputError
from .common import FaceAttendanceCase, face_b64


@tagged("post_install", "-at_install", "face_attendance")
class TestPersonService(FaceAttendanceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.manager = new_test_user(
            env, login="ps_manager", groups="base.group_user,face_attendance.group_face_attendance_manager"
        )
        cls.portal = new_test_user(env, login="ps_portal", groups="base.group_portal")
        cls.other_company = env["res.company"].create({"name": "Person Service Other Co"})
        cls.other_manager = new_test_user(
            env,
            login="ps_manager_b",
            groups="base.group_user,face_attendance.group_face_attendance_manager",
            company_id=cls.other_company.id,
            company_ids=[(6, 0, [cls.other_company.id])],
        )
        cls.face = env["face.template"].create({"employee_id": cls.employee.id, "image": face_b64("Hugo_Chavez", 1)})

    def as_(self, user, model="hr.employee"):
        return self.env[model].with_user(user).with_context(allowed_company_ids=user.company_id.ids)

    def test_lookup_and_search(self):
        Employee = self.as_(self.manager)
        self.assertEqual(Employee.face_person_find("EMP-ADA"), self.employee.id)
        self.assertEqual(Employee.face_person_find(self.other.id), self.other.id)
        with self.assertRaisesRegex(MissingError, "Person NOPE does not exist"):
            Employee.face_person_find("NOPE")
        with self.assertRaisesRegex(MissingError, "Person 0 not found"):
            Employee.face_person_find(0)
        found = Employee.face_person_search({"search": "EMP-", "faces": "enrolled"}, limit=10)
        self.assertEqual((found["ids"], found["total"]), ([self.employee.id], 1))
        self.other.active = False
        found = Employee.face_person_search({"search": "EMP-", "active": False})
        self.assertEqual(found["ids"], [self.other.id])
        found = Employee.face_person_search({"search": "EMP-"}, order="id")
        self.assertEqual(found["ids"], [self.employee.id, self.other.id], "no active filter: archived too")
        with self.assertRaises(PersonInputError):
            Employee.face_person_search({"planted": True})
        with self.assertRaises(PersonInputError):
            Employee.face_person_search(limit=0)

    def test_create_update_archive(self):
        Employee = self.as_(self.manager)
        created = Employee.face_person_create("PS-1", {"name": " Grace ", "department": "PS Dept"})
        person = self.env["hr.employee"].browse(created["id"])
        self.assertEqual((person.name, person.person_ref, person.department_id.name), ("Grace", "PS-1", "PS Dept"))
        self.assertEqual(person.company_id, self.env.company)
        with self.assertRaises(PersonConflict) as caught:
            Employee.face_person_create("PS-1", {"name": "Again"})
        self.assertEqual(caught.exception.details, {"person_id": "PS-1"})
        with self.assertRaises(PersonInputError) as caught:
            Employee.face_person_create("has space", {"name": "X"})
        self.assertEqual(caught.exception.field, "person_id")
        # The backend's two name parts and personnel code.
        Employee.face_person_update(person.id, {"first_name": "Grace", "last_name": "Hopper", "personnel_code": "PS-2"})
        self.assertEqual(
            (person.name, person.person_ref, person._name_parts()), ("Grace Hopper", "PS-2", ("Grace", "Hopper"))
        )
        with self.assertRaises(PersonConflict):
            Employee.face_person_update(person.id, {"personnel_code": "EMP-ADA"})
        with self.assertRaisesRegex(PersonInputError, "active or archived"):
            Employee.face_person_update("PS-2", {"status": "inactive"}, inactive="archived")
        Employee.face_person_update("PS-2", {"status": "inactive"})
        self.assertFalse(person.active)
        Employee.face_person_activate(person.id)
        self.assertTrue(person.active)
        Employee.face_person_archive("PS-2")
        self.assertFalse(person.active)
        logs = self.env["face.system.log"].search([("object_ref", "=", "hr.employee,%d" % person.id)])
        self.assertEqual(
            set(logs.mapped("action")), {"person.create", "person.update", "person.activate", "person.delete"}
        )

    def test_faces(self):
        Employee = self.as_(self.manager)
        (face_id,) = Employee.face_person_enrol("EMP-BOB", [face_b64("Kofi_Annan", 1).decode()])
        self.assertEqual(self.other.face_count, 1)
        listed = Employee.face_person_templates("EMP-BOB")
        self.assertEqual((listed["ids"], listed["total"]), ([face_id], 1))
        # All or nothing: a refused image enrols none, and says which.
        with self.assertRaises(EnrolRefused) as caught:
            Employee.face_person_enrol("EMP-BOB", [face_b64("Kofi_Annan", 2).decode(), "bm90IGFuIGltYWdl"], listed=True)
        self.assertEqual(caught.exception.code, "NOT_AN_IMAGE")
        self.assertEqual([i["index"] for i in caught.exception.details["images"]], [1])
        with self.assertRaisesRegex(MissingError, "Face 999999 of person EMP-BOB does not exist"):
            Employee.face_person_delete_template("EMP-BOB", 999999)
        self.assertEqual(Employee.face_person_delete_template("EMP-BOB", face_id)["face_count"], 0)
        self.assertEqual(Employee.face_person_delete_templates("EMP-ADA")["deleted"], 1)
        self.assertFalse(self.face.exists())

    def test_templates_as_enrollments(self):
        Template = self.as_(self.manager, "face.template")
        found = Template.face_api_template_search(employee_id=self.employee.id)
        self.assertEqual((found["ids"], found["total"]), (self.face.ids, 1))
        Template.face_api_template_activate(self.face.id)
        self.assertFalse(self.face.active)
        self.assertEqual(Template.face_api_template_find(self.face.id), self.face.id)
        self.assertEqual(Template.face_api_template_search(active=True)["total"], 0)
        Template.face_api_template_delete(self.face.id)
        self.assertFalse(self.face.exists())

    def test_portal_is_refused_everything(self):
        calls = [
            ("hr.employee", "face_person_find", ["EMP-ADA"]),
            ("hr.employee", "face_person_search", []),
            ("hr.employee", "face_person_create", ["PS-9", {"name": "Planted"}]),
            ("hr.employee", "face_person_update", ["EMP-ADA", {"name": "Renamed"}]),
            ("hr.employee", "face_person_archive", ["EMP-ADA"]),
            ("hr.employee", "face_person_activate", [self.employee.id, False]),
            ("hr.employee", "face_person_enrol", ["EMP-ADA", [face_b64("Kofi_Annan", 1).decode()]]),
            ("hr.employee", "face_person_templates", ["EMP-ADA"]),
            ("hr.employee", "face_person_delete_template", ["EMP-ADA", self.face.id]),
            ("hr.employee", "face_person_delete_templates", ["EMP-ADA"]),
            ("face.template", "face_api_template_search", []),
            ("face.template", "face_api_template_delete", [self.face.id]),
            ("face.template", "gallery_people", []),
            ("face.attendance.log", "attendance_logs", []),
            ("face.user.directory", "users", []),
            ("face.user.directory", "roles", []),
            ("face.camera.unit", "log_attendance", [self.employee.id]),
        ]
        for model, method, args in calls:
            with self.subTest(method=method), self.assertRaises(AccessError):
                getattr(self.as_(self.portal, model).with_context(active_test=False), method)(*args)
        self.assertEqual((self.employee.name, self.employee.active), ("Ada Test", True))
        self.assertTrue(self.face.exists())
        self.assertFalse(self.env["hr.employee"].search([("person_ref", "=", "PS-9")]))

    def test_other_company_manager_reaches_nothing_here(self):
        Employee = self.as_(self.other_manager)
        for method, args in (
            ("face_person_find", ["EMP-ADA"]),
            ("face_person_update", ["EMP-ADA", {"name": "Renamed"}]),
            ("face_person_archive", ["EMP-ADA", True]),
            ("face_person_activate", [self.employee.id]),
            ("face_person_enrol", ["EMP-ADA", [face_b64("Kofi_Annan", 1).decode()]]),
            ("face_person_delete_templates", ["EMP-ADA"]),
        ):
            with self.subTest(method=method), self.assertRaises(MissingError):
                getattr(Employee, method)(*args)
        self.assertEqual(Employee.face_person_search({"search": "EMP-"})["total"], 0)
        # Their person ID space is their own: EMP-ADA is free in their company.
        created = Employee.face_person_create("EMP-ADA", {"name": "Namesake"})
        self.assertEqual(self.env["hr.employee"].browse(created["id"]).company_id, self.other_company)
        Template = self.as_(self.other_manager, "face.template")
        self.assertEqual(Template.face_api_template_search()["ids"], [])
        with self.assertRaises(MissingError):
            Template.face_api_template_delete(self.face.id)
        self.assertEqual(Template.gallery_people()["users"], [])
        self.assertEqual(self.as_(self.other_manager, "face.attendance.log").attendance_logs()["total"], 0)
        with self.assertRaises(InvalidSighting):
            self.as_(self.other_manager, "face.camera.unit").log_attendance(self.employee.id, camera=self.cam_entry.id)
        users = self.as_(self.other_manager, "face.user.directory").users()
        self.assertEqual(users["ids"], [self.other_manager.id])
        self.assertEqual((self.employee.name, self.employee.active, self.face.active), ("Ada Test", True, True))

    def test_camera_unit_sighting(self):
        Unit = self.as_(self.device_user, "face.camera.unit")
        answer = Unit.log_attendance(self.employee.id, camera="entry", event_id="ps-unit-1")
        self.assertEqual(
            (answer["status"], answer["user_id"], answer["camera_id"]), ("created", self.employee.id, self.cam_entry.id)
        )
        self.assertEqual(
            Unit.log_attendance(self.employee.id, camera="entry", event_id="ps-unit-1")["status"], "exists"
        )
        with self.assertRaises(PersonInputError) as caught:
            Unit.log_attendance(self.employee.id, event_id="ps-unit-2")
        self.assertEqual(caught.exception.field, "camera", "several enabled cameras: the camera is required")
        with self.assertRaises(InvalidSighting):
            Unit.log_attendance(self.employee.id, camera="No such camera")
