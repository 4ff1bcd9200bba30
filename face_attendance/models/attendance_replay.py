"""The attendance rules (SPEC §3), as one pure function over a person's sightings.

Attendance is derived from recognition events: given the accepted-or-pending sightings of one
person from an anchor onwards, sorted by sighting time, ``replay`` decides every event's outcome
and the attendances they make. Because the result depends only on the set of sightings (never on
their arrival order), events replayed after an outage give the same attendance as live ones.

HR's corrections are inputs of the same function, so that no sighting, early or late, undoes them:
- an attendance entered by hand or corrected by HR (``externals``, ``pinned`` for the latter)
  absorbs the sightings inside its times; one corrected by HR is also a wall: sightings after it are
  decided as if the day restarted there, and no camera-made attendance stretches across it;
- a deleted attendance leaves a ``Removal``: the sightings inside its times are set aside.
No Odoo here: the ORM glue lives in face_event_ingest.py.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

CHECKED_IN, CHECKED_OUT, DUPLICATE, ERROR = "checked_in", "checked_out", "duplicate", "error"
SET_ASIDE = "rejected"


@dataclass
class Sighting:
    key: object  # the event's id
    at: datetime  # naive UTC, from the daemon's clock
    direction: str  # entry / exit / both / toggle, as the camera was when the event arrived
    day: object  # the working day (date) in the person's time zone


@dataclass
class Span:
    """An attendance as the rules want it. ``record`` is set for attendances not opened by a camera."""

    check_in: datetime
    check_out: datetime = None
    in_key: object = None
    out_key: object = None
    day: object = None
    last_seen: datetime = None
    auto_closed: bool = False
    record: object = None
    fixed_check_out: datetime = None  # for external attendances closed by hand, not by a camera
    pinned: bool = False  # a camera-made attendance whose times HR corrected

    @property
    def is_open(self):
        return self.check_out is None


@dataclass
class Removal:
    """An attendance HR deleted: sightings from ``start`` to ``end`` (both included) are set aside."""

    start: datetime
    end: datetime
    message: str


@dataclass
class Policy:
    duplicate_window: timedelta
    forgotten_after: timedelta
    forgotten_rule: str = "last_seen"  # or 'fixed'
    forgotten_fixed: timedelta = timedelta(hours=8)


@dataclass
class ReplayResult:
    outcomes: dict = field(default_factory=dict)  # key -> (outcome, message, span or None)
    spans: list = field(default_factory=list)  # camera-opened attendances, by check-in
    externals: list = field(default_factory=list)  # other attendances, check-out possibly set


def _close_forgotten(span, policy):
    """Close an attendance nobody checked out of, without inventing hours."""
    if policy.forgotten_rule == "fixed":
        check_out = span.check_in + policy.forgotten_fixed
        if span.last_seen and span.last_seen > check_out:
            check_out = span.last_seen
    else:
        check_out = span.last_seen or span.check_in
    span.check_out = max(check_out, span.check_in)
    span.out_key = None
    span.auto_closed = True


def _close_at_wall(span, wall_start):
    """A camera-made attendance still open when an attendance of HR's begins: it ended when its
    person was last seen before that, never across HR's attendance."""
    span.check_out = max(min(span.last_seen or span.check_in, wall_start), span.check_in)
    span.out_key = None
    span.auto_closed = True


