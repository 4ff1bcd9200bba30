"""The unknown-faces review queue: similar unknown snapshots grouped, then assigned or dismissed."""

import base64

import numpy as np

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from face_attendance_daemon.engine import EngineError, decode_image, vector_from_bytes, vector_to_bytes

from .security_groups import MANAGER


class FaceRecognitionEventReview(models.Model):
    _inherit = "face.recognition.event"

    review_state = fields.Selection(
        [("pending", "To review"), ("assigned", "Assigned"), ("dismissed", "Dismissed")],
        default="pending",
        index=True,
        readonly=True,
    )
    # The snapshot's face vector, computed once when the review queue first groups it.
    snapshot_encoding = fields.Binary(attachment=False, readonly=True, groups=MANAGER)

    def _snapshot_vector(self, encoder):
        """The largest face of the snapshot as a vector, or None when none is found."""
        self.ensure_one()
        if self.snapshot_encoding:
            vector = vector_from_bytes(base64.b64decode(self.snapshot_encoding))
            if len(vector) == encoder.dimension:
                return vector
        if not self.snapshot:
            return None
        try:
            image = decode_image(base64.b64decode(self.snapshot))
        except EngineError:
            return None
        faces = encoder.detect(image)
        if not faces:
            return None
        face = max(faces, key=lambda f: f.box[2] * f.box[3])
        vector = encoder.encode(image, face)
        self.sudo().snapshot_encoding = base64.b64encode(vector_to_bytes(vector))
        return vector


class FaceUnknownGroup(models.TransientModel):
    """One group of unknown sightings that look like the same person."""

    _name = "face.unknown.group"
    _description = "Unknown faces group"
    _order = "event_count desc, last_seen desc"

    event_ids = fields.Many2many("face.recognition.event", string="Sightings")
    event_count = fields.Integer(string="Number of sightings", readonly=True)
    first_seen = fields.Datetime(readonly=True)
    last_seen = fields.Datetime(readonly=True)
    camera_names = fields.Char(string="Cameras", readonly=True)
    snapshot = fields.Image(readonly=True, max_width=256, max_height=256)
    employee_id = fields.Many2one("hr.employee", string="This person is")
    add_templates = fields.Boolean(
        string="Also enrol these faces", default=True, help="The group's snapshots become face templates of the person."
    )

    @api.model
    def _check_manager(self):
        if not self.env.user.has_group(MANAGER):
            raise AccessError(self.env._("Only Face Attendance managers review unknown faces."))

    @api.model
    def action_open_queue(self):
        """Group the pending unknown sightings afresh and show the groups."""
        self._check_manager()
        self.search([("create_uid", "=", self.env.uid)]).unlink()
        self._build_groups()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Unknown Faces to Review"),
            "res_model": self._name,
            "view_mode": "kanban,form",
            "domain": [("create_uid", "=", self.env.uid)],
            "target": "current",
        }

    @api.model
    def _build_groups(self, limit=500):
        config = self.env["face.attendance.config"]
        encoder = config._encoder()
        threshold = config._match_threshold(encoder)
        events = self.env["face.recognition.event"].search(
            [("outcome", "=", "unknown"), ("review_state", "=", "pending"), ("has_snapshot", "=", True)],
            order="sighted_at desc",
            limit=limit,
        )
        clusters = []  # [centroid, [events]]: greedy, newest first
        loose = self.env["face.recognition.event"]
        for event in events:
            vector = event._snapshot_vector(encoder)
            if vector is None:
                loose |= event
                continue
            best = None
            if clusters:
                distances = encoder.distances(vector, _stack([c[0] for c in clusters]))
                index = int(distances.argmin())
                if distances[index] <= threshold:
                    best = clusters[index]
            if best is None:
                clusters.append([vector, [event]])
            else:
                best[1].append(event)
        groups = [self.env["face.recognition.event"].concat(*members) for _c, members in clusters]
        groups += [event for event in loose]
        return self.create([self._group_vals(group) for group in groups])

    def _group_vals(self, group):
        best = group.sorted(lambda e: e.confidence or 0.0)[-1:] or group[:1]
        return {
            "event_ids": [(6, 0, group.ids)],
            "event_count": len(group),
            "first_seen": min(group.mapped("sighted_at")),
            "last_seen": max(group.mapped("sighted_at")),
            "camera_names": ", ".join(sorted(set(group.camera_id.mapped("name")))),
            "snapshot": best.snapshot,
        }

    def action_assign(self):
        self._check_manager()
        self.check_access("write")
        for group in self:
            if not group.employee_id:
                raise UserError(self.env._("Choose the person these sightings show."))
            events = group.event_ids.filtered(lambda e: e.outcome == "unknown")
            if group.add_templates:
                vals = [
                    {
                        "employee_id": group.employee_id.id,
                        "image": event.snapshot,
                        "origin": "event",
                        "source_event_id": event.id,
                    }
                    for event in events
                    if event.snapshot
                ]
                created = self.env["face.template"]
                for item in vals:
                    try:
                        created |= self.env["face.template"].create(item)
                    except UserError:
                        continue  # a snapshot too small or blurred to enrol: the sighting still counts
            if not events:
                continue
            events.sudo().write({"review_state": "assigned"})
            group.employee_id.check_access("write")
            events._assign_to_employee(group.employee_id)
            self.env["face.system.log"]._log(
                self.env._(
                    "%(count)s unknown sighting(s) assigned to %(name)s", count=len(events), name=group.employee_id.name
                ),
                category="attendance",
                action="unknown.assign",
                object_ref="hr.employee,%d" % group.employee_id.id,
            )
        self.unlink()
        return self.action_open_queue()

    def action_open_sightings(self):
        """The group's sightings in the recognition events' list (the reader's rights apply there)."""
        self._check_manager()
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id("face_attendance.face_recognition_event_action")
        action.update(
            domain=[("id", "in", self.event_ids.ids)],
            name=self.env._("Sightings of this unknown face"),
            context={},
        )
        return action

    def action_dismiss(self):
        self._check_manager()
        self.check_access("write")
        self.event_ids.sudo().write({"review_state": "dismissed"})
        self.unlink()
        return self.action_open_queue()


def _stack(vectors):
    return np.ascontiguousarray(np.stack(vectors).astype(np.float32))
