import hashlib
import hmac
import os
import secrets
import threading
import time
from datetime import datetime, timedelta

import psycopg2

from odoo import SUPERUSER_ID, api, fields, models, sql_db, tools
from odoo.exceptions import AccessError, UserError, ValidationError

from .api_errors import InputError
from .face_event_ingest import in_test_transaction
from .odoo_compat import USER_ALL_GROUPS, unique
from .security_groups import DEVICE, MANAGER, USER

SCOPES = (
    "*",
    "person:read",
    "person:write",
    "face:write",
    "attendance:read",
    "attendance:write",
    "report:read",
    "config:read",
    "config:write",
    "logs:read",
    "keys:read",
    "events:write",
    "camera:read",
    "camera:write",
    "recognize",
    "alerts:read",
    "alerts:write",
    "users:read",
    "gallery:read",
    "preferences:write",
)
KEY_PREFIX = "fa"
KINDS = [("api", "API key"), ("access", "Access token"), ("refresh", "Refresh token")]
# Sign-in tokens: an access token serves requests for a short while, its refresh token only buys
# the next pair (and is revoked when it does).
ACCESS_TOKEN_SECONDS = 15 * 60
REFRESH_TOKEN_SECONDS = 7 * 24 * 3600
# Expired sign-in tokens are kept this long after expiry (a reused refresh token is recognised
# until then), then deleted by the autovacuum.
TOKEN_KEEP_SECONDS = 24 * 3600
# A sign-in session (every pair refreshed from one password check) ends this many days after the
# password was checked, however often it is refreshed (ir.config_parameter overrides it).
SESSION_MAX_DAYS_PARAM = "face_attendance.sign_in_session_max_days"
SESSION_MAX_DAYS = 30
# Live sign-in sessions per user: signing in once more revokes the oldest (a script signing in in a
# loop cannot pile up valid tokens).
SESSIONS_PER_USER_PARAM = "face_attendance.sign_in_sessions_per_user"
SESSIONS_PER_USER = 10


def role_scopes():
    """The scopes a sign-in token gets from each Face Attendance group: managers every scope but a
    device's (a browser session never posts camera events), users the read scopes but the gallery's
    (face encodings are for devices and managers) and their own preferences, devices ``events:write``
    and ``gallery:read``. A user's token has the union of their groups' scopes."""
    named = [scope for scope in SCOPES if scope != "*"]
    return {
        MANAGER: [scope for scope in named if scope != "events:write"],
        USER: [scope for scope in named if scope.endswith(":read") and scope != "gallery:read"] + ["preferences:write"],
        DEVICE: ["events:write", "gallery:read"],
    }


# Last use is written at most this often per key: authentication itself never writes.
LAST_USE_INTERVAL = 300
_last_use_written = {}


def _clock():
    return time.time()


# One autocommit connection per worker process (and database) for the API's own bookkeeping: each
# statement commits at once and waits for a row lock instead of failing with a serialization error,
# shared by every worker through PostgreSQL, without borrowing, resetting and committing a pooled
# cursor on each request.
_bookkeeping_connections = {}
_bookkeeping_lock = threading.Lock()
HIT_SQL = """
    INSERT INTO face_api_rate_hit (key_id, window_start, hits) VALUES (%s, %s, 1)
    ON CONFLICT (key_id, window_start) DO UPDATE SET hits = face_api_rate_hit.hits + 1
    RETURNING hits"""
LAST_USE_SQL = "UPDATE face_api_key SET last_used_at = %s, last_used_ip = %s WHERE id = %s"
# Failed sign-ins per login (hashed) and per address: see face_signin_throttle.py. Unlogged: a crash
# may forget some failures, never data; not an ORM model, so no RPC reaches it.
SIGN_IN_FAILURE_TABLE_SQL = """
    CREATE UNLOGGED TABLE IF NOT EXISTS face_sign_in_failure (
        subject varchar PRIMARY KEY, failures integer NOT NULL, last_at double precision NOT NULL)"""


