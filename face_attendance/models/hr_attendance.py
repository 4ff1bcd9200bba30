from odoo import fields, models


class HrAttendance(models.Model):
    _inherit = 'hr.attendance'

    in_mode = fields.Selection(selection_add=[('face', 'Face recognition')], ondelete={'face': 'set default'})
    out_mode = fields.Selection(selection_add=[('face', 'Face recognition')], ondelete={'face': 'set default'})
    face_in_event_id = fields.Many2one('face.recognition.event', string="Check-in event", readonly=True,
                                       index='btree_not_null', ondelete='set null')
    face_out_event_id = fields.Many2one('face.recognition.event', string="Check-out event", readonly=True,
                                        ondelete='set null')
    face_camera_id = fields.Many2one('face.camera', string="Camera", readonly=True, ondelete='set null')
    face_confidence = fields.Float(string="Confidence", readonly=True, digits=(4, 3), aggregator='avg')
    face_auto_closed = fields.Boolean(string="Closed automatically", readonly=True,
                                      help="Closed by the forgotten check-out rule, not by a sighting.")
    face_snapshot = fields.Image(related='face_in_event_id.snapshot', string="Snapshot", readonly=True)
