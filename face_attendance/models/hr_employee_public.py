from odoo import fields, models

from .hr_employee import FACE_STATUSES
from .security_groups import PERSON_READERS


class HrEmployeePublic(models.Model):
    """The addon's person fields on the public profile, for their readers who are no HR officers
    (attendance administrators, see PERSON_READERS).

    Odoo reads hr.employee for any user who is no HR officer through this view, and refuses any
    stored field of hr.employee that the view lacks and the reader may see: the ORM prefetches every
    such field, so a missing one failed the first uncached read of any employee field.
    """

    _inherit = "hr.employee.public"

    person_ref = fields.Char(string="Person ID", readonly=True, groups=PERSON_READERS)
    face_count = fields.Integer(string="Faces", readonly=True, groups=PERSON_READERS)
    face_status = fields.Selection(FACE_STATUSES, string="Face status", readonly=True, groups=PERSON_READERS)
