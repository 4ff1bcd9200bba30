from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    face_learning_enabled = fields.Boolean(
        string="Learn from sightings",
        default=True,
        help="Confirmed, confident sightings of good quality become learned face templates of their person "
        "(a few per person). Off: nothing more is learned; learned templates already kept stay until removed.",
    )
