"""A person's name in two parts, for the APIs of the older backends (first name, last name).

Odoo keeps one name per employee. The parts given through those APIs are kept beside it, so that
what a client wrote is what it reads back ("Ludwig" + "van Beethoven" stays so); once the name is
changed in Odoo the kept parts no longer join to it and the name is split instead, at its last space.
"""

from odoo import fields, models


def join_name(first, last):
    """The employee's name: both parts, trimmed, one space between them; an empty part is left out."""
    return " ".join(part for part in (" ".join((first or "").split()), " ".join((last or "").split())) if part)


def split_name(name):
    """(first, last) of a name: the last word is the last name, the rest the first name (one word:
    a first name and an empty last name)."""
    words = (name or "").split()
    if len(words) < 2:
        return (words[0] if words else ""), ""
    return " ".join(words[:-1]), words[-1]


class HrEmployeeNames(models.Model):
    _inherit = "hr.employee"

    face_first_name = fields.Char(string="First name (API)", copy=False, groups="hr.group_hr_user")
    face_last_name = fields.Char(string="Last name (API)", copy=False, groups="hr.group_hr_user")

    def _name_parts(self):
        """(first, last) of this employee as the compatibility APIs show it."""
        self.ensure_one()
        first, last = self.sudo().face_first_name, self.sudo().face_last_name
        if (first or last) and join_name(first, last) == self.name:
            return first or "", last or ""
        return split_name(self.name)
