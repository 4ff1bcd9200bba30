"""The one definition of late, early leave and missing check-out (``attendance_replay``'s day
figures), without Odoo: the module is loaded by its file path, since importing the addon imports Odoo."""

import importlib.util
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

pytz = pytest.importorskip("pytz")

PATH = Path(__file__).resolve().parent.parent / "face_attendance" / "models" / "attendance_replay.py"
_spec = importlib.util.spec_from_file_location("attendance_replay_day_rules", PATH)
rules = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rules)

DAY = date(2026, 11, 20)
GRACE = timedelta(minutes=10)
NOW = datetime(2026, 11, 25, 12, 0)


def at(hours, minutes=0, day=DAY):
    return datetime(day.year, day.month, day.day) + timedelta(hours=hours, minutes=minutes)


def stay(start, end=None, auto_closed=False, day=DAY):
    return rules.Stay(start, end, day, auto_closed)


def test_day_moment_is_local_hours_as_naive_utc():
    brussels = pytz.timezone("Europe/Brussels")
    assert rules.day_moment(DAY, 9.0, brussels) == at(8)  # UTC+1 in November
    assert rules.day_moment(date(2026, 7, 1), 9.5, brussels) == datetime(2026, 7, 1, 7, 30)  # UTC+2
    assert rules.day_moment(DAY, 9.0, pytz.utc) == at(9)


def test_late_after_the_start_plus_grace():
    assert rules.late_by(at(9, 10), at(9), GRACE) is None  # the grace itself is on time
    assert rules.late_by(at(9, 11), at(9), GRACE) == 11
    assert rules.late_by(at(8), at(9), GRACE) is None
    assert rules.late_by(at(12), None, GRACE) is None  # nothing expected: never late
    assert rules.late_by(None, at(9), GRACE) is None


def test_early_before_the_end_minus_grace_unless_closed_by_the_rule():
    assert rules.early_by(at(16, 50), at(17), GRACE) is None
    assert rules.early_by(at(16, 49), at(17), GRACE) == 11
    assert rules.early_by(at(15), at(17), GRACE, auto_closed=True) is None
    assert rules.early_by(at(15), None, GRACE) is None
    assert rules.early_by(None, at(17), GRACE) is None


def test_missing_check_out():
    assert not rules.check_out_missing([], at(17), GRACE, NOW, True)
    assert rules.check_out_missing([stay(at(9), at(12), auto_closed=True)], at(17), GRACE, NOW, True)
    # Open: missing once past the end plus grace; without an end, once the working day is over.
    assert rules.check_out_missing([stay(at(9))], at(17), GRACE, at(17, 11), False)
    assert not rules.check_out_missing([stay(at(9))], at(17), GRACE, at(17, 5), False)
    assert rules.check_out_missing([stay(at(9))], None, GRACE, NOW, True)
    assert not rules.check_out_missing([stay(at(9))], None, GRACE, at(18), False)
    # Only the last attendance may be open; earlier closed ones do not count.
    assert not rules.check_out_missing([stay(at(9), at(12)), stay(at(13), at(17))], at(17), GRACE, NOW, True)


def test_day_attendances_overlap_the_shift_or_share_the_working_day():
    night_in = stay(at(21, 55), at(6, 2, DAY + timedelta(days=1)))
    after_midnight = stay(
        at(0, 30, DAY + timedelta(days=1)), at(6, 0, DAY + timedelta(days=1)), day=DAY + timedelta(days=1)
    )
    other_day = stay(at(9, 0, DAY - timedelta(days=1)), at(17, 0, DAY - timedelta(days=1)), day=DAY - timedelta(days=1))
    stays = [after_midnight, other_day, night_in]
    shift = (at(22), at(6, 0, DAY + timedelta(days=1)))
    assert rules.day_attendances(stays, DAY, *shift) == [night_in, after_midnight]
    assert rules.day_attendances(stays, DAY) == [night_in]


def test_judge_day():
    verdict = rules.judge_day([stay(at(9, 30), at(12)), stay(at(13), at(15))], at(9), at(17), GRACE, NOW, True)
    assert (verdict.present, verdict.check_in, verdict.check_out) == (True, at(9, 30), at(15))
    assert (verdict.late, verdict.late_minutes, verdict.early, verdict.early_minutes) == (True, 30, True, 120)
    assert not verdict.missing_check_out
    on_time = rules.judge_day([stay(at(8, 55), at(17, 5))], at(9), at(17), GRACE, NOW, True)
    assert (on_time.late, on_time.early, on_time.missing_check_out) == (False, False, False)
    # No calendar: the configured start, no end; a flexible day: nothing expected.
    default = rules.judge_day([stay(at(10), at(12))], at(9), None, GRACE, NOW, True)
    assert (default.late, default.late_minutes, default.early) == (True, 60, False)
    flexible = rules.judge_day([stay(at(11))], None, None, GRACE, NOW, True)
    assert (flexible.late, flexible.early, flexible.missing_check_out) == (False, False, True)
    nobody = rules.judge_day([], at(9), at(17), GRACE, NOW, True)
    assert (nobody.present, nobody.late, nobody.missing_check_out) == (False, False, False)