def replay(sightings, policy, now, last_accepted_at=None, externals=(), removals=()):  # noqa: C901  # the rules, read top to bottom
    """Decide outcomes and attendances for one person's sightings (sorted by time, then key)."""
    result = ReplayResult(externals=list(externals))
    open_span = None
    last_accepted = last_accepted_at

    def outcome(sighting, kind, message, span=None):
        result.outcomes[sighting.key] = (kind, message, span)

    def removal_at(moment):
        for removal in removals:
            if removal.start <= moment <= removal.end:
                return removal
        return None

    def closed_external_at(moment):
        """An attendance of HR's, closed, whose times hold ``moment``."""
        for span in result.externals:
            if span.fixed_check_out is not None and span.check_in <= moment <= span.fixed_check_out:
                return span
        return None

    def wall_before(moment):
        """The attendance HR corrected that started last at or before ``moment``: the day restarts
        there. (One entered by hand is no wall: a camera-made one crossing it stays Odoo's error.)"""
        walls = [span for span in result.externals if span.pinned and span.check_in <= moment]
        return max(walls, key=lambda span: span.check_in) if walls else None

    def absorb(span, into):
        """HR corrected the arrival: a camera-made attendance still open when HR's begins, that day,
        is the one HR corrected. Its sightings are absorbed, it is not made."""
        result.spans.remove(span)
        for key, (_kind, _message, target) in list(result.outcomes.items()):
            if target is span:
                result.outcomes[key] = (DUPLICATE, "Inside an attendance corrected by HR.", into)

    def external_open_at(moment):
        for span in result.externals:
            closing = span.check_out or span.fixed_check_out
            if span.check_in <= moment and (closing is None or closing > moment):
                return span
        return None

    def open_target(external):
        """What a check-out now would close: the camera-opened attendance, or one opened by hand."""
        if open_span is not None:
            return open_span
        if external is not None and external.check_out is None and external.fixed_check_out is None:
            return external
        return None

    for sighting in sightings:
        # HR deleted the attendance this sighting belonged to: it stays out of every decision.
        removal = removal_at(sighting.at)
        if removal is not None:
            outcome(sighting, SET_ASIDE, removal.message)
            continue
        # A camera-opened attendance from an earlier working day was forgotten: an entry or a
        # first sighting today must not be swallowed by it (exit cameras may close night shifts).
        if open_span is not None and sighting.direction not in ("exit", "toggle") and open_span.day != sighting.day:
            _close_forgotten(open_span, policy)
            open_span = None
        wall = wall_before(sighting.at)
        if open_span is not None and wall is not None and open_span.check_in < wall.check_in:
            if open_span.day == (wall.day or sighting.day):
                absorb(open_span, wall)
            else:
                _close_at_wall(open_span, wall.check_in)
            open_span = None
        # Inside an attendance HR entered or corrected: HR's times stand, the sighting adds nothing.
        inside = closed_external_at(sighting.at)
        if inside is not None:
            message = (
                "Inside an attendance corrected by HR." if inside.pinned else "Inside an attendance entered by hand."
            )
            outcome(sighting, DUPLICATE, message, inside)
            continue
        # A kiosk's toggle checks out what is open, night shifts included, unless it was left open
        # longer than the forgotten check-out rule allows: then that one was forgotten.
        if (
            open_span is not None
            and sighting.direction == "toggle"
            and sighting.at - open_span.check_in > policy.forgotten_after
        ):
            _close_forgotten(open_span, policy)
            open_span = None
        if open_span is not None:
            open_span.last_seen = sighting.at
        if last_accepted is not None and sighting.at - last_accepted < policy.duplicate_window:
            outcome(sighting, DUPLICATE, "Seen again within the duplicate window.", open_span)
            continue
        external = external_open_at(sighting.at)

        if sighting.direction == "entry" or (sighting.direction == "toggle" and open_target(external) is None):
            if open_span is not None or (external is not None and external.check_out is None):
                outcome(sighting, DUPLICATE, "Already checked in.", open_span or external)
                continue
            open_span = Span(check_in=sighting.at, in_key=sighting.key, day=sighting.day, last_seen=sighting.at)
            result.spans.append(open_span)
            outcome(sighting, CHECKED_IN, "Checked in.", open_span)
        elif sighting.direction == "exit" or (sighting.direction == "toggle" and open_target(external) is not None):
            target = open_target(external)
            if target is None:
                outcome(sighting, ERROR, "Exit seen with no open attendance: nothing was changed.")
                continue
            target.check_out, target.out_key = sighting.at, sighting.key
            open_span = None
            outcome(sighting, CHECKED_OUT, "Checked out.", target)
        else:  # both: first sighting of the working day checks in, later ones move the check-out
            latest = result.spans[-1] if result.spans else None
            if latest is not None and (
                latest.day != sighting.day
                or latest.auto_closed
                or (wall is not None and latest.check_in < wall.check_in)
            ):
                latest = None
            if latest is not None:
                latest.check_out, latest.out_key = sighting.at, sighting.key
                latest.last_seen = sighting.at
                open_span = None
                outcome(sighting, CHECKED_OUT, "Check-out moved to the latest sighting.", latest)
            elif external is not None and external.check_out is None:
                outcome(sighting, DUPLICATE, "Already checked in.", external)
                continue
            else:
                open_span = Span(check_in=sighting.at, in_key=sighting.key, day=sighting.day, last_seen=sighting.at)
                result.spans.append(open_span)
                outcome(sighting, CHECKED_IN, "Checked in (first sighting of the day).", open_span)
        last_accepted = sighting.at

    # Still open when an attendance HR corrected begins later on: the same as meeting it above.
    later = [
        span
        for span in result.externals
        if span.pinned and open_span is not None and span.check_in > open_span.check_in
    ]
    if later:
        wall = min(later, key=lambda span: span.check_in)
        if wall.day == open_span.day:
            absorb(open_span, wall)
        else:
            _close_at_wall(open_span, wall.check_in)
        open_span = None
    if open_span is not None and now - open_span.check_in > policy.forgotten_after:
        _close_forgotten(open_span, policy)
    return result


