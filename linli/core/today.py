"""今天要办: what a person must do now, computed from the domain (never from notices).

Each domain app has a ``selectors_today`` module whose functions answer, for one actor and
one moment, a short list of ``TodayItem``: a kind (a stable key the page maps to a sentence
and a link), how many rows are waiting, and enough to link straight to the one row when
there is only one. Every function runs a fixed number of queries whatever the data (counts
and the first row come from one aggregate), so the home page's cost does not grow with the
community.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

# How many rows an item lists under itself (referrals by due date, activities by start).
TODAY_ROWS = 5


@dataclass(frozen=True)
class TodayRow:
    """One row listed under an item: the object to open, its title and its date."""

    pk: int
    title: str
    when: dt.date | dt.datetime | None = None
    overdue: bool = False


@dataclass(frozen=True)
class TodayItem:
    """``count`` rows of ``kind`` wait for the actor. ``first`` is the row to open when
    there is one (a matter, a rectification, a publication …: the kind says which);
    ``due`` the soonest due date; ``overdue`` how many are past it; ``extra`` what the
    sentence needs besides (a balance, a closing time)."""

    kind: str
    count: int
    first: int | None = None
    due: dt.date | dt.datetime | None = None
    overdue: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    rows: tuple[TodayRow, ...] = ()


def week_end(today: dt.date) -> dt.date:
    """The Sunday that ends ``today``'s week (ISO weeks start on Monday)."""
    return today + dt.timedelta(days=6 - today.weekday())


def only_due(items: list[TodayItem]) -> list[TodayItem]:
    """The items with something waiting (a selector may answer a zero count)."""
    return [i for i in items if i.count > 0]
