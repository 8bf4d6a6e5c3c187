"""Chinese working days: pure date arithmetic, no database.

The 2023 and 2024 arrangements below are the State Council's notices (国办发明电〔2022〕16号 for
2023, 国办发明电〔2023〕7号 for 2024); the tests also check the installed package agrees.
"""

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linli.core.workdays import (
    LAST_COVERED_YEAR,
    WorkdayCalendar,
    add_workdays,
    covered,
    is_workday,
    roll_forward,
    workdays_between,
)

D = dt.date.fromisoformat


def days(first: str, last: str) -> list[dt.date]:
    start, end = D(first), D(last)
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


# (days off, make-up workdays) per holiday period.
ARRANGEMENTS = {
    "2023 Spring Festival": (days("2023-01-21", "2023-01-27"), [D("2023-01-28"), D("2023-01-29")]),
    "2023 Mid-Autumn and National Day": (
        days("2023-09-29", "2023-10-06"),
        [D("2023-10-07"), D("2023-10-08")],
    ),
    "2024 Spring Festival": (days("2024-02-10", "2024-02-17"), [D("2024-02-04"), D("2024-02-18")]),
    "2024 National Day": (days("2024-10-01", "2024-10-07"), [D("2024-09-29"), D("2024-10-12")]),
}


def first_uncovered_year() -> int:
    """The first year after 2004 the installed package refuses, found by asking it."""
    year = 2004
    while True:
        try:
            chinese_calendar.is_workday(dt.date(year, 6, 1))
        except NotImplementedError:
            return year
        year += 1


UNCOVERED = first_uncovered_year()


def first_weekday(year: int, month: int, weekday: int) -> dt.date:
    day = dt.date(year, month, 1)
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


# --- the real arrangements -------------------------------------------------------------------


@pytest.mark.parametrize("name", ARRANGEMENTS)
def test_holidays_are_off_and_make_up_days_are_worked(name):
    off, make_up = ARRANGEMENTS[name]
    for day in off:
        assert not is_workday(day), day
        assert not chinese_calendar.is_workday(day), day
    for day in make_up:
        assert day.weekday() >= 5, "a make-up workday falls on a weekend"
        assert is_workday(day), day
        assert chinese_calendar.is_workday(day), day


def test_weekdays_inside_a_holiday_are_off_and_weekends_around_it_follow_the_notice():
    assert D("2024-02-12").weekday() == 0 and not is_workday(D("2024-02-12"))  # Monday off
    assert D("2024-02-03").weekday() == 5 and not is_workday(D("2024-02-03"))  # plain Saturday
    assert D("2024-10-13").weekday() == 6 and not is_workday(D("2024-10-13"))  # Sunday after Sat
    assert is_workday(D("2024-10-08")) and is_workday(D("2024-02-19"))


