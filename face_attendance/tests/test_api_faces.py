"""/faces over real HTTP: face profiles are the persons of /persons, enrolled from multipart uploads."""

import cv2
import numpy as np

from odoo.tests import new_test_user, tagged

from .common import ApiCase, face_photo
from .test_api_security import png_claiming


def gray_jpeg():
    return cv2.imencode(".jpg", np.full((240, 240, 3), 128, np.uint8))[1].tobytes()


def jpg(person, number):
    return ("%s_%d.jpg" % (person, number), face_photo(person, number), "image/jpeg")


@tagged("post_install", "-at_install", "face_attendance")
class TestApiFaces(ApiCase):
    def faces(self, method, path, form=None, images=(), key=None, field="images"):
        files = [(field, image) for image in images] or None
        if files is None and form is not None:
            # A multipart body even without a file: requests sends form fields urlencoded otherwise.
            files = [("images", ("", b"", "application/octet-stream"))]
        return self.api(method, path, raw=form, files=files, key=key)

    def test_create_profile_with_images_is_a_person(self):
        response, payload = self.faces(
            "POST",
            "/faces",
            {"name": "Kofi Annan", "employeeId": "FACE-KA", "department": "Diplomacy"},
            [jpg("Kofi_Annan", 1), jpg("Kofi_Annan", 2)],
        )
        self.assertEqual(response.status_code, 201, payload)
        profile = payload["data"]
        self.assertEqual((profile["id"], profile["employeeId"]), ("FACE-KA", "FACE-KA"))
        self.assertEqual((profile["status"], profile["imageCount"], profile["department"]), ("active", 2, "Diplomacy"))
        self.assertEqual(len(profile["images"]), 2)
        self.assertGreater(profile["images"][0]["quality"]["faceSize"], 0)
        # The same person and templates as /persons.
        response, payload = self.api("GET", "/persons/FACE-KA")
        self.assertEqual(payload["data"]["face_count"], 2)
        self.assertEqual(payload["data"]["metadata"]["employee_id"], profile["odooEmployeeId"])
        # images[] is accepted as well as images.
        response, payload = self.faces(
            "POST", "/faces", {"name": "Second", "employeeId": "FACE-2"}, [jpg("Kofi_Annan", 3)], field="images[]"
        )
        self.assertEqual((response.status_code, payload["data"]["imageCount"]), (201, 1), payload)
        response, payload = self.api("GET", "/faces?status=active&search=FACE-&pageSize=1&page=2")
        self.assertEqual(payload["meta"], {"page": 2, "pageSize": 1, "total": 2, "totalPages": 2}, payload)
        self.assertEqual([p["id"] for p in payload["data"]], ["FACE-KA"])
        response, payload = self.api("GET", "/faces?department=Diplo")
        self.assertEqual([p["id"] for p in payload["data"]], ["FACE-KA"])
        response, payload = self.faces("POST", "/faces", {"name": "Again", "employeeId": "FACE-KA"})
        self.assertError(response, payload, 409, "CONFLICT")

    def test_six_images_are_refused(self):
        photos = [jpg("Kofi_Annan", n) for n in range(1, 4)] * 2
        response, payload = self.faces("POST", "/faces", {"name": "Six", "employeeId": "FACE-6"}, photos)
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        self.assertEqual(payload["error"]["details"]["field"], "images")
        self.assertIn("at most 5", payload["error"]["message"])
        # Five and one, under two names: still six in one request.
        response, payload = self.api(
            "POST",
            "/faces",
            raw={"name": "Six", "employeeId": "FACE-6"},
            files=[("images", photo) for photo in photos[:5]] + [("images[]", photos[5])],
        )
        self.assertError(response, payload, 422, "UNPROCESSABLE")
        self.assertIn("At most 5 images per request, not 6", payload["error"]["message"])
        self.assertFalse(
            self.env["hr.employee"].with_context(active_test=False).search([("person_ref", "=", "FACE-6")])
        )

    def test_a_refused_image_saves_nothing_and_is_named(self):
        response, payload = self.faces(
            "POST",
            "/faces",
            {"name": "Mixed", "employeeId": "FACE-MIX"},
            [
                jpg("Kofi_Annan", 1),
                ("gray.jpg", gray_jpeg(), "image/jpeg"),
                ("text.jpg", b"not an image", "image/jpeg"),
            ],
        )
        self.assertError(response, payload, 422, "NO_FACE")
        refused = payload["error"]["details"]["images"]
        self.assertEqual(
            [(r["index"], r["filename"], r["code"]) for r in refused],
            [
                (1, "gray.jpg", "NO_FACE"),
                (2, "text.jpg", "NOT_AN_IMAGE"),
            ],
        )
        self.assertIn("2 of 3 images were refused", payload["error"]["message"])
        self.assertFalse(self.env["hr.employee"].search([("person_ref", "=", "FACE-MIX")]))
        # One hostile image: the same error as /persons/{id}/register-face, measured before decoding.
        response, payload = self.faces(
            "POST",
            "/faces",
            {"name": "Bomb", "employeeId": "FACE-BOMB"},
            [("b.png", png_claiming(30000, 30000), "image/png")],
        )
        self.assertError(response, payload, 413, "IMAGE_TOO_LARGE")
        self.assertEqual(payload["error"]["details"]["images"][0]["details"]["width"], 30000)
        response, payload = self.api("POST", "/faces", {"name": "Json", "employeeId": "FACE-J"})
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        response, payload = self.faces("POST", "/faces", {"name": "X", "employeeId": "FACE-X", "colour": "red"})
        self.assertError(response, payload, 400, "VALIDATION_ERROR")
        self.assertEqual(payload["error"]["details"]["unknown_fields"], ["colour"])

    def test_images_added_listed_deleted(self):
        response, payload = self.faces("POST", "/faces", {"name": "Later", "employeeId": "FACE-L"})
        self.assertEqual((response.status_code, payload["data"]["status"]), (201, "pending"), payload)
        response, payload = self.faces("POST", "/faces/FACE-L/images", {}, [jpg("Kofi_Annan", 1), jpg("Kofi_Annan", 2)])
        self.assertEqual((response.status_code, payload["data"]["added"], payload["data"]["imageCount"]), (201, 2, 2))
        response, payload = self.api("GET", "/faces/FACE-L/images")
        images = payload["data"]
        self.assertEqual((payload["meta"]["total"], images[0]["profileId"]), (2, "FACE-L"))
        self.assertNotIn("image", images[0])
        response, payload = self.faces("POST", "/faces/FACE-L/images", {}, [("gray.jpg", gray_jpeg(), "image/jpeg")])
        self.assertError(response, payload, 422, "NO_FACE")
        response, payload = self.api("DELETE", "/faces/FACE-L/images/%d" % images[0]["id"])
        self.assertEqual(payload["data"], {"id": "FACE-L", "imageId": images[0]["id"], "imageCount": 1})
        response, payload = self.api("DELETE", "/faces/FACE-L/images/%d" % images[0]["id"])
        self.assertError(response, payload, 404, "NOT_FOUND")
        response, payload = self.api("GET", "/faces/FACE-L")
        self.assertEqual((payload["data"]["status"], payload["data"]["imageCount"]), ("active", 1))
        response, payload = self.api("PUT", "/faces/FACE-L", {"status": "archived", "position": "Clerk"})
        self.assertEqual((payload["data"]["status"], payload["data"]["position"]), ("archived", "Clerk"), payload)
        response, payload = self.api("GET", "/faces?status=archived")
        self.assertEqual([p["id"] for p in payload["data"]], ["FACE-L"])
        response, payload = self.api("DELETE", "/faces/FACE-L?erase=true")
        self.assertEqual(payload["data"], {"id": "FACE-L", "status": "archived", "biometricDataErased": True})
        employee = self.env["hr.employee"].with_context(active_test=False).search([("person_ref", "=", "FACE-L")])
        self.assertEqual(employee.face_count, 0)

    def test_scopes_and_companies(self):
        Key = self.env["face.api.key"]
        _key, writer = Key._generate("writer", self.manager, "person:write")
        response, payload = self.faces(
            "POST", "/faces", {"name": "W", "employeeId": "FACE-W"}, [jpg("Kofi_Annan", 1)], key=writer
        )
        self.assertError(response, payload, 403, "FORBIDDEN")
        self.assertEqual(payload["error"]["details"]["required_scope"], "face:write")
        response, payload = self.faces("POST", "/faces", {"name": "W", "employeeId": "FACE-W"}, key=writer)
        self.assertEqual(response.status_code, 201, payload)
        response, payload = self.faces(
            "POST", "/faces/FACE-W/images", {}, [jpg("Kofi_Annan", 1)], key=self.reader_secret
        )
        self.assertError(response, payload, 403, "FORBIDDEN")
        # A Face Attendance user (not a manager) may not enrol, whatever the key's scopes.
        clerk = new_test_user(
            self.env, login="fa_faces_clerk", groups="base.group_user,face_attendance.group_face_attendance_user"
        )
        _key, clerk_key = Key._generate("clerk", clerk, "*")
        response, payload = self.faces("POST", "/faces/FACE-W/images", {}, [jpg("Kofi_Annan", 1)], key=clerk_key)
        self.assertError(response, payload, 403, "FORBIDDEN")
        other = self.env["res.company"].create({"name": "Faces Other Co"})
        boss = new_test_user(
            self.env,
            login="fa_faces_other",
            groups="base.group_user,face_attendance.group_face_attendance_manager",
            company_id=other.id,
            company_ids=[(6, 0, [other.id])],
        )
        _key, boss_key = Key._generate("other", boss, "*", company=other)
        response, payload = self.api("GET", "/faces", key=boss_key)
        self.assertEqual(payload["meta"]["total"], 0, payload)
        for method, path in (("GET", "/faces/FACE-W"), ("GET", "/faces/FACE-W/images"), ("DELETE", "/faces/FACE-W")):
            response, payload = self.api(method, path, key=boss_key)
            self.assertError(response, payload, 404, "NOT_FOUND")
        # The same person ID in the other company is another person.
        response, payload = self.faces("POST", "/faces", {"name": "Twin", "employeeId": "FACE-W"}, key=boss_key)
        self.assertEqual(response.status_code, 201, payload)
