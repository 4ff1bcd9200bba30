"""Which persons are look-alikes: pairs of the same company whose centroids, per encoder, are closer
than the look-alike distance.

One centroid matrix per company and encoder (from every active template, enrolled and learned), the
distances computed a block of rows at a time so that a large company never needs the whole square
matrix in memory; only the pairs under the bound are kept.
"""

import base64
import logging
from collections import defaultdict

import numpy as np

from odoo import api, models

from face_attendance_daemon.engine import EngineError, Gallery, get_encoder, vector_from_bytes

_logger = logging.getLogger(__name__)

# Rows of the centroid matrix compared at once: 512 x 50k persons stays near 100 MB of float32.
BLOCK_ROWS = 512


def close_pairs(encoder, keys, matrix, bound):
    """Pairs (key_a, key_b), key_a before key_b in ``keys``, whose rows of ``matrix`` are closer than
    ``bound`` by the encoder's distance."""
    pairs = []
    count = len(keys)
    if count < 2 or bound <= 0:
        return pairs
    matrix = np.asarray(matrix, dtype=np.float32)
    for start in range(0, count, BLOCK_ROWS):
        block = np.asarray(encoder.distance_matrix(matrix[start : start + BLOCK_ROWS], matrix))
        rows, columns = np.nonzero(block < bound)
        for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
            i = start + row
            if i < column:
                pairs.append((keys[i], keys[column]))
    return pairs


class FaceLookalike(models.AbstractModel):
    _name = "face.lookalike"
    _description = "Face look-alike detection"

    @api.model
    def _bound(self, encoder):
        """The look-alike distance of ``encoder``: the setting, else the encoder's own default."""
        configured = self.env["face.attendance.config"]._get("lookalike_distance")
        if configured:
            return configured
        default = getattr(encoder, "lookalike_distance", None)
        # An engine without its own figure: a fraction of the match threshold, well inside it.
        return default if default else 0.8 * encoder.default_threshold

    @api.model
    def _encoders(self, names):
        encoders = {}
        for name in names:
            try:
                encoders[name] = get_encoder(name)
            except (EngineError, ImportError, OSError) as error:
                # Templates of an encoder this server cannot load (dlib not installed): not compared.
                _logger.warning("Look-alikes: encoder %s unavailable, its templates are skipped: %s", name, error)
        return encoders

    @api.model
    def _pairs(self, companies):
        """{employee id: set of look-alike employee ids} of ``companies`` (sudo: the caller was checked)."""
        self.env["face.template"].flush_model(["active", "encoding", "encoder_name", "encoder_version", "company_id"])
        self.env["hr.employee"].flush_model(["active"])
        self.env.cr.execute(
            """
            SELECT t.company_id, t.encoder_name, t.encoder_version, t.id, t.employee_id, t.encoding
              FROM face_template t JOIN hr_employee e ON e.id = t.employee_id
             WHERE t.active AND e.active AND t.encoding IS NOT NULL AND t.company_id IN %s
             ORDER BY t.id""",
            [tuple(companies.ids) or (0,)],
        )
        groups = defaultdict(list)
        for company_id, name, version, template_id, employee_id, encoding in self.env.cr.fetchall():
            groups[(company_id, name, version)].append((template_id, employee_id, encoding))
        encoders = self._encoders({name for _company, name, _version in groups})
        found = defaultdict(set)
        for (_company, name, version), rows in groups.items():
            encoder = encoders.get(name)
            if encoder is None or encoder.version != version:
                continue  # stale templates of an older model version: they match nothing either
            gallery = Gallery(encoder)
            gallery.replace(
                (template_id, employee_id, vector_from_bytes(base64.b64decode(bytes(encoding))))
                for template_id, employee_id, encoding in rows
            )
            keys, matrix = gallery.centroids()
            for a, b in close_pairs(encoder, list(keys), matrix, self._bound(encoder)):
                found[a].add(b)
                found[b].add(a)
        return found

    @api.model
    def _recompute(self, companies=None):
        """Flags of the persons of ``companies`` (all by default) brought up to date; answers how many
        persons are look-alikes now."""
        Employee = self.env["hr.employee"].sudo().with_context(active_test=False)
        companies = companies if companies is not None else self.env["res.company"].sudo().search([])
        found = self._pairs(companies)
        flagged = Employee.search([("company_id", "in", companies.ids), ("face_is_lookalike", "=", True)])
        for employee in flagged | Employee.browse(list(found)):
            wanted = found.get(employee.id, set())
            if set(employee.face_lookalike_ids.ids) != wanted or employee.face_is_lookalike != bool(wanted):
                employee.write({"face_lookalike_ids": [(6, 0, sorted(wanted))], "face_is_lookalike": bool(wanted)})
        return len(found)

    @api.model
    def _cron_recompute(self):
        self._recompute()

    @api.model
    def _recompute_soon(self):
        """Templates changed: the flags (and the daemons' margins) follow within the cron's next run
        rather than within the hour."""
        cron = self.env.ref("face_attendance.ir_cron_recompute_lookalikes", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()

    @api.model
    def _nearby(self, gallery, encoder, person_key):
        """The other persons of ``gallery`` whose centroid is within the look-alike distance of
        ``person_key``'s: the same rule as the flags, asked at the moment of a recognition (a person
        enrolled since the last recomputation is covered at once)."""
        keys, matrix = gallery.centroids()
        keys = list(keys)
        if person_key not in keys or len(keys) < 2:
            return []
        matrix = np.asarray(matrix, dtype=np.float32)
        index = keys.index(person_key)
        distances = np.asarray(encoder.distance_matrix(matrix[index : index + 1], matrix))[0]
        bound = self._bound(encoder)
        return [keys[i] for i in np.nonzero(distances < bound)[0].tolist() if i != index]

    @api.model
    def _refused_person(self, gallery, encoder, vector, distance):
        """Whom the gallery refused as a look-alike (short of the cameras' margin): the person whose
        centroid lies at the refused ``distance`` from ``vector``. None if nobody does."""
        keys, matrix = gallery.centroids()
        if not len(keys):
            return None
        distances = np.asarray(encoder.distance_matrix(np.asarray(vector, dtype=np.float32)[None, :], matrix))[0]
        index = int(np.argmin(np.abs(distances - distance)))
        return keys[index] if abs(float(distances[index]) - distance) < 1e-4 else None

    @api.model
    def _distances(self, gallery, encoder, vector, person_keys):
        """{person_key: distance from ``vector`` to their centroid} for those of ``person_keys`` in the gallery."""
        keys, matrix = gallery.centroids()
        index = {key: i for i, key in enumerate(keys)}
        wanted = [key for key in person_keys if key in index]
        if not wanted:
            return {}
        rows = np.asarray(matrix, dtype=np.float32)[[index[key] for key in wanted]]
        distances = np.asarray(encoder.distance_matrix(np.asarray(vector, dtype=np.float32)[None, :], rows))[0]
        return {key: float(distance) for key, distance in zip(wanted, distances.tolist(), strict=True)}