def test_matches_the_package_on_every_day_it_covers():
    day, end = dt.date(2004, 1, 1), dt.date(LAST_COVERED_YEAR, 12, 31)
    while day <= end:
        assert is_workday(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


# --- due dates across the long holidays --------------------------------------------------------


def test_five_workdays_from_the_friday_before_national_day_2024():
    # Fri 09-27 → Sun 09-29 (make-up), Mon 09-30, then 10-08, 10-09, 10-10.
    assert add_workdays(D("2024-09-27"), 5) == D("2024-10-10")
    assert add_workdays(D("2024-09-27"), 1) == D("2024-09-29")
    assert add_workdays(D("2024-09-27"), 2) == D("2024-09-30")
    assert add_workdays(D("2024-09-27"), 3) == D("2024-10-08")
    # 10-12 is a Saturday worked in exchange.
    assert add_workdays(D("2024-10-08"), 4) == D("2024-10-12")
    assert add_workdays(D("2024-10-08"), 5) == D("2024-10-14")


def test_five_workdays_from_the_friday_before_spring_festival_2024():
    # Fri 02-09 is the last day before the break; next working day is Sun 02-18 (make-up).
    assert add_workdays(D("2024-02-09"), 1) == D("2024-02-18")
    assert add_workdays(D("2024-02-09"), 5) == D("2024-02-22")
    # A week before, the make-up Sunday 02-04 counts.
    assert add_workdays(D("2024-02-02"), 1) == D("2024-02-04")
    assert add_workdays(D("2024-02-02"), 5) == D("2024-02-08")


def test_2023_spring_festival_and_mid_autumn_national_day():
    # Fri 2023-01-20 → Sat 01-28 and Sun 01-29 were worked.
    assert add_workdays(D("2023-01-20"), 1) == D("2023-01-28")
    assert add_workdays(D("2023-01-20"), 3) == D("2023-01-30")
    # Thu 2023-09-28 → the eight days off, then Sat 10-07 and Sun 10-08 worked.
    assert add_workdays(D("2023-09-28"), 1) == D("2023-10-07")
    assert add_workdays(D("2023-09-28"), 5) == D("2023-10-11")


@pytest.mark.parametrize("name", ARRANGEMENTS)
def test_a_due_date_that_would_land_in_a_holiday_moves_past_it(name):
    off, _ = ARRANGEMENTS[name]
    before = off[0] - dt.timedelta(days=1)
    while not is_workday(before):
        before -= dt.timedelta(days=1)
    # Counting from a few days before: every n lands on a working day, none inside the break.
    for start_offset in range(1, 6):
        start = before - dt.timedelta(days=start_offset)
        for n in range(1, 12):
            due = add_workdays(start, n)
            assert is_workday(due)
            assert due not in off


def test_roll_forward_moves_a_holiday_to_the_next_working_day():
    assert roll_forward(D("2024-10-01")) == D("2024-10-08")
    assert roll_forward(D("2024-02-10")) == D("2024-02-18")
    assert roll_forward(D("2024-10-12")) == D("2024-10-12")


def test_workdays_between_counts_the_nth_working_day_and_overdue_days():
    # Referred on Fri 2024-09-27: Sun 09-29 is the 1st working day, 10-10 the 5th.
    assert workdays_between(D("2024-09-27"), D("2024-09-28")) == 0
    assert workdays_between(D("2024-09-27"), D("2024-09-29")) == 1
    assert workdays_between(D("2024-09-27"), D("2024-10-07")) == 2
    assert workdays_between(D("2024-09-27"), D("2024-10-10")) == 5
    # Due 2024-02-08, today 2024-02-19: 02-09, 02-18, 02-19 → overdue by 3 working days.
    assert workdays_between(D("2024-02-08"), D("2024-02-19")) == 3
    assert workdays_between(D("2024-02-19"), D("2024-02-08")) == -3
    assert workdays_between(D("2024-02-08"), D("2024-02-08")) == 0


def test_a_whole_year_has_the_expected_number_of_working_days():
    assert workdays_between(D("2023-12-31"), D("2024-12-31")) == 251
    assert workdays_between(D("2022-12-31"), D("2023-12-31")) == 249
    for year in (2023, 2024):
        package = chinese_calendar.get_workdays(dt.date(year, 1, 1), dt.date(year, 12, 31))
        assert workdays_between(dt.date(year - 1, 12, 31), dt.date(year, 12, 31)) == len(package)


# --- refusals ----------------------------------------------------------------------------------


def test_negative_n_is_refused():
    with pytest.raises(ValueError, match="zero or more"):
        add_workdays(D("2024-01-02"), -1)


def test_zero_returns_the_start_unchanged():
    assert add_workdays(D("2024-10-01"), 0) == D("2024-10-01")


@pytest.mark.parametrize(
    "moment",
    [dt.datetime(2024, 10, 1, 9, 0), dt.datetime(2024, 10, 1, 9, 0, tzinfo=dt.UTC)],
)
def test_datetimes_are_refused_use_dates(moment):
    with pytest.raises(TypeError, match="not a datetime"):
        is_workday(moment)
    with pytest.raises(TypeError, match="not a datetime"):
        add_workdays(moment, 1)
    with pytest.raises(TypeError, match="not a datetime"):
        workdays_between(D("2024-09-01"), moment)
    with pytest.raises(TypeError, match="not a datetime"):
        WorkdayCalendar(extra_holidays=frozenset({moment}))


@pytest.mark.parametrize("bad", ["2024-10-01", None, 20241001])
def test_non_dates_are_refused(bad):
    with pytest.raises(TypeError):
        is_workday(bad)


@pytest.mark.parametrize("n", [1.0, "3", True])
def test_n_must_be_an_int(n):
    with pytest.raises(TypeError):
        add_workdays(D("2024-01-02"), n)


def test_a_date_cannot_be_both_an_extra_holiday_and_an_extra_workday():
    with pytest.raises(ValueError, match="2027-02-06"):
        WorkdayCalendar(
            extra_holidays=frozenset({D("2027-02-06")}), extra_workdays=frozenset({D("2027-02-06")})
        )


# --- years the package does not cover ----------------------------------------------------------


def test_covered_follows_the_package():
    assert covered(2023) and covered(2024)
    assert covered(UNCOVERED - 1)
    assert not covered(UNCOVERED)
    assert not covered(2003)
    assert LAST_COVERED_YEAR == UNCOVERED - 1


def test_uncovered_year_falls_back_to_weekends_only():
    # New Year's Day and the Spring Festival are not known: only weekends are off.
    monday = first_weekday(UNCOVERED, 2, 0)
    week = [monday + dt.timedelta(days=i) for i in range(7)]
    assert [is_workday(day) for day in week] == [True] * 5 + [False] * 2
    assert is_workday(dt.date(UNCOVERED, 1, 1)) == (dt.date(UNCOVERED, 1, 1).weekday() < 5)
    friday = monday + dt.timedelta(days=4)
    assert add_workdays(friday, 1) == friday + dt.timedelta(days=3)
    assert add_workdays(friday, 5) == friday + dt.timedelta(days=7)
    assert workdays_between(friday, friday + dt.timedelta(days=7)) == 5


def test_operator_overrides_in_an_uncovered_year():
    # An operator enters a week off (Mon–Fri) and a make-up Saturday and Sunday around it.
    monday = first_weekday(UNCOVERED, 10, 0)
    off = frozenset(monday + dt.timedelta(days=i) for i in range(5))
    saturday_before = monday - dt.timedelta(days=2)
    sunday_after = monday + dt.timedelta(days=6)
    cal = WorkdayCalendar(
        extra_holidays=off, extra_workdays=frozenset({saturday_before, sunday_after})
    )
    assert all(not is_workday(day, calendar=cal) for day in off)
    assert is_workday(saturday_before, calendar=cal) and is_workday(sunday_after, calendar=cal)
    assert not is_workday(monday + dt.timedelta(days=5), calendar=cal)  # the Saturday in between
    friday_before = monday - dt.timedelta(days=3)
    assert add_workdays(friday_before, 1, calendar=cal) == saturday_before
    assert add_workdays(friday_before, 2, calendar=cal) == sunday_after
    assert add_workdays(friday_before, 3, calendar=cal) == sunday_after + dt.timedelta(days=1)
    # Without the overrides the same count is plain Monday–Friday.
    assert add_workdays(friday_before, 2) == monday + dt.timedelta(days=1)
    assert workdays_between(friday_before, sunday_after, calendar=cal) == 2


def test_the_fallback_warning_flag():
    cal = WorkdayCalendar(extra_holidays=frozenset({dt.date(UNCOVERED, 1, 1)}))
    last_covered_day = dt.date(UNCOVERED - 1, 12, 31)
    first_uncovered_day = dt.date(UNCOVERED, 1, 1)
    assert not cal.relies_on_fallback(D("2024-01-01"), last_covered_day)
    assert cal.relies_on_fallback(last_covered_day, first_uncovered_day)
    assert cal.relies_on_fallback(first_uncovered_day, last_covered_day)  # either order
    assert cal.relies_on_fallback(D("2003-06-01"), D("2003-06-02"))  # before the package starts
    # Entered holidays do not silence the warning: nothing says the whole notice was entered.
    assert cal.relies_on_fallback(first_uncovered_day, first_uncovered_day)
    assert cal.uncovered_years(last_covered_day, dt.date(UNCOVERED + 1, 3, 1)) == (
        UNCOVERED,
        UNCOVERED + 1,
    )
    # A due date computed across the new year tells the board to warn.
    due = add_workdays(D(f"{UNCOVERED - 1}-12-24"), 10, calendar=cal)
    assert due.year == UNCOVERED
    assert cal.relies_on_fallback(D(f"{UNCOVERED - 1}-12-24"), due)


def test_an_override_in_a_covered_year_corrects_the_package_for_that_date_only():
    cal = WorkdayCalendar(
        extra_workdays=frozenset({D("2024-10-07")}), extra_holidays=frozenset({D("2024-10-08")})
    )
    assert is_workday(D("2024-10-07"), calendar=cal)
    assert not is_workday(D("2024-10-08"), calendar=cal)
    assert not is_workday(D("2024-10-06"), calendar=cal)  # the package still decides the rest
    assert is_workday(D("2024-10-12"), calendar=cal)
    assert not cal.relies_on_fallback(D("2024-09-01"), D("2024-10-31"))


def test_overrides_accept_any_collection_of_dates():
    cal = WorkdayCalendar(extra_holidays=[D("2027-01-04")])
    assert cal.extra_holidays == frozenset({D("2027-01-04")})
    with pytest.raises(TypeError, match="collection of dates"):
        WorkdayCalendar(extra_holidays=D("2027-01-04"))


# --- properties ---------------------------------------------------------------------------------

# From before the package starts to after it ends, so the fallback is exercised too.
dates = st.dates(min_value=dt.date(2002, 1, 1), max_value=dt.date(UNCOVERED + 1, 12, 31))


@st.composite
def calendars(draw):
    """No overrides, or a handful of disjoint ones anywhere in the range."""
    chosen = draw(st.frozensets(dates, max_size=20))
    holidays = frozenset(day for day in chosen if draw(st.booleans()))
    return WorkdayCalendar(extra_holidays=holidays, extra_workdays=chosen - holidays)


@settings(max_examples=200, deadline=None)
@given(start=dates, n=st.integers(min_value=1, max_value=300), cal=calendars())
def test_a_due_date_is_a_working_day(start, n, cal):
    assert is_workday(add_workdays(start, n, calendar=cal), calendar=cal)


@settings(max_examples=200, deadline=None)
@given(start=dates, n=st.integers(min_value=0, max_value=300), cal=calendars())
def test_workdays_between_inverts_add_workdays(start, n, cal):
    due = add_workdays(start, n, calendar=cal)
    assert workdays_between(start, due, calendar=cal) == n
    assert workdays_between(due, start, calendar=cal) == -n


@settings(max_examples=200, deadline=None)
@given(start=dates, n=st.integers(min_value=0, max_value=300), cal=calendars())
def test_add_workdays_is_strictly_monotonic_in_n(start, n, cal):
    assert add_workdays(start, n, calendar=cal) < add_workdays(start, n + 1, calendar=cal)


@settings(max_examples=200, deadline=None)
@given(a=dates, b=dates, c=dates)
def test_workdays_between_adds_up(a, b, c):
    assert workdays_between(a, c) == workdays_between(a, b) + workdays_between(b, c)
