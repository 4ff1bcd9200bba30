from odoo import fields, models

from .hr_employee import FACE_STATUSES
from .security_groups import PERSON_READERS


class HrEmployeePublic(models.Model):
    """The addon's person fields on the public profile, for its users who are no HR officers.

    Odoo reads hr.employee for them through this view and refuses any stored field of hr.employee
    that the view lacks; without these, such a user failed on the first uncached read of any
    employee field, since the ORM prefetches every stored field the reader may see.
    """

    _inherit = "hr.employee.public"

    person_ref = fields.Char(string="Person ID", readonly=True, groups=PERSON_READERS)
    face_count = fields.Integer(string="Faces", readonly=True, groups=PERSON_READERS)
    face_status = fields.Selection(FACE_STATUSES, string="Face status", readonly=True, groups=PERSON_READERS)
