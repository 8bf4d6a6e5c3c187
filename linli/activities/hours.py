"""Hours arithmetic, pure (no database): from sign-in and sign-out to the minutes that count,
half-hours, whether the attendance counts, and the points.

- Minutes: from sign-in to sign-out, whole minutes (seconds dropped), never more than the
  activity's length (arriving early to set up or leaving late does not add time).
- Half-hours: the minutes floored to whole half-hours (29 minutes → 0, 59 → 1, 60 → 2).
- Counts: the minutes (not the floored half-hours) are at least the community's share of the
  activity's length (60 % by default; exactly 60 % counts).
- Points: per activity, the activity's points; per hour, points-per-hour × half-hours / 2,
  floored to whole points. Either way never less than the rule's minimum nor more than its
  maximum (the ledger refuses an award outside the rule's range), and nothing for an
  attendance that does not count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .choices import PointsBasis


def attended_minutes(
    signed_in: dt.datetime, signed_out: dt.datetime, starts_at: dt.datetime, ends_at: dt.datetime
) -> int:
    length = int((ends_at - starts_at).total_seconds() // 60)
    raw = int((signed_out - signed_in).total_seconds() // 60)
    return max(0, min(raw, length))


def half_hours_of(minutes: int) -> int:
    return max(0, minutes) // 30


def counts(minutes: int, length_minutes: int, share_percent: int) -> bool:
    """At least ``share_percent`` of the activity's length, compared exactly (no rounding)."""
    if length_minutes <= 0:
        return False
    return minutes * 100 >= share_percent * length_minutes


def points_for(basis: str, points: int, half_hours: int, *, rule_min: int, rule_max: int) -> int:
    """The points one counted attendance earns (before the rule's caps)."""
    raw = points if basis == PointsBasis.PER_ACTIVITY else points * half_hours // 2
    return max(rule_min, min(raw, rule_max))


@dataclass(frozen=True)
class Tally:
    minutes: int
    half_hours: int
    counts: bool


def tally(
    signed_in: dt.datetime,
    signed_out: dt.datetime,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    share_percent: int,
) -> Tally:
    minutes = attended_minutes(signed_in, signed_out, starts_at, ends_at)
    length = int((ends_at - starts_at).total_seconds() // 60)
    ok = counts(minutes, length, share_percent)
    return Tally(minutes=minutes, half_hours=half_hours_of(minutes) if ok else 0, counts=ok)


def format_hours(half_hours: int) -> str:
    """4 → "2", 5 → "2.5", -1 → "-0.5"."""
    whole, half = divmod(abs(half_hours), 2)
    text = f"{whole}.5" if half else str(whole)
    return f"-{text}" if half_hours < 0 else text
