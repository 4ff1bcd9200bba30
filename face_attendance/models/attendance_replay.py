"""The attendance rules (SPEC §3), as one pure function over a person's sightings.

Attendance is derived from recognition events: given the accepted-or-pending sightings of one
person from an anchor onwards, sorted by sighting time, ``replay`` decides every event's outcome
and the attendances they make. Because the result depends only on the set of sightings (never on
their arrival order), events replayed after an outage give the same attendance as live ones.
No Odoo here: the ORM glue lives in face_recognition_event.py.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

CHECKED_IN, CHECKED_OUT, DUPLICATE, ERROR = "checked_in", "checked_out", "duplicate", "error"


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

    @property
    def is_open(self):
        return self.check_out is None


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


def replay(sightings, policy, now, last_accepted_at=None, externals=()):  # noqa: C901  # the rules, read top to bottom
    """Decide outcomes and attendances for one person's sightings (sorted by time, then key)."""
    result = ReplayResult(externals=list(externals))
    open_span = None
    last_accepted = last_accepted_at

    def outcome(sighting, kind, message, span=None):
        result.outcomes[sighting.key] = (kind, message, span)

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
        # A camera-opened attendance from an earlier working day was forgotten: an entry or a
        # first sighting today must not be swallowed by it (exit cameras may close night shifts).
        if open_span is not None and sighting.direction not in ("exit", "toggle") and open_span.day != sighting.day:
            _close_forgotten(open_span, policy)
            open_span = None
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
            if latest is not None and (latest.day != sighting.day or latest.auto_closed):
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

    if open_span is not None and now - open_span.check_in > policy.forgotten_after:
        _close_forgotten(open_span, policy)
    return result