def _bookkeeping(env, query, params, fetch=False):
    return _bookkeeping_together(env, [(query, params)], fetch=fetch)[0]


def _bookkeeping_together(env, statements, fetch=False):
    """Run (query, params) statements in one transaction of the bookkeeping connection, and answer
    each one's first column when ``fetch``.

    Counters taken together hold their row locks until the last one is counted: concurrent callers
    that take the same rows in the same order are counted in one order on every row, so a request
    cannot be, say, fifth on one counter and sixth on the other while another is the reverse."""
    if in_test_transaction(env.registry):
        # Tests never commit: what they count and record lives in their transaction.
        answers = []
        for query, params in statements:
            env.cr.execute(query, params)
            answers.append(_first(env.cr) if fetch else None)
        return answers
    db_name = env.registry.db_name
    with _bookkeeping_lock:
        for attempt in (1, 2):
            slot = (os.getpid(), db_name)  # a forked worker never uses its parent's connection
            connection = _bookkeeping_connections.get(slot)
            try:
                if connection is None or connection.closed:
                    _dsn_db, info = sql_db.connection_info_for(db_name)
                    connection = _bookkeeping_connections[slot] = psycopg2.connect(**info)
                    connection.autocommit = True
                with connection.cursor() as cr:
                    if len(statements) == 1:
                        cr.execute(*statements[0])
                        return [_first(cr) if fetch else None]
                    answers = []
                    cr.execute("BEGIN")
                    try:
                        for query, params in statements:
                            cr.execute(query, params)
                            answers.append(_first(cr) if fetch else None)
                        cr.execute("COMMIT")
                    except BaseException:
                        if not connection.closed:
                            cr.execute("ROLLBACK")
                        raise
                    return answers
            except (psycopg2.OperationalError, psycopg2.InterfaceError):
                _bookkeeping_connections.pop(slot, None)
                if attempt == 2:
                    raise


def _first(cr):
    """The first column of the statement's row; None when it returned none (a conditional upsert)."""
    row = cr.fetchone()
    return row[0] if row else None


def _session_sid(family):
    """What Odoo's session token is computed over for a sign-in session (a web session's sid)."""
    return "face_attendance.sign_in:%s" % family


def _hash(salt, secret):
    return hashlib.sha256((salt + ":" + secret).encode()).hexdigest()


