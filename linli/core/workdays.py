"""Chinese working days: due dates and ages counted the way offices count them.

Each year the State Council publishes its holiday arrangement (国务院办公厅关于某年部分节假日
安排的通知): the days off around the Spring Festival, National Day and the other holidays, and
the weekend days worked in exchange (调休上班, "make-up workdays"). The pinned
``chinesecalendar`` package carries those notices for the years it knows (see :func:`covered`).

How a day is decided, for any date ``day`` and a :class:`WorkdayCalendar`:

1. an operator override for exactly that date wins — ``extra_workdays`` makes it a working day,
   ``extra_holidays`` a day off. In a covered year this is an operator correcting the package;
   in an uncovered year it is the operator entering the State Council's notice by hand;
2. otherwise, in a covered year, the package decides (its holidays are off, its make-up days
   are worked, other weekdays worked and weekends off);
3. otherwise (a year the package does not cover yet, or a year before it starts) the
   weekends-only fallback: Monday–Friday are working days, Saturday and Sunday are not.

A board counting days in an uncovered year should say so: :meth:`WorkdayCalendar.relies_on_fallback`
tells whether a date range touched the fallback (even when an operator has entered overrides,
since nothing checks that the whole notice was entered).

Counting conventions:

* ``add_workdays(start, n)`` is the n-th working day *after* ``start`` — ``start`` itself never
  counts, so a referral made on Friday 2024-09-27 with 5 working days is due 2024-10-10. For
  ``n >= 1`` the result is always a working day; ``n == 0`` returns ``start`` unchanged.
* ``workdays_between(a, b)`` counts the working days in ``(a, b]``: 1 on the first working day
  after ``a`` ("第 1 个工作日"), and for ``a = due``, ``b = today`` how many working days a
  referral is overdue. It is antisymmetric: ``workdays_between(b, a) == -workdays_between(a, b)``.

Only ``datetime.date`` values are accepted: a ``datetime`` (naive or aware) is refused, since
which day it is depends on a time zone — convert with :func:`linli.core.quarters.local_date`.
Everything here is pure: no database, no network, no files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import chinese_calendar

# The package's own data: dates off (holidays, including weekdays given in lieu) and weekend
# days worked (make-up days). Its ``is_workday`` applies the rule below but recomputes the
# covered range on every call, so we read the same data once.
_PACKAGE_HOLIDAYS: frozenset[dt.date] = frozenset(chinese_calendar.holidays)
_PACKAGE_WORKDAYS: frozenset[dt.date] = frozenset(chinese_calendar.workdays)
FIRST_COVERED_YEAR: int = min(_PACKAGE_HOLIDAYS).year
LAST_COVERED_YEAR: int = max(_PACKAGE_HOLIDAYS).year

_ONE_DAY = dt.timedelta(days=1)


def covered(year: int) -> bool:
    """Whether ``chinesecalendar`` carries the State Council's arrangement for ``year``.

    Mirrors the package's own check (it raises ``NotImplementedError`` outside this range).
    """
    return FIRST_COVERED_YEAR <= year <= LAST_COVERED_YEAR


def _check_date(value: object, name: str) -> dt.date:
    if isinstance(value, dt.datetime):
        raise TypeError(
            f"{name} must be a date, not a datetime ({value!r}); "
            "take the local date first, e.g. linli.core.quarters.local_date(moment)"
        )
    if not isinstance(value, dt.date):
        raise TypeError(f"{name} must be a datetime.date, got {type(value).__name__}")
    return value


def _days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day <= last:
        yield day
        day += _ONE_DAY


@dataclass(frozen=True)
class WorkdayCalendar:
    """The package's calendar plus a community's operator-entered overrides.

    ``extra_holidays`` are dates off, ``extra_workdays`` dates worked (make-up days), each
    applying only to exactly those dates. Enter them for a year the package does not cover
    yet, from the State Council's notice, or to correct the package; the two must not share a
    date. Any iterable of dates is accepted and stored as a frozenset.
    """

    extra_holidays: frozenset[dt.date] = field(default_factory=frozenset)
    extra_workdays: frozenset[dt.date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        for name in ("extra_holidays", "extra_workdays"):
            raw: Iterable[object] = getattr(self, name)
            if isinstance(raw, str | bytes | dt.date):
                raise TypeError(f"{name} must be a collection of dates, got {raw!r}")
            days = frozenset(_check_date(day, f"every date in {name}") for day in raw)
            object.__setattr__(self, name, days)
        both = self.extra_holidays & self.extra_workdays
        if both:
            listed = ", ".join(day.isoformat() for day in sorted(both))
            raise ValueError(
                f"a date cannot be both an extra holiday and an extra workday: {listed}"
            )

    def is_workday(self, day: dt.date) -> bool:
        day = _check_date(day, "day")
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        if covered(day.year):
            return day in _PACKAGE_WORKDAYS or (day.weekday() < 5 and day not in _PACKAGE_HOLIDAYS)
        return day.weekday() < 5

    def uncovered_years(self, start: dt.date, end: dt.date) -> tuple[int, ...]:
        """The years between ``start`` and ``end`` (inclusive, either order) the package lacks."""
        start = _check_date(start, "start")
        end = _check_date(end, "end")
        first, last = sorted((start.year, end.year))
        return tuple(year for year in range(first, last + 1) if not covered(year))

    def relies_on_fallback(self, start: dt.date, end: dt.date) -> bool:
        """Whether any day from ``start`` to ``end`` (inclusive) used the weekends-only fallback.

        True as soon as the range touches a year the package does not cover, whatever the
        operator has entered for it: the board shows a warning so people know the count rests
        on weekends plus hand-entered holidays.
        """
        return bool(self.uncovered_years(start, end))


DEFAULT_CALENDAR = WorkdayCalendar()


def _calendar(calendar: WorkdayCalendar | None) -> WorkdayCalendar:
    if calendar is None:
        return DEFAULT_CALENDAR
    if not isinstance(calendar, WorkdayCalendar):
        raise TypeError(f"calendar must be a WorkdayCalendar, got {type(calendar).__name__}")
    return calendar


def is_workday(day: dt.date, *, calendar: WorkdayCalendar | None = None) -> bool:
    """Whether people work on ``day`` (see the module docstring for how it is decided)."""
    return _calendar(calendar).is_workday(day)


def add_workdays(start: dt.date, n: int, *, calendar: WorkdayCalendar | None = None) -> dt.date:
    """The n-th working day after ``start`` (``start`` itself does not count).

    For ``n >= 1`` the result is a working day: a due date never lands on a holiday or on a
    weekend that is not a make-up workday. ``n == 0`` returns ``start``; ``n < 0`` is refused.
    """
    cal = _calendar(calendar)
    day = _check_date(start, "start")
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    if n < 0:
        raise ValueError(f"n must be zero or more working days, got {n}")
    remaining = n
    while remaining:
        day += _ONE_DAY
        if cal.is_workday(day):
            remaining -= 1
    return day


def roll_forward(day: dt.date, *, calendar: WorkdayCalendar | None = None) -> dt.date:
    """``day`` if it is a working day, else the first working day after it."""
    cal = _calendar(calendar)
    day = _check_date(day, "day")
    while not cal.is_workday(day):
        day += _ONE_DAY
    return day


def workdays_between(a: dt.date, b: dt.date, *, calendar: WorkdayCalendar | None = None) -> int:
    """The number of working days in ``(a, b]``; negative when ``b`` is before ``a``.

    ``workdays_between(referred_on, today)`` is N in "第 N 个工作日";
    ``workdays_between(due, today)`` is how many working days a referral is overdue (> 0).
    """
    cal = _calendar(calendar)
    a = _check_date(a, "a")
    b = _check_date(b, "b")
    if b < a:
        return -workdays_between(b, a, calendar=cal)
    if a == b:
        return 0
    return sum(1 for day in _days(a + _ONE_DAY, b) if cal.is_workday(day))
