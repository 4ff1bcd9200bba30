"""HR's corrections as inputs of the attendance rules: the pure function, no Odoo.

attendance_replay.py is loaded by its path: importing the addon's package would import Odoo."""

import importlib.util
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[1] / "face_attendance" / "models" / "attendance_replay.py"
_spec = importlib.util.spec_from_file_location("attendance_replay_corrections", _PATH)
rules = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rules)

DAY = date(2026, 1, 20)
POLICY = rules.Policy(duplicate_window=timedelta(minutes=5), forgotten_after=timedelta(hours=16))
NOW = datetime(2026, 1, 20, 23, 0)


def at(hour, minute=0):
    return datetime(2026, 1, 20, hour, minute)


def sightings(*items):
    """(key, hour, minute, direction) -> sorted sightings, as the ORM glue gives them."""
    return [rules.Sighting(key=key, at=at(h, m), direction=d, day=DAY) for key, h, m, d in items]


def pinned(check_in, check_out=None, record="HR"):
    return rules.Span(check_in=check_in, record=record, fixed_check_out=check_out, pinned=True, day=DAY)


def manual(check_in, check_out=None, record="hand"):
    return rules.Span(check_in=check_in, record=record, fixed_check_out=check_out)


def kinds(result):
    return {key: value[0] for key, value in result.outcomes.items()}


def bounds(result):
    return [(span.check_in, span.check_out) for span in result.spans]


def test_without_corrections_a_cctv_day_is_first_in_last_out():
    result = rules.replay(sightings((1, 8, 0, "both"), (2, 12, 0, "both"), (3, 17, 0, "both")), POLICY, NOW)
    assert bounds(result) == [(at(8), at(17))]


def test_deleted_attendance_sightings_are_set_aside_with_the_message():
    removal = rules.Removal(start=at(8), end=at(17), message="Attendance deleted by HR: twin brother")
    result = rules.replay(
        sightings((1, 8, 0, "both"), (2, 12, 0, "both"), (3, 17, 0, "both")), POLICY, NOW, removals=[removal]
    )
    assert bounds(result) == []
    assert kinds(result) == {1: rules.SET_ASIDE, 2: rules.SET_ASIDE, 3: rules.SET_ASIDE}
    assert result.outcomes[2][1] == "Attendance deleted by HR: twin brother"


def test_sightings_after_a_deletion_are_decided_as_usual_and_never_rebuild_it():
    removal = rules.Removal(start=at(8), end=at(12), message="deleted")
    # In order or late: the 09:00 sighting arriving after the 18:00 one changes nothing.
    for order in ((1, 2, 3), (3, 1, 2)):
        items = {1: (1, 8, 0, "both"), 2: (2, 9, 0, "both"), 3: (3, 18, 0, "both")}
        arrived = sorted((items[k] for k in order), key=lambda item: (item[1], item[2]))
        result = rules.replay(sightings(*arrived), POLICY, NOW, removals=[removal])
        assert bounds(result) == [(at(18), None)]
        assert kinds(result) == {1: rules.SET_ASIDE, 2: rules.SET_ASIDE, 3: rules.CHECKED_IN}


def test_a_pinned_attendance_is_never_moved_and_absorbs_what_is_inside():
    hr = pinned(at(8), at(16))
    result = rules.replay(sightings((1, 8, 0, "both"), (2, 15, 59, "both")), POLICY, NOW, externals=[hr])
    assert bounds(result) == []
    assert (hr.check_in, hr.fixed_check_out, hr.check_out) == (at(8), at(16), None)
    assert kinds(result) == {1: rules.DUPLICATE, 2: rules.DUPLICATE}
    assert result.outcomes[1][1] == "Inside an attendance corrected by HR."
    assert result.outcomes[1][2] is hr


def test_after_a_pinned_check_out_the_day_restarts_there():
    hr = pinned(at(8), at(16))
    result = rules.replay(
        sightings((1, 10, 0, "both"), (2, 17, 0, "both"), (3, 19, 0, "both")), POLICY, NOW, externals=[hr]
    )
    # A CCTV camera opens a new attendance after HR's check-out and moves only that one.
    assert bounds(result) == [(at(17), at(19))]
    assert kinds(result) == {1: rules.DUPLICATE, 2: rules.CHECKED_IN, 3: rules.CHECKED_OUT}