# ---- the day's figures: late, early leave, missing check-out
# One definition for every figure of a working day (the daily summary, shift compliance, the
# statistics, overview and log of the REST API, the attendance sheet):
#
# - The expected start (and end) of a person's working day: the shift of their working-hours
#   calendar that day, cut by their leaves and public holidays; without a calendar, the configured
#   start of the working day (``work_start_hour`` in their time zone) and no end. A flexible
#   calendar, a day off or a day entirely on leave expect nothing: nobody is late or early then.
# - The attendances of the working day: those overlapping the shift when there is one (a night
#   shift keeps what comes after midnight), else those whose working day it is.
# - Late: the first check-in of those is after the expected start plus the grace minutes.
# - Early leave: the last check-out (not one made by the forgotten check-out rule) is before the
#   expected end minus the grace minutes.
# - Missing check-out: an attendance of the day was closed by the forgotten check-out rule, or the
#   last one is still open past the expected end plus the grace (without an end: once the working
#   day is over).
# Moments are naive UTC datetimes; minutes are whole minutes, rounded down.


@dataclass
class Stay:
    """An attendance as the day's figures see it."""

    check_in: datetime
    check_out: datetime = None
    day: object = None  # its working day (date) in the person's time zone
    auto_closed: bool = False  # closed by the forgotten check-out rule


@dataclass
class DayVerdict:
    check_in: datetime = None  # first check-in of the day's attendances
    check_out: datetime = None  # check-out of the last one (None: still open)
    late: bool = False
    late_minutes: int = 0
    early: bool = False
    early_minutes: int = 0
    missing_check_out: bool = False

    @property
    def present(self):
        return self.check_in is not None


def day_moment(day, hours, tz):
    """``hours`` after midnight of ``day`` in ``tz`` (a pytz zone), as naive UTC."""
    local = tz.localize(datetime.combine(day, datetime.min.time()) + timedelta(hours=hours))
    return local.replace(tzinfo=None) - local.utcoffset()


def day_attendances(stays, day, start=None, end=None):
    """The stays of the working day ``day``: overlapping the shift [start, end) when there is one,
    else those whose working day it is; by check-in."""
    if start is not None and end is not None:
        chosen = [s for s in stays if s.check_in < end and (s.check_out is None or s.check_out > start)]
    else:
        chosen = [s for s in stays if s.day == day]
    return sorted(chosen, key=lambda s: s.check_in)


def late_by(first_check_in, start, grace):
    """Minutes late of the first check-in, or None when on time (or nothing is expected)."""
    if first_check_in is None or start is None or first_check_in <= start + grace:
        return None
    return int((first_check_in - start).total_seconds() // 60)


def early_by(last_check_out, end, grace, auto_closed=False):
    """Minutes early of the last check-out, or None (on time, still open, closed by the forgotten
    check-out rule, or no end expected)."""
    if last_check_out is None or end is None or auto_closed or last_check_out >= end - grace:
        return None
    return int((end - last_check_out).total_seconds() // 60)


def check_out_missing(stays, end, grace, now, day_over):
    """Whether the day's attendances (by check-in) lack a check-out: one closed by the forgotten
    check-out rule, or the last still open past the end plus grace (no end: the day is over)."""
    if not stays:
        return False
    if any(s.auto_closed for s in stays):
        return True
    last = max(stays, key=lambda s: s.check_in)
    if last.check_out is not None:
        return False
    return now > end + grace if end is not None else bool(day_over)


def judge_day(stays, start, end, grace, now, day_over):
    """The verdict on the day's attendances ``stays`` (see ``day_attendances``)."""
    if not stays:
        return DayVerdict()
    first = min(stays, key=lambda s: s.check_in)
    last = max(stays, key=lambda s: s.check_in)
    late = late_by(first.check_in, start, grace)
    early = early_by(last.check_out, end, grace, last.auto_closed)
    return DayVerdict(
        check_in=first.check_in,
        check_out=last.check_out,
        late=late is not None,
        late_minutes=late or 0,
        early=early is not None,
        early_minutes=early or 0,
        missing_check_out=check_out_missing(stays, end, grace, now, day_over),
    )
