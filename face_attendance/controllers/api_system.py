import time

from odoo import fields, http
from odoo.exceptions import ValidationError
from odoo.http import request

from ..models.face_config import SETTINGS
from ..models.security_groups import MANAGER, USER
from .api_common import API_VERSION, ApiError, api_route, audit, bad_request, iso, json_body, json_response, ok, paging
from .openapi_spec import DATETIME, PAGING, json_content, obj, operation, page, query, s

_STARTED = time.time()


class FaceApiSystem(http.Controller):
    @api_route(
        "/health",
        ["GET"],
        public=True,
        doc=operation(
            "Health, with the database state",
            "System",
            None,
            200,
            None,
            extra_errors=["503"],
            ok_content=json_content(
                obj(
                    {
                        "success": s("boolean"),
                        "status": s("string"),
                        "timestamp": DATETIME,
                        "version": s("string"),
                        "database": s("string"),
                    }
                )
            ),
        ),
    )
    def health(self):
        try:
            request.env.cr.execute("SELECT 1")
            database = "connected"
        except Exception:  # the answer must say the database is down, not crash
            database = "unavailable"
        healthy = database == "connected"
        return json_response(
            {
                "success": healthy,
                "status": "healthy" if healthy else "unhealthy",
                "timestamp": iso(fields.Datetime.now()),
                "version": API_VERSION,
                "database": database,
            },
            status=200 if healthy else 503,
        )

    @api_route(
        "/status",
        ["GET"],
        scope="config:read",
        doc=operation(
            "Daemons and cameras, uptime",
            "System",
            "config:read",
            200,
            obj(
                {
                    "uptime_seconds": s("integer"),
                    "daemons": s("array", items=s("object")),
                    "cameras": s("array", items=s("object")),
                    "running_daemons": s("integer"),
                    "running_cameras": s("integer"),
                }
            ),
        ),
    )
    def status(self):
        daemons = request.env["face.daemon"].search([])
        cameras = request.env["face.camera"].search([])
        return ok(
            {
                "uptime_seconds": int(time.time() - _STARTED),
                "daemons": [
                    {
                        "id": d.id,
                        "name": d.name,
                        "status": d.status,
                        "host": d.host,
                        "version": d.version,
                        "last_heartbeat": iso(d.last_heartbeat),
                    }
                    for d in daemons
                ],
                "cameras": [
                    {
                        "id": c.id,
                        "name": c.name,
                        "status": c.status,
                        "direction": c.direction,
                        "source_type": c.source_type,
                        "fps": c.fps,
                        "last_frame_at": iso(c.last_frame_at),
                        "daemon_id": c.daemon_id.id or None,
                    }
                    for c in cameras
                ],
                "running_daemons": len(daemons.filtered(lambda d: d.status == "online")),
                "running_cameras": len(cameras.filtered(lambda c: c.status == "online")),
            }
        )

    @api_route(
        "/keys",
        ["GET"],
        scope="keys:read",
        doc=operation(
            "API keys (never their secrets)",
            "System",
            "keys:read",
            200,
            page("keys", s("object")),
            PAGING + [query("status", s("string", enum=["active", "inactive", "revoked"]))],
        ),
    )
    def keys(self, **params):
        limit, offset = paging(params)
        domain = []
        if params.get("status"):
            if params["status"] not in ("active", "inactive", "revoked"):
                raise bad_request("status must be active, inactive or revoked.")
            domain.append(("state", "=", params["status"]))
        keys = request.env["face.api.key"].search(domain, limit=limit, offset=offset)
        return ok(
            {
                "keys": [k._api_dict() for k in keys],
                "total": request.env["face.api.key"].search_count(domain),
                "limit": limit,
                "offset": offset,
            }
        )

    @api_route(
        "/logs",
        ["GET"],
        scope="logs:read",
        doc=operation(
            "System log",
            "System",
            "logs:read",
            200,
            page("logs", s("object")),
            PAGING
            + [
                query("level", s("string", enum=["debug", "info", "warning", "error"])),
                query("category", s("string", enum=["sync", "api", "system", "attendance"])),
            ],
        ),
    )
    def logs(self, **params):
        limit, offset = paging(params)
        Log = request.env["face.system.log"]
        domain = []
        for name in ("level", "category"):
            if params.get(name):
                allowed = [v for v, _label in Log._fields[name].selection]
                if params[name] not in allowed:
                    raise bad_request("%s must be one of %s." % (name, ", ".join(allowed)))
                domain.append((name, "=", params[name]))
        records = Log.search(domain, limit=limit, offset=offset)
        return ok(
            {
                "logs": [
                    {
                        "id": r.id,
                        "timestamp": iso(r.create_date),
                        "level": r.level,
                        "category": r.category,
                        "message": r.message,
                        "details": r.details,
                        "action": r.action,
                        "object": r.object_ref,
                        "user": r.user_id.login,
                        "api_key": r.api_key_name,
                        "address": r.address,
                    }
                    for r in records
                ],
                "total": Log.search_count(domain),
                "limit": limit,
                "offset": offset,
            }
        )

    @api_route(
        "/config",
        ["GET"],
        scope="config:read",
        doc=operation(
            "Settings with their descriptions",
            "System",
            "config:read",
            200,
            obj({"settings": s("array", items=s("object"))}),
        ),
    )
    def config_get(self):
        if not request.env.user.has_group(USER):
            raise ApiError(403, "FORBIDDEN", "Only Face Attendance users read its settings.")
        config = request.env["face.attendance.config"]
        described = config._describe()
        values = config._get_all()
        return ok({"settings": [dict(described[key], key=key, value=values[key]) for key in sorted(described)]})

    @api_route(
        "/config",
        ["POST"],
        scope="config:write",
        doc=operation(
            "Change one setting (managers)",
            "System",
            "config:write",
            200,
            obj({"key": s("string"), "value": {}}),
            body=json_content(
                {
                    "type": "object",
                    "required": ["key", "value"],
                    "additionalProperties": False,
                    "properties": {
                        "key": s("string", enum=sorted(SETTINGS)),
                        "value": {},
                        "description": s("string"),
                    },
                }
            ),
        ),
    )
    def config_set(self):
        body = json_body(required=("key", "value"), optional=("description",))
        if not isinstance(body["key"], str):
            raise bad_request("key must be a string.")
        config = request.env["face.attendance.config"]
        if not request.env.user.has_group(MANAGER):
            raise ApiError(403, "FORBIDDEN", "Only face attendance managers change settings.")
        if body["key"] not in config._describe():
            raise bad_request("Unknown setting %r." % body["key"], known=sorted(config._describe()))
        try:
            value = config.set(body["key"], body["value"])
        except ValidationError as error:
            raise bad_request(str(error.args[0]), key=body["key"]) from None
        audit("config.set", "setting,%s" % body["key"], "Setting %s changed" % body["key"], {"value": value})
        return ok({"key": body["key"], "value": value})
