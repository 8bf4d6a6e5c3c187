"""Hours arithmetic at the boundaries: half-hours floor, the cap at the activity's length,
the attendance share (exactly 60 % counts), per-hour and per-activity points."""

from __future__ import annotations

import datetime as dt

import pytest

from linli.activities import hours
from linli.activities.choices import PointsBasis
from linli.core.quarters import CHINA

START = dt.datetime(2026, 3, 3, 19, 30, tzinfo=CHINA)
END = START + dt.timedelta(hours=2)  # 120 minutes


def at(minutes: float) -> dt.datetime:
    return START + dt.timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("minutes", "half"),
    [(0, 0), (29, 0), (30, 1), (59, 1), (60, 2), (89, 2), (90, 3), (119, 3), (120, 4)],
)
def test_half_hours_floor(minutes, half):
    assert hours.half_hours_of(minutes) == half


def test_29_minutes_59_seconds_is_29_minutes():
    assert hours.attended_minutes(START, at(29 + 59 / 60), START, END) == 29


def test_capped_at_the_activitys_length_even_if_early_and_late():
    assert hours.attended_minutes(at(-30), at(150), START, END) == 120
    t = hours.tally(at(-30), at(150), START, END, 60)
    assert (t.minutes, t.half_hours, t.counts) == (120, 4, True)


def test_sign_out_before_sign_in_gives_nothing():
    assert hours.attended_minutes(at(10), at(5), START, END) == 0


def test_exactly_the_share_counts_one_minute_less_does_not():
    # 60 % of 120 minutes is 72 minutes.
    assert hours.tally(START, at(72), START, END, 60) == hours.Tally(72, 2, True)
    assert hours.tally(START, at(71), START, END, 60) == hours.Tally(71, 0, False)
    # A share that is not a whole number of minutes: 60 % of 95 = 57.
    end95 = START + dt.timedelta(minutes=95)
    assert hours.tally(START, at(57), START, end95, 60).counts
    assert not hours.tally(START, at(56), START, end95, 60).counts
    # Other settings: 100 % needs all of it, 1 % almost nothing.
    assert not hours.tally(START, at(119), START, END, 100).counts
    assert hours.tally(START, at(120), START, END, 100).counts
    assert hours.tally(START, at(2), START, END, 1).counts


def test_a_short_activity_can_count_with_no_whole_half_hour():
    end = START + dt.timedelta(minutes=25)
    t = hours.tally(START, at(20), START, end, 60)
    assert (t.minutes, t.half_hours, t.counts) == (20, 0, True)


@pytest.mark.parametrize(
    ("basis", "points", "half", "expected"),
    [
        (PointsBasis.PER_ACTIVITY, 10, 4, 10),
        (PointsBasis.PER_ACTIVITY, 10, 1, 10),
        (PointsBasis.PER_HOUR, 5, 4, 10),  # 2 hours × 5
        (PointsBasis.PER_HOUR, 5, 3, 7),  # 1.5 hours × 5 = 7.5 → 7 (floor)
        (PointsBasis.PER_HOUR, 5, 1, 2),  # 0.5 × 5 = 2.5 → 2 (the rule's minimum is 2)
        (PointsBasis.PER_HOUR, 5, 0, 2),  # counted, under half an hour: the rule's minimum
        (PointsBasis.PER_HOUR, 10, 8, 30),  # 4 hours × 10 = 40, the rule's maximum is 30
    ],
)
def test_points(basis, points, half, expected):
    assert hours.points_for(basis, points, half, rule_min=2, rule_max=30) == expected


def test_format_hours():
    assert [hours.format_hours(n) for n in (0, 1, 2, 3, -1, -4)] == [
        "0",
        "0.5",
        "1",
        "1.5",
        "-0.5",
        "-2",
    ]
