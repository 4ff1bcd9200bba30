"""Failed sign-ins through the API, counted in PostgreSQL per login and per client address.

Odoo's own login cooldown is kept per worker process and per address, and any successful login
from that address clears it: an attacker with one valid account resets it between guesses. Here
every attempt is counted as a failure *before* the password is checked (one atomic upsert, so that
parallel attempts cannot all slip under the limit), and a success takes back only its own count:
it clears its login's failures and removes its one attempt from the address's count, never the
failures others made. The counts are committed at once, outside the request's transaction, so a
refused sign-in still counts and every worker process sees the same numbers.
"""

import contextlib
import hashlib
from contextvars import ContextVar

from odoo import api, models

from .face_api_key import _bookkeeping, _clock

# The table (face_sign_in_failure) is created with face.api.key's (face_api_key._auto_init).
LOGIN_LIMIT_PARAM = "face_attendance.sign_in_failures_per_login"
ADDRESS_LIMIT_PARAM = "face_attendance.sign_in_failures_per_address"
COOLDOWN_PARAM = "face_attendance.sign_in_cooldown_seconds"
# Failures before a login, or an address, waits for the cooldown; an address serves many people
# (an office behind one router), so it gets more.
LOGIN_LIMIT = 10
ADDRESS_LIMIT = 50
COOLDOWN_SECONDS = 900

# A failure counts when it follows the previous one within the cooldown; after a quiet cooldown the
# count starts again. Over the limit, the row is left as it is (no count, no later end of cooldown):
# refused attempts do not lengthen it.
RESERVE_SQL = """
    INSERT INTO face_sign_in_failure AS f (subject, failures, last_at) VALUES (%(subject)s, 1, %(now)s)
    ON CONFLICT (subject) DO UPDATE
       SET failures = CASE WHEN f.last_at < %(since)s THEN 1 ELSE f.failures + 1 END, last_at = %(now)s
     WHERE f.last_at < %(since)s OR f.failures < %(limit)s
    RETURNING failures"""
LAST_SQL = "SELECT last_at FROM face_sign_in_failure WHERE subject = %s"
FORGET_SQL = "DELETE FROM face_sign_in_failure WHERE subject = %s"
TAKE_BACK_SQL = "UPDATE face_sign_in_failure SET failures = GREATEST(failures - 1, 0) WHERE subject = %s"


# Set while the API's sign-in routes check a password they already counted: Odoo's own check
# (res.users._check_credentials) then does not count it again. Server-side state, never a context key.
_counted = ContextVar("face_sign_in_counted", default=False)


@contextlib.contextmanager
def already_counted():
    token = _counted.set(True)
    try:
        yield
    finally:
        _counted.reset(token)


def is_counted():
    return _counted.get()


def login_subject(login):
    # What was typed as a login is often a password: only its hash is kept.
    return "login:" + hashlib.sha256((login or "").strip().lower().encode()).hexdigest()


def address_subject(address):
    return "address:%s" % (address or "-")


class FaceSignInThrottle(models.AbstractModel):
    _name = "face.sign.in.throttle"
    _description = "Face Attendance: failed sign-ins per login and address"

    @api.model
    def _settings(self):
        param = self.env["ir.config_parameter"].sudo().get_param

        def number(name, default):
            try:
                value = int(param(name, default))
            except ValueError:
                return default
            return value if value > 0 else default

        return (
            number(LOGIN_LIMIT_PARAM, LOGIN_LIMIT),
            number(ADDRESS_LIMIT_PARAM, ADDRESS_LIMIT),
            number(COOLDOWN_PARAM, COOLDOWN_SECONDS),
        )

    @api.model
    def _attempt(self, login, address):
        """Count a sign-in attempt of ``login`` from ``address`` as a failure until it succeeds
        (``_succeeded``). Returns 0, or the seconds to wait when the login or the address is on
        cooldown (then nothing is counted). ``address`` None: a door that does not tell it (XML-RPC
        hides the request from the code it runs): the login alone is counted."""
        login_limit, address_limit, cooldown = self._settings()
        now = _clock()
        counted = []
        subjects = [(login_subject(login), login_limit)]
        if address is not None:
            subjects.append((address_subject(address), address_limit))
        for subject, limit in subjects:
            params = {"subject": subject, "now": now, "since": now - cooldown, "limit": limit}
            if _bookkeeping(self.env, RESERVE_SQL, params, fetch=True) is None:
                for done in counted:
                    _bookkeeping(self.env, TAKE_BACK_SQL, [done])
                last_at = _bookkeeping(self.env, LAST_SQL, [subject], fetch=True) or now
                return max(1, int(last_at + cooldown - now) + 1)
            counted.append(subject)
        return 0

    @api.model
    def _succeeded(self, login, address):
        """The password was right: the login starts afresh, the address forgets this one attempt."""
        _bookkeeping(self.env, FORGET_SQL, [login_subject(login)])
        if address is not None:
            _bookkeeping(self.env, TAKE_BACK_SQL, [address_subject(address)])

    @api.model
    def _key_used(self, login, address):
        """A key (not a password) was right: only this attempt is taken back, the login's failures
        stay; a device authenticating with its key resets no count an attacker made."""
        _bookkeeping(self.env, TAKE_BACK_SQL, [login_subject(login)])
        if address is not None:
            _bookkeeping(self.env, TAKE_BACK_SQL, [address_subject(address)])

    @api.autovacuum
    def _gc_failures(self):
        cooldown = self._settings()[2]
        self.env.cr.execute("DELETE FROM face_sign_in_failure WHERE last_at < %s", [_clock() - cooldown - 3600])