def test_a_camera_attendance_before_a_pinned_one_never_stretches_across_it():
    hr = pinned(at(12), at(13))
    result = rules.replay(
        sightings((1, 8, 0, "both"), (2, 11, 0, "both"), (3, 15, 0, "both")), POLICY, NOW, externals=[hr]
    )
    assert bounds(result) == [(at(8), at(11)), (at(15), None)]
    assert kinds(result)[3] == rules.CHECKED_IN


def test_an_open_span_meeting_a_pinned_attendance_that_day_is_the_one_hr_corrected():
    # HR moved the arrival to 12:00: an earlier entry (one arriving late included) is absorbed,
    # not made into an attendance of its own that would undo HR's arrival time.
    hr = pinned(at(12), at(13))
    result = rules.replay(
        sightings((1, 8, 0, "entry"), (2, 10, 0, "entry"), (3, 16, 0, "exit")), POLICY, NOW, externals=[hr]
    )
    assert bounds(result) == []
    assert result.outcomes[1] == (rules.DUPLICATE, "Inside an attendance corrected by HR.", hr)
    # The exit after HR's attendance has nothing open to close: nothing is invented.
    assert kinds(result)[3] == rules.ERROR
    # The same when no sighting comes after HR's check-in.
    result = rules.replay(sightings((1, 8, 5, "entry")), POLICY, NOW, externals=[pinned(at(9, 30), at(17))])
    assert bounds(result) == [] and kinds(result) == {1: rules.DUPLICATE}


def test_an_open_span_of_an_earlier_day_is_closed_not_absorbed():
    yesterday = rules.Sighting(key=1, at=at(8) - timedelta(days=1), direction="entry", day=DAY - timedelta(days=1))
    result = rules.replay([yesterday], POLICY, NOW, externals=[pinned(at(9), at(17))])
    assert [(s.check_in, s.check_out, s.auto_closed) for s in result.spans] == [(yesterday.at, yesterday.at, True)]


def test_an_open_pinned_attendance_is_closed_once_by_an_exit():
    hr = pinned(at(9))
    result = rules.replay(sightings((1, 9, 30, "entry"), (2, 17, 0, "exit")), POLICY, NOW, externals=[hr])
    assert kinds(result) == {1: rules.DUPLICATE, 2: rules.CHECKED_OUT}
    assert hr.check_out == at(17)


def test_sightings_inside_an_attendance_entered_by_hand_are_absorbed_in_any_direction():
    hand = manual(at(9), at(12))
    for direction in ("entry", "exit", "both", "toggle"):
        result = rules.replay(sightings((1, 10, 0, direction)), POLICY, NOW, externals=[hand])
        assert kinds(result) == {1: rules.DUPLICATE}, direction
        assert result.outcomes[1][1] == "Inside an attendance entered by hand."


def test_an_attendance_entered_by_hand_is_no_wall_crossing_it_stays_visible():
    # Kept as before: Odoo refuses the overlapping span and the ORM glue reports it.
    hand = manual(at(10), at(11))
    result = rules.replay(sightings((1, 7, 0, "both"), (2, 16, 0, "both")), POLICY, NOW, externals=[hand])
    assert bounds(result) == [(at(7), at(16))]


@pytest.mark.parametrize("late", [False, True])
def test_corrections_give_the_same_result_whatever_the_arrival_order(late):
    hr = pinned(at(8), at(12))
    removal = rules.Removal(start=at(13), end=at(14), message="deleted")
    items = [(1, 7, 30, "both"), (2, 9, 0, "both"), (3, 13, 30, "both"), (4, 15, 0, "both"), (5, 18, 0, "both")]
    first = rules.replay(sightings(*items), POLICY, NOW, externals=[hr], removals=[removal])
    # A replay from scratch on the same set (what a late event triggers) gives the same decisions.
    subset = items[:3] if late else items
    partial = rules.replay(sightings(*subset), POLICY, NOW, externals=[pinned(at(8), at(12))], removals=[removal])
    again = rules.replay(sightings(*items), POLICY, NOW, externals=[pinned(at(8), at(12))], removals=[removal])
    assert bounds(first) == bounds(again) == [(at(15), at(18))]
    assert kinds(first) == kinds(again)
    assert kinds(first)[3] == rules.SET_ASIDE and kinds(partial)[3] == rules.SET_ASIDE