@unique("prefix_uniq", "unique(prefix)", "Two API keys cannot share a prefix.")
class FaceApiKey(models.Model):
    """A REST API key. The secret is shown once at creation; only a salted hash is kept.

    A key acts as its user and never with more rights than the manager who issued it: its user is
    the issuer or a user whose groups and companies are all the issuer's. Who it acts as, its company,
    its state and its secret's fields never change after creation; revocation is one-way.
    """

    _name = "face.api.key"
    _description = "Face Attendance API Key"
    _order = "create_date desc, id desc"

    name = fields.Char(required=True)
    prefix = fields.Char(
        readonly=True, index=True, copy=False, help="The first characters of the key, to recognise it; not secret."
    )
    salt = fields.Char(readonly=True, copy=False, groups="base.group_system")
    key_hash = fields.Char(readonly=True, copy=False, groups="base.group_system")
    scopes = fields.Char(required=True, default="*", help="Space-separated scopes: %s" % " ".join(SCOPES))
    user_id = fields.Many2one(
        "res.users",
        required=True,
        ondelete="cascade",
        default=lambda self: self.env.user,
        readonly=True,
        help="The key acts as this user: their access rights and record rules apply.",
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, readonly=True)
    state = fields.Selection(
        [("active", "Active"), ("inactive", "Inactive"), ("revoked", "Revoked")],
        default="active",
        required=True,
        readonly=True,
    )
    expires_at = fields.Datetime(string="Expires on")
    last_used_at = fields.Datetime(readonly=True)
    last_used_ip = fields.Char(readonly=True)
    rate_limit_per_minute = fields.Integer(default=600, help="Requests per minute before answering 429; 0: no limit.")
    kind = fields.Selection(
        KINDS,
        default="api",
        required=True,
        readonly=True,
        index=True,
        help="API keys are issued by managers; access and refresh tokens by signing in (POST /api/v1/auth/login).",
    )
    token_family = fields.Char(
        readonly=True,
        index="btree_not_null",
        copy=False,
        help="The sign-in session a token belongs to: every pair refreshed from one sign-in shares it.",
    )
    # Odoo's session token of the user when they signed in (an HMAC over their password hash, login,
    # active flag and two-factor secret): a token whose user's credentials changed since is refused.
    session_token = fields.Char(readonly=True, copy=False, groups="base.group_system")
    session_started_at = fields.Datetime(
        readonly=True, copy=False, help="When the password was checked for the sign-in session this token belongs to."
    )

    def _auto_init(self):
        result = super()._auto_init()
        # Request counts per key and minute, shared by every Odoo worker process. Unlogged: a
        # crash may lose a minute of counts, never data; not an ORM model, so no RPC can reach it.
        self.env.cr.execute("""
            CREATE UNLOGGED TABLE IF NOT EXISTS face_api_rate_hit (
                key_id integer NOT NULL, window_start bigint NOT NULL, hits integer NOT NULL,
                PRIMARY KEY (key_id, window_start))""")
        # Failed sign-ins per login and address (face.sign.in.throttle), the same kind of bookkeeping.
        self.env.cr.execute(SIGN_IN_FAILURE_TABLE_SQL)
        return result

    @api.constrains("scopes")
    def _check_scopes(self):
        for key in self:
            unknown = set((key.scopes or "").split()) - set(SCOPES)
            if unknown or not (key.scopes or "").split():
                raise ValidationError(
                    self.env._(
                        "Unknown scopes: %(bad)s. Known scopes: %(known)s",
                        bad=" ".join(sorted(unknown)) or "(none given)",
                        known=" ".join(SCOPES),
                    )
                )

    @api.constrains("rate_limit_per_minute")
    def _check_rate_limit(self):
        for key in self:
            if not 0 <= key.rate_limit_per_minute <= 100000:
                raise ValidationError(self.env._("The rate limit is between 0 (none) and 100000 requests per minute."))

    @api.model
    def _check_issuer(self, user, company):
        """The issuing user (the real one, also under sudo) may hand ``user`` a key for ``company``."""
        issuer = self.env.user
        if self.env.uid == SUPERUSER_ID:
            return  # server-side code (command line, crons)
        if not (issuer.has_group(MANAGER) or issuer.has_group("base.group_system")):
            raise AccessError(self.env._("Only Face Attendance managers issue API keys."))
        if company not in issuer.company_ids or company not in user.company_ids:
            raise AccessError(
                self.env._("An API key can only be issued for a company of both its issuer and its user.")
            )
        if user != issuer:
            if user.share:
                raise AccessError(self.env._("API keys are not issued for portal or public users."))
            if user[USER_ALL_GROUPS] - issuer[USER_ALL_GROUPS]:
                raise AccessError(
                    self.env._(
                        "%(user)s has rights that %(issuer)s does not have: only they or an "
                        "administrator with those rights can issue them a key.",
                        user=user.name,
                        issuer=issuer.name,
                    )
                )
            if user.company_ids - issuer.company_ids:
                raise AccessError(
                    self.env._(
                        "%(user)s belongs to companies that %(issuer)s does not.", user=user.name, issuer=issuer.name
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(
                self.env._("API keys are created with the New API Key screen, which shows the secret once.")
            )
        for vals in vals_list:
            if not vals.get("key_hash") or not vals.get("salt") or not vals.get("prefix"):
                raise UserError(
                    self.env._("API keys are created with the New API Key screen, which shows the secret once.")
                )
            user = self.env["res.users"].sudo().browse(vals.get("user_id") or self.env.uid)
            company = self.env["res.company"].sudo().browse(vals.get("company_id") or self.env.company.id)
            self._check_issuer(user, company)
        records = super().create(vals_list)
        self.env.registry.clear_cache()  # _lookup may remember that this prefix was unknown
        return records

    def write(self, vals):
        self.check_access("write")
        frozen = set(vals) & {
            "user_id",
            "company_id",
            "prefix",
            "salt",
            "key_hash",
            "state",
            "kind",
            "token_family",
            "session_token",
            "session_started_at",
        }
        if frozen:
            raise UserError(
                self.env._(
                    "%s cannot be changed once a key exists: revoke it and create another.", ", ".join(sorted(frozen))
                )
            )
        if set(vals) & {"last_used_at", "last_used_ip"} and not self.env.su:
            raise AccessError(self.env._("The last use of a key is recorded by the API itself."))
        if set(vals) & {"scopes", "expires_at", "rate_limit_per_minute"} and not self.env.su:
            for key in self:
                # What a key may do is the issuer's to give: changing it is issuing it again, so the
                # writer must be someone who could issue this user's key. Sign-in tokens are revoked,
                # never widened.
                if key.kind != "api":
                    raise AccessError(self.env._("Sign-in tokens change only by revocation."))
                self._check_issuer(key.user_id, key.company_id)
        watched = sorted(set(vals) & {"scopes", "expires_at", "rate_limit_per_minute", "name"})
        before = {key.id: {name: str(key[name] or "") for name in watched} for key in self} if watched else {}
        result = super().write(vals)
        if set(vals) & {"expires_at", "scopes", "rate_limit_per_minute"}:
            self.env.registry.clear_cache()  # _lookup, _grant
        for key in self.filtered(lambda k: k.id in before):
            changes = {
                name: [before[key.id][name], str(key[name] or "")]
                for name in watched
                if before[key.id][name] != str(key[name] or "")
            }
            if changes:
                self.env["face.system.log"]._log(
                    self.env._(
                        "API key %(name)s changed: %(fields)s", name=key.name, fields=", ".join(sorted(changes))
                    ),
                    category="api",
                    action="key.update",
                    object_ref="face.api.key,%d" % key.id,
                    details=changes,
                )
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()  # _lookup
        return result

    @api.model
    def _generate(self, name, user, scopes="*", expires_at=None, company=None, kind="api", family=False, session=None):
        """Create a key; returns (record, secret). The secret is never stored."""
        for _attempt in range(5):
            prefix = secrets.token_hex(4)
            if not self.sudo().search_count([("prefix", "=", prefix)]):
                break
        secret_part = secrets.token_urlsafe(32)
        secret = "%s_%s_%s" % (KEY_PREFIX, prefix, secret_part)
        salt = secrets.token_hex(16)
        record = self.sudo().create(
            {
                "name": name,
                "user_id": user.id,
                "scopes": scopes,
                "expires_at": expires_at,
                "company_id": (company or user.company_id).id,
                "prefix": prefix,
                "salt": salt,
                "key_hash": _hash(salt, secret),
                "kind": kind,
                "token_family": family,
                **(session or {}),
            }
        )
        return record.sudo(False), secret

    @api.model
    def _authenticate(self, secret):
        """The active key matching ``secret``, or (None, reason). A refresh token is no key: it only
        buys a new pair of tokens (``_refresh``)."""
        key, reason, kind = self._verify(secret)
        if key and kind == "refresh":
            return None, self.env._("A refresh token is not an API key: send it to POST /api/v1/auth/refresh.")
        return key, reason

    @api.model
    def _verify(self, secret, revoked_ok=False):
        """The key matching ``secret`` (active, unexpired, its user active and in its company), or
        (None, reason), with its kind. ``revoked_ok``: a revoked key is returned too, with the reason
        it is refused (to recognise a reused refresh token)."""
        parts = (secret or "").split("_", 2)
        if len(parts) != 3 or parts[0] != KEY_PREFIX or len(parts[1]) != 8:
            return None, self.env._("The API key is malformed."), None
        found = self._lookup(parts[1])
        # Compare even when no key matched, so that timing does not tell which prefixes exist.
        key_id, key_hash, salt, state, expires_at, user_id, company_id, kind, family, session_token = found or (
            0,
            _hash("x", "y"),
            "x",
            0,
            0,
            0,
            0,
            None,
            None,
            None,
        )
        if not hmac.compare_digest(key_hash, _hash(salt, secret)) or not found:
            return None, self.env._("The API key is not valid."), None
        if state == "revoked":
            if revoked_ok:
                return self.sudo().browse(key_id), self.env._("The API key was revoked."), kind
            return None, self.env._("The API key was revoked."), kind
        if state != "active":
            return None, self.env._("The API key is inactive."), kind
        if expires_at and expires_at < fields.Datetime.now():
            return None, self.env._("The API key expired on %s.", expires_at), kind
        # The user's state is read each time (it is not the key's to cache), in one small query.
        self.env.cr.execute(
            """
            SELECT u.active, EXISTS (SELECT 1 FROM res_company_users_rel r WHERE r.user_id = u.id AND r.cid = %s)
              FROM res_users u WHERE u.id = %s""",
            [company_id, user_id],
        )
        active, member = self.env.cr.fetchone() or (False, False)
        if not active:
            return None, self.env._("The API key's user is archived."), kind
        if not member:
            return None, self.env._("The API key's user no longer belongs to its company."), kind
        if kind in ("access", "refresh") and not self._session_still_valid(user_id, family, session_token):
            return None, self.env._("The user's password or two-factor authentication changed: sign in again."), kind
        return self.sudo().browse(key_id), None, kind

    @api.model
    def _session_token_of(self, user_id, family):
        """Odoo's session token of the user for this sign-in session: it changes, as a web session's
        does, when their password, login, active flag or two-factor secret changes (cached per worker
        by Odoo and cleared in every worker when one of those fields is written)."""
        return self.env["res.users"].sudo().browse(user_id)._compute_session_token(_session_sid(family))

    @api.model
    def _session_still_valid(self, user_id, family, session_token):
        current = self._session_token_of(user_id, family) if family else False
        return bool(session_token and current and hmac.compare_digest(session_token, current))

    @api.model
    @tools.ormcache("prefix")
    def _lookup(self, prefix):
        """What authentication needs of the key with this prefix, kept per worker process until a
        key is created, changed, revoked or deleted (the registry's cache invalidation reaches
        every worker before its next request)."""
        self.env.cr.execute(
            """
            SELECT id, key_hash, salt, state, expires_at, user_id, company_id, kind, token_family, session_token
              FROM face_api_key WHERE prefix = %s""",
            [prefix],
        )
        row = self.env.cr.fetchone()
        return tuple(row) if row else None

    def _has_scope(self, scope):
        self.ensure_one()
        granted = self._grant(self.id)[0]
        return "*" in granted or scope in granted

    @api.model
    @tools.ormcache("key_id")
    def _grant(self, key_id):
        """(scopes, requests per minute, user id, company id) of a key, kept per worker process
        like _lookup."""
        self.env.cr.execute(
            """SELECT scopes, rate_limit_per_minute, user_id, company_id
                                 FROM face_api_key WHERE id = %s""",
            [key_id],
        )
        scopes, limit, user_id, company_id = self.env.cr.fetchone() or ("", 0, False, False)
        return frozenset((scopes or "").split()), limit or 0, user_id, company_id

    def _rate_limit_hit(self):
        """Count one request against this key's limit; seconds to wait when over it, else 0.

        Counted in PostgreSQL and committed at once, so that every worker process shares one
        count and a request that fails later still counts.
        """
        self.ensure_one()
        now = _clock()
        window = int(now // 60)
        hits = _bookkeeping(self.env, HIT_SQL, [self.id, window], fetch=True)
        limit = self._grant(self.id)[1]
        if limit and hits > limit:
            return int((window + 1) * 60 - now) + 1
        return 0

    @api.autovacuum
    def _gc_rate_hits(self):
        self.env.cr.execute("DELETE FROM face_api_rate_hit WHERE window_start < %s", [int(_clock() // 60) - 2])

    def _touch(self, address):
        """Record last use, at most once per LAST_USE_INTERVAL per key and process."""
        now = time.monotonic()
        if now - _last_use_written.get(self.id, -LAST_USE_INTERVAL) < LAST_USE_INTERVAL:
            return
        _last_use_written[self.id] = now
        # Committed at once, outside the request's transaction: two workers recording the same key's
        # use at the same moment wait for each other instead of one failing.
        _bookkeeping(self.env, LAST_USE_SQL, [fields.Datetime.now(), address, self.id])

    def _check_manage(self):
        if not (self.env.user.has_group(MANAGER) or self.env.user.has_group("base.group_system")):
            raise AccessError(self.env._("Only Face Attendance managers manage API keys."))
        self.check_access("write")

    def action_revoke(self):
        """Revoke for good: a revoked key never becomes active again."""
        self._check_manage()
        live = self.filtered(lambda k: k.state != "revoked")
        # The state is frozen for write(); this is the one way it changes.
        super(FaceApiKey, live.sudo()).write({"state": "revoked"})
        self.env.registry.clear_cache()  # _lookup: refused by every worker from its next request on
        if live:
            self.env["face.system.log"]._log(
                self.env._("API key(s) revoked: %s", ", ".join(live.mapped("name"))),
                category="api",
                action="key.revoke",
                object_ref=",".join("face.api.key,%d" % k.id for k in live),
            )
        return True

    # ------------------------------------------------------------------ sign-in tokens
    @api.model
    def _scopes_of_user(self, user):
        """The scopes a sign-in token of ``user`` carries, from their Face Attendance groups; empty
        when they have none (they cannot sign in)."""
        granted = set()
        for group, scopes in role_scopes().items():
            if user.has_group(group):
                granted.update(scopes)
        return [scope for scope in SCOPES if scope in granted]

    @api.model
    def _session_max_age(self):
        days = self.env["ir.config_parameter"].sudo().get_param(SESSION_MAX_DAYS_PARAM, SESSION_MAX_DAYS)
        try:
            days = float(days)
        except ValueError:
            days = SESSION_MAX_DAYS
        return timedelta(days=days if days > 0 else SESSION_MAX_DAYS)

    @api.model
    def _issue_tokens(self, user, family=None, started_at=None):
        """A new access and refresh token for ``user``: returns (access record, access secret,
        refresh record, refresh secret). The tokens act in the user's current company with the
        scopes of their groups. Issued by the server itself, so no manager is asked: the password
        was the proof. Without ``family`` this is a new sign-in session (the password was just
        checked); with it, the next pair of that session, which never outlives the session's
        maximum age counted from ``started_at``."""
        scopes = self._scopes_of_user(user)
        if not scopes:
            raise AccessError(self.env._("%s has no Face Attendance group.", user.login))
        now = fields.Datetime.now()
        if not family:
            family, started_at = secrets.token_hex(8), now
            self._trim_sessions(user)
        session_end = started_at + self._session_max_age()
        session = {
            "session_started_at": started_at,
            # Taken now, after the password check: a later password change no longer matches it.
            "session_token": self._session_token_of(user.id, family),
        }
        Server = self.with_user(SUPERUSER_ID)
        access, access_secret = Server._generate(
            "Sign-in %s: access" % user.login,
            user,
            " ".join(scopes),
            min(now + timedelta(seconds=ACCESS_TOKEN_SECONDS), session_end),
            company=user.company_id,
            kind="access",
            family=family,
            session=session,
        )
        refresh, refresh_secret = Server._generate(
            "Sign-in %s: refresh" % user.login,
            user,
            " ".join(scopes),
            min(now + timedelta(seconds=REFRESH_TOKEN_SECONDS), session_end),
            company=user.company_id,
            kind="refresh",
            family=family,
            session=session,
        )
        return access.sudo(), access_secret, refresh.sudo(), refresh_secret

    @api.model
    def _trim_sessions(self, user):
        """Make room for one more sign-in session of ``user``: the oldest live ones past the cap are
        revoked. (Two sign-ins at the same moment may leave one session too many until the next.)"""
        cap = self.env["ir.config_parameter"].sudo().get_param(SESSIONS_PER_USER_PARAM, SESSIONS_PER_USER)
        try:
            cap = max(1, int(cap))
        except ValueError:
            cap = SESSIONS_PER_USER
        live = self.sudo().search(
            [
                ("user_id", "=", user.id),
                ("kind", "=", "refresh"),
                ("state", "=", "active"),
                ("expires_at", ">", fields.Datetime.now()),
            ]
        )
        newest_first = live.sorted(lambda t: (t.session_started_at or t.create_date, t.id), reverse=True)
        families = list(dict.fromkeys(newest_first.mapped("token_family")))
        for family in families[cap - 1 :]:
            self._revoke_family(family)

    @api.model
    def _refresh(self, secret):
        """Rotate a refresh token: ((access, access secret, refresh, refresh secret), None), or
        (None, reason). The token is revoked as it is used; a revoked one presented again means it
        was stolen or replayed, and its whole sign-in session is revoked (and stays revoked: the
        caller answers without rolling back)."""
        token, reason, kind = self._verify(secret, revoked_ok=True)
        if not token or kind != "refresh":
            return None, reason or self.env._("This is not a refresh token.")
        # One statement decides who used it first: a concurrent second use finds it revoked.
        self.env.cr.execute(
            "UPDATE face_api_key SET state = 'revoked' WHERE id = %s AND state = 'active' RETURNING id", [token.id]
        )
        used_first = bool(self.env.cr.fetchone())
        token.invalidate_recordset(["state"])
        self.env.registry.clear_cache()  # _lookup
        if not used_first:
            family = token.token_family
            self._revoke_family(family)
            self.env["face.system.log"].with_user(token.user_id)._log(
                self.env._("A revoked refresh token was presented again: sign-in session revoked."),
                level="warning",
                category="api",
                action="auth.refresh_reused",
                object_ref="face.api.key,%d" % token.id,
            )
            return None, self.env._("The refresh token was already used: its session is revoked, sign in again.")
        started_at = token.session_started_at or token.create_date
        if started_at + self._session_max_age() <= fields.Datetime.now():
            self._revoke_family(token.token_family)
            return None, self.env._("This sign-in session reached its maximum age: sign in again.")
        return self._issue_tokens(token.user_id, family=token.token_family, started_at=started_at), None

    @api.model
    def _live_sign_in_tokens(self, domain):
        """The sign-in tokens (never API keys) matching ``domain`` that are not revoked yet."""
        return self.sudo().search(list(domain) + [("kind", "in", ("access", "refresh")), ("state", "!=", "revoked")])

    def _revoke_tokens(self):
        # The state is frozen for write(); revocation is the one change it allows.
        result = super().write({"state": "revoked"})
        self.env.registry.clear_cache()  # _lookup
        return result

    @api.model
    def _revoke_family(self, family):
        """Revoke every token of a sign-in session (never an API key)."""
        if not family:
            return self.browse()
        tokens = self._live_sign_in_tokens([("token_family", "=", family)])
        tokens._revoke_tokens()
        return tokens

    @api.model
    def _revoke_sessions_of(self, user, tokens=None):
        """Sign ``user`` out everywhere: every live sign-in token of theirs (``tokens`` when the caller
        has found them already) is revoked; API keys stay. The caller's rights are checked by the
        caller (res.users.action_face_sign_out_everywhere)."""
        if tokens is None:
            tokens = self._live_sign_in_tokens([("user_id", "=", user.id)])
        tokens._revoke_tokens()
        self.env["face.system.log"]._log(
            self.env._("Signed out everywhere: %s", user.login),
            category="api",
            action="auth.logout_all",
            object_ref="res.users,%d" % user.id,
            details={"sessions": len(set(tokens.mapped("token_family"))), "tokens": len(tokens)},
        )
        return tokens

    @api.autovacuum
    def _gc_expired_tokens(self):
        limit = fields.Datetime.now() - timedelta(seconds=TOKEN_KEEP_SECONDS)
        self.sudo().search([("kind", "in", ("access", "refresh")), ("expires_at", "<", limit)]).unlink()

    def _api_dict(self):
        self.ensure_one()
        return {
            "id": self.id,
            "name": self.name,
            "prefix": self.prefix,
            "kind": self.kind,
            "scopes": (self.scopes or "").split(),
            "user": self.user_id.login,
            "company": self.company_id.name,
            "status": self.state,
            "expires_at": iso(self.expires_at),
            "last_used_at": iso(self.last_used_at),
            "created_at": iso(self.create_date),
        }

    @api.model
    def _api_list(self, kind="api", status=None, limit=None, offset=0):
        """GET /keys: the keys (or sign-in tokens) of ``kind`` the caller may read. (keys, total)."""
        if kind not in ("api", "access", "refresh"):
            raise InputError(self.env._("kind must be api, access or refresh."))
        domain = [("kind", "=", kind)]
        if status:
            if status not in ("active", "inactive", "revoked"):
                raise InputError(self.env._("status must be active, inactive or revoked."))
            domain.append(("state", "=", status))
        return self.search(domain, limit=limit, offset=offset), self.search_count(domain)


def iso(value):
    """The API's one date-time format: ISO 8601 in UTC with a Z."""
    if not value:
        return None
    # isoformat() writes the same text as the format below for the ORM's naive date-times at a
    # third of strftime's cost (a page of 1000 attendances writes 2000 of them); strftime stays
    # for the rest (dates, aware values, years before 1000, which it does not pad).
    if type(value) is datetime and value.tzinfo is None and value.year >= 1000:
        return value.isoformat(timespec="seconds") + "Z"
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


class FaceApiKeyWizard(models.TransientModel):
    """Creates a key and shows its secret once: the secret is wiped from the database as soon as
    the form that shows it has been read. Record rule: only its creator reads it."""

    _name = "face.api.key.wizard"
    _description = "Create an API key"

    name = fields.Char(required=True)
    user_id = fields.Many2one("res.users", required=True, default=lambda self: self.env.user)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    scopes = fields.Char(required=True, default="*")
    expires_at = fields.Datetime(string="Expires on")
    secret = fields.Char(readonly=True)
    key_id = fields.Many2one("face.api.key", readonly=True)

    def action_generate(self):
        self.ensure_one()
        self.check_access("write")
        if self.key_id:
            raise UserError(self.env._("This key was already created."))
        Key = self.env["face.api.key"]
        Key._check_issuer(self.user_id, self.company_id)
        key, secret = Key._generate(self.name, self.user_id, self.scopes, self.expires_at, company=self.company_id)
        self.env["face.system.log"]._log(
            self.env._("API key %s created", key.name),
            category="api",
            action="key.create",
            object_ref="face.api.key,%d" % key.id,
            details={"user": self.user_id.login, "scopes": self.scopes},
        )
        self.write({"secret": secret, "key_id": key.id})
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def _read_format(self, fnames, load="_classic_read"):
        # Every way of reading (read, search_read, web_read) formats through here.
        shown = self.filtered(lambda w: w.secret) if "secret" in fnames else self.browse()
        result = super()._read_format(fnames, load)
        if shown:
            # Shown once: the form has it now, the database no longer does.
            shown.sudo().write({"secret": False})  # nosec B105  # wipes the shown secret, no password here
        return result
