from odoo import api, fields, models


class FaceSystemLog(models.Model):
    _name = 'face.system.log'
    _description = 'Face Attendance System Log'
    _order = 'create_date desc, id desc'
    _rec_name = 'message'

    level = fields.Selection([('debug', 'Debug'), ('info', 'Info'), ('warning', 'Warning'),
                              ('error', 'Error')], required=True, default='info', index=True)
    category = fields.Selection([('sync', 'Sync'), ('api', 'API'), ('system', 'System'),
                                 ('attendance', 'Attendance')], required=True, default='system', index=True)
    message = fields.Char(required=True)
    details = fields.Json()
    user_id = fields.Many2one('res.users', default=lambda self: self.env.user, ondelete='set null')
    action = fields.Char(help="What was done, e.g. person.create.")
    object_ref = fields.Char(string="Object", help="What it was done to, e.g. hr.employee,42.")
    address = fields.Char(help="Network address of the caller.")
    api_key_name = fields.Char(string="API key")
    company_id = fields.Many2one('res.company', default=lambda self: self.env.company, index=True)

    @api.model
    def log(self, message, level='info', category='system', details=None, **extra):
        """Write a log line whatever the caller's rights: logging must never fail an operation."""
        vals = {'message': message[:1000], 'level': level, 'category': category, 'details': details,
                'user_id': self.env.uid}
        vals.update({k: v for k, v in extra.items() if k in self._fields})
        return self.sudo().create(vals)
