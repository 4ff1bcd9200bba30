import base64
import re
import threading
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from face_attendance_daemon.engine import (
    EngineError,
    Gallery,
    enrol_image,
    get_encoder,
    vector_from_bytes,
    vector_to_bytes,
)

from .security_groups import MANAGER

ENGINE_FIELDS = {
    "encoding",
    "encoder_name",
    "encoder_version",
    "face_size",
    "face_box",
    "sharpness",
    "detector_score",
    "enrol_note",
}
ORIGINS = [
    ("upload", "Upload"),
    ("webcam", "Webcam"),
    ("api", "API"),
    ("event", "From an event"),
    ("learned", "Learned from a sighting"),
]


class FaceTemplate(models.Model):
    """One enrolled face of a person: the image it was computed from and its vector."""

    _name = "face.template"
    _description = "Face Template"
    _order = "employee_id, id"

    employee_id = fields.Many2one("hr.employee", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="employee_id.company_id", store=True, index=True)
    name = fields.Char(compute="_compute_name")
    # Devices read encodings to match; the photos themselves are for managers only.
    image = fields.Image(
        required=True,
        attachment=True,
        max_width=1024,
        max_height=1024,
        verify_resolution=True,
        groups=MANAGER,
        help="The photo the template was computed from.",
    )
    encoding = fields.Binary(attachment=False, readonly=True, help="float32 little-endian vector.")
    encoder_name = fields.Char(readonly=True, index=True)
    encoder_version = fields.Char(readonly=True)
    face_size = fields.Integer(readonly=True, help="Shorter side of the face box, in pixels.")
    face_box = fields.Char(readonly=True, help="x, y, width, height of the face in the image.")
    sharpness = fields.Float(readonly=True, digits=(10, 1), help="Variance of the Laplacian; low is blurred.")
    detector_score = fields.Float(readonly=True, digits=(4, 3))
    enrol_note = fields.Char(
        string="Enrolment note",
        readonly=True,
        help="Set when the photo showed other, smaller faces: they were ignored and the largest face enrolled.",
    )
    active = fields.Boolean(default=True, index=True)
    origin = fields.Selection(ORIGINS, required=True, default="upload")
    source_event_id = fields.Many2one("face.recognition.event", ondelete="set null", readonly=True)

    def _compute_name(self):
        for template in self:
            template.name = self.env._(
                "%(person)s face #%(id)s", person=template.employee_id.name, id=template.id or ""
            )

    @api.model
    def _template_vals(self, image_b64, encoder=None):
        """Engine figures for a base64 image, or a UserError saying why the image is refused."""
        config = self.env["face.attendance.config"]
        encoder = encoder or config._encoder()
        try:
            data = base64.b64decode(image_b64, validate=True)
        except (ValueError, TypeError):
            raise UserError(self.env._("The image is not valid base64 data.")) from None
        try:
            result = enrol_image(
                encoder, data, min_face_size=config._get("min_face_size"), max_bytes=config._get("max_image_bytes")
            )
        except EngineError as error:
            raise UserError(error.message) from error
        return {
            "encoding": base64.b64encode(vector_to_bytes(result.vector)),
            "encoder_name": result.encoder_name,
            "encoder_version": result.encoder_version,
            "face_size": result.face_size,
            "face_box": ",".join(str(v) for v in result.box),
            "sharpness": result.sharpness,
            "detector_score": result.detector_score,
            "enrol_note": self._enrol_note(result.note),
        }

    @api.model
    def _enrol_note(self, engine_note):
        """The engine's note on a photo that showed smaller faces besides the enrolled one, in the
        user's language (False when the photo showed one face)."""
        if not engine_note:
            return False
        count = re.match(r"\s*(\d+)", engine_note)
        if not count:
            return engine_note
        return self.env._(
            "%(count)s smaller face(s) in the background were ignored; the largest face was enrolled.",
            count=int(count.group(1)),
        )

    def _check_consent(self, employees):
        if self.env["face.attendance.config"]._get("consent_required"):
            missing = employees.filtered(lambda e: not e.face_consent)
            if missing:
                raise UserError(
                    self.env._(
                        "Biometric consent is not recorded for %s: faces cannot be enrolled.",
                        ", ".join(missing.mapped("name")),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        # Rights first: nobody gets the engine to work on a photo they may not enrol.
        self.check_access("create")
        employees = self.env["hr.employee"].browse([v.get("employee_id") for v in vals_list if v.get("employee_id")])
        employees.check_access("write")
        self._check_consent(employees)
        # Templates are computed at once: a refused image never becomes a record, and the vector
        # always comes from the photo.
        for vals in vals_list:
            if not self.env.su and set(vals) & ENGINE_FIELDS:
                raise AccessError(self.env._("A face template's vector is computed from its photo."))
            if not self.env.su and vals.get("origin") == "learned":
                raise AccessError(self.env._("Only recognition learns faces from sightings."))
            if vals.get("image"):
                vals.update(self._template_vals(vals["image"]))
        templates = super().create(vals_list)
        self.env["face.lookalike"]._recompute_soon()
        return templates

    def write(self, vals):
        self.check_access("write")
        if not self.env.su:
            # A template belongs to one person for good, and its vector always comes from its photo:
            # moving it, or typing a vector in, would make someone else's face check them in.
            fixed = set(vals) & ({"employee_id", "source_event_id", "origin"} | ENGINE_FIELDS)
            if fixed:
                raise AccessError(
                    self.env._(
                        "%s of a face template cannot be changed: enrol a new photo instead.", ", ".join(sorted(fixed))
                    )
                )
        if vals.get("image"):
            vals = dict(vals, **self._template_vals(vals["image"]))
        result = super().write(vals)
        if "active" in vals or "image" in vals:
            self.env["face.lookalike"]._recompute_soon()
        return result

    @api.constrains("encoding", "image")
    def _check_encoded(self):
        for template in self:
            if template.image and not template.encoding:
                raise ValidationError(self.env._("A face template needs its encoding."))

    def action_face_remove_learned(self):
        """One-click removal of learned templates (managers): daemons drop them at their next sync.
        Enrolled templates are not touched here: they have their own delete."""
        if not (self.env.su or self.env.user.has_group(MANAGER)):
            raise AccessError(self.env._("Only Face Attendance managers remove learned faces."))
        learned = self.with_context(active_test=False).filtered(lambda t: t.origin == "learned")
        learned.check_access("unlink")
        learned.unlink()
        return True

    def action_reencode(self):
        """Recompute templates from their stored images with the configured encoder (after switching
        encoder): nothing is lost."""
        if not self.env.user.has_group(MANAGER):
            raise AccessError(self.env._("Only Face Attendance managers re-encode face templates."))
        self.check_access("write")
        return self._reencode(self.env["face.attendance.config"]._get("encoder"))

    def _reencode(self, encoder_name):
        encoder = get_encoder(encoder_name)
        for template in self.with_context(active_test=False):
            # The vector comes from the template's own photo, computed here: the write() guard
            # against typed-in vectors is for callers, not for this.
            template.sudo().write(template._template_vals(template.image, encoder=encoder))
        return True

    @api.model
    def gallery_sync(self, encoder_tag, since=None):
        """Templates of one encoder for the daemons, full or changed since ``since`` (UTC string).

        Returns {'templates': [...], 'removed': [ids], 'server_time': ..., 'negatives': [...],
        'removed_negatives': [ids], 'lookalikes': [employee ids], 'lookalike_margin': float}. Removed
        covers archived templates and templates of archived persons, so a daemon drops them within one
        sync; negatives likewise. Look-alikes are always the full current list.
        """
        daemon_model = self.env["face.daemon"]
        daemon_model._check_device_access()
        if not isinstance(encoder_tag, str) or len(encoder_tag) > 128:
            raise ValidationError(self.env._("encoder_tag is a string such as sface:1."))
        if since not in (None, False) and not isinstance(since, str):
            raise ValidationError(self.env._("since is a date-time string from a previous sync."))
        name, _sep, version = (encoder_tag or "").partition(":")
        # A transaction that started before this one but commits after it carries write dates
        # earlier than now: the next sync starts a margin back so that it cannot be missed
        # (sending a template twice is harmless).
        server_time = fields.Datetime.now() - timedelta(minutes=10)
        domain = [("encoder_name", "=", name), ("encoder_version", "=", version)]
        if since:
            try:
                since_dt = fields.Datetime.to_datetime(since)
            except ValueError:
                raise ValidationError(self.env._("since is a date-time string from a previous sync.")) from None
            domain = domain + ["|", ("write_date", ">=", since_dt), ("employee_id.write_date", ">=", since_dt)]
        records = (
            self.sudo().with_context(active_test=False).search(domain + [("company_id", "in", self.env.companies.ids)])
        )
        live = records.filtered(lambda t: t.active and t.employee_id.active)
        result = {
            "templates": [
                {
                    "id": t.id,
                    "employee_id": t.employee_id.id,
                    "person_id": t.employee_id.person_ref,
                    "name": t.employee_id.name,
                    "encoding": t.encoding.decode() if isinstance(t.encoding, bytes) else t.encoding,
                    "origin": t.origin,
                }
                for t in live
            ],
            "removed": (records - live).ids,
            "server_time": fields.Datetime.to_string(server_time),
        }
        result.update(self._sync_negatives(name, version, since and since_dt))
        if since:
            tombstones = (
                self.env["face.template.tombstone"]
                .sudo()
                .search(
                    [
                        ("create_date", ">=", since_dt),
                        # Tombstones written before they carried a company are everybody's.
                        "|",
                        ("company_id", "in", self.env.companies.ids),
                        ("company_id", "=", False),
                    ]
                )
            )
            result["removed"] += tombstones.mapped("template_id")
            result["removed_employees"] = sorted(set(tombstones.mapped("employee_id")) - {0})
        return result

    @api.model
    def _sync_negatives(self, name, version, since_dt):
        """gallery_sync's negatives, removed negatives and look-alikes, scoped to the caller's companies
        exactly as its templates are."""
        companies = self.env.companies.ids
        domain = [("encoder_name", "=", name), ("encoder_version", "=", version), ("company_id", "in", companies)]
        if since_dt:
            domain = domain + ["|", ("write_date", ">=", since_dt), ("employee_id.write_date", ">=", since_dt)]
        negatives = self.env["face.negative"].sudo().search(domain)
        live = negatives.filtered(lambda n: n.employee_id.active)
        removed = (negatives - live).ids
        if since_dt:
            tombstones = (
                self.env["face.negative.tombstone"]
                .sudo()
                .search([("create_date", ">=", since_dt), ("company_id", "in", companies)])
            )
            removed += tombstones.mapped("negative_id")
        lookalikes = (
            self.env["hr.employee"].sudo().search([("face_is_lookalike", "=", True), ("company_id", "in", companies)])
        )
        return {
            "negatives": [
                {
                    "id": n.id,
                    "employee_id": n.employee_id.id,
                    "encoding": n.encoding.decode() if isinstance(n.encoding, bytes) else n.encoding,
                }
                for n in live
            ],
            "removed_negatives": removed,
            "lookalikes": lookalikes.ids,
            "lookalike_margin": self.env["face.attendance.config"]._get("lookalike_margin"),
        }

    def unlink(self):
        self.check_access("unlink")
        # Daemons learn about deleted templates from tombstones during incremental sync.
        self.env["face.template.tombstone"].sudo().create(
            [{"template_id": t.id, "employee_id": t.employee_id.id, "company_id": t.company_id.id} for t in self]
        )
        result = super().unlink()
        self.env["face.lookalike"]._recompute_soon()
        return result


class FaceTemplateTombstone(models.Model):
    _name = "face.template.tombstone"
    _description = "Deleted face template (for daemon sync)"
    _log_access = True

    template_id = fields.Integer(required=True, index=True)
    # Plain ids, kept after the person and the company are gone: whose face it was (a camera unit
    # forgets a person whose last face went) and which companies' devices may hear of it.
    employee_id = fields.Integer()
    company_id = fields.Integer(index=True)


# Galleries built in this Odoo process for /recognize, per database, encoder and companies; rebuilt
# when the templates' fingerprint changes (count and id sums catch a rolled-back or replaced
# template whose write date alone would not).
_GALLERIES = {}
_GALLERIES_LOCK = threading.Lock()


class FaceTemplateGallery(models.AbstractModel):
    _name = "face.template.gallery"
    _description = "Face gallery for recognition inside Odoo"

    @api.model
    def _get(self, encoder):
        """An engine Gallery of the active templates (enrolled and learned) of ``encoder`` in the user's
        companies, with their negatives and look-alikes. Person keys are employee ids. Rebuilt only when
        one of those changed.
        """
        companies = tuple(sorted(self.env.companies.ids))
        self.env.cr.execute(
            """
            SELECT count(t.id), sum(t.id), sum(t.employee_id), max(t.write_date), max(e.write_date)
              FROM face_template t JOIN hr_employee e ON e.id = t.employee_id
             WHERE t.active AND e.active AND t.encoder_name = %s AND t.encoder_version = %s
               AND t.company_id IN %s""",
            [encoder.name, encoder.version, companies],
        )
        fingerprint = self.env.cr.fetchone()
        # Negatives and look-alikes change the answers too (issue 25).
        self.env.cr.execute(
            """
            SELECT count(n.id), sum(n.id), max(n.write_date)
              FROM face_negative n
             WHERE n.encoder_name = %s AND n.encoder_version = %s AND n.company_id IN %s""",
            [encoder.name, encoder.version, companies],
        )
        negatives_fingerprint = self.env.cr.fetchone()
        lookalikes = (
            self.env["hr.employee"]
            .sudo()
            .search([("face_is_lookalike", "=", True), ("company_id", "in", list(companies))], order="id")
        )
        margin = self.env["face.attendance.config"]._get("lookalike_margin")
        fingerprint = (fingerprint, negatives_fingerprint, tuple(lookalikes.ids), margin)
        cache_key = (self.env.cr.dbname, encoder.tag, companies)
        with _GALLERIES_LOCK:
            cached = _GALLERIES.get(cache_key)
        if cached and cached[0] == fingerprint:
            return cached[1]
        gallery = Gallery(encoder)
        gallery.replace(self._rows("face.template", encoder, companies))
        gallery.replace_negatives(self._rows("face.negative", encoder, companies))
        gallery.set_lookalikes(lookalikes.ids, margin)
        with _GALLERIES_LOCK:
            _GALLERIES[cache_key] = (fingerprint, gallery)
        return gallery

    @api.model
    def _rows(self, model, encoder, companies):
        """(id, employee id, vector) of the active records of ``model`` (templates or negatives) of
        ``encoder`` whose persons are active, in ``companies``."""
        records = (
            self.env[model]
            .sudo()
            .search(
                [
                    ("encoder_name", "=", encoder.name),
                    ("encoder_version", "=", encoder.version),
                    ("company_id", "in", list(companies)),
                    ("employee_id.active", "=", True),
                ]
            )
        )
        return [
            (r.id, r.employee_id.id, vector_from_bytes(base64.b64decode(r.encoding))) for r in records if r.encoding
        ]
