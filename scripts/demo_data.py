# Run inside `odoo-bin shell` (scripts/run.sh --demo): demo persons enrolled from the shared
# LFW photos (never copied into the product), demo cameras, and a device user for the daemon.
import base64
import os

from odoo.addons.face_attendance.models.odoo_compat import USER_GROUPS

FACES = os.environ.get("FA_FACES_DIR", "")
PEOPLE = ["George_W_Bush", "Hugo_Chavez", "Kofi_Annan", "Jackie_Chan", "Winona_Ryder", "Gordon_Brown"]

Employee = env["hr.employee"]
for number, folder in enumerate(PEOPLE, start=1):
    ref = "DEMO%03d" % number
    employee = Employee.search([("person_ref", "=", ref)], limit=1) or Employee.create(
        {
            "name": folder.replace("_", " "),
            "person_ref": ref,
            "work_email": "%s@example.com" % folder.lower(),
            "face_consent": True,
        }
    )
    if not employee.face_count:
        for photo in (1, 2, 3):
            path = os.path.join(FACES, "known", folder, "%s_%04d.jpg" % (folder, photo))
            with open(path, "rb") as handle:
                env["face.template"].create({"employee_id": employee.id, "image": base64.b64encode(handle.read())})
    print("%s %s: %d face(s)" % (ref, employee.name, employee.face_count))

Camera = env["face.camera"]
for name, direction in (("Demo entrance", "entry"), ("Demo exit", "exit"), ("Demo hall", "both")):
    if not Camera.search([("name", "=", name)]):
        Camera.create(
            {
                "name": name,
                "source_type": "file",
                "source": "var/demo/%s.mp4" % direction,
                "direction": direction,
                "location": "Demo",
            }
        )

device = env["res.users"].search([("login", "=", "face-daemon")], limit=1)
if not device:
    device = env["res.users"].create(
        {
            "name": "Face daemon",
            "login": "face-daemon",
            "password": "face-daemon-demo",
            USER_GROUPS: [(6, 0, [env.ref("face_attendance.group_face_attendance_device").id])],
        }
    )
# The demo daemon (scripts/run.sh --demo starts it) serves the three demo cameras.
daemon = env["face.daemon"].search([("name", "=", "demo")], limit=1) or env["face.daemon"].create(
    {"name": "demo", "user_id": device.id}
)
Camera.search([("location", "=", "Demo")]).write({"daemon_id": daemon.id})
# The daemon signs in with an Odoo API key of its user (JSON-2 on Odoo 19, the XML-RPC password on
# 18): made once, kept readable by this user only, never printed.
key_file = os.environ.get("FA_DEMO_KEY_FILE")
if key_file and not os.path.exists(key_file):
    Keys = env["res.users.apikeys"].with_user(device).sudo()
    Keys.search([("user_id", "=", device.id), ("name", "=", "demo daemon")])._remove()
    secret = Keys._generate(None, "demo daemon", None)
    os.makedirs(os.path.dirname(key_file), exist_ok=True)
    with open(os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
        handle.write(secret)
env.cr.commit()
print("demo data ready")
