"""Query parameters (``?place=``, ``?year=``, ``?q=``, ``?start=`` …) read the way forms read their
fields: a value that is not what the page expects is treated as absent, never handed to
``int()``, the database or ``date()`` as it came. ``"²".isdigit()`` is true and ``int("²")``
fails, a NUL in a search fails on PostgreSQL, "2024-02-30" fails in ``date``: each of those
was a 500. (``?page=`` goes to ``Paginator.get_page``, which already takes anything.)
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from linli.core.errors import ValidationFailed
from linli.core.text import INT_MAX, clean_text, parse_int

DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
FIRST_YEAR, LAST_YEAR = 1900, 2100


def query_int(
    params: Mapping[str, Any], name: str, *, min_value: int = 1, max_value: int = INT_MAX
) -> int | None:
    """The parameter as a whole number in range (full-width digits read), else None."""
    raw = params.get(name)
    if raw is None:
        return None
    value = parse_int(str(raw)[:40])
    if value is None or not min_value <= value <= max_value:
        return None
    return value


def query_text(params: Mapping[str, Any], name: str, *, limit: int) -> str:
    """A search or filter text: cleaned like any text (control characters make it empty),
    cut to ``limit`` characters."""
    raw = str(params.get(name) or "")[: limit * 4]
    try:
        return clean_text(raw, limit=limit * 4)[:limit]
    except ValidationFailed:
        return ""


def query_date(params: Mapping[str, Any], name: str) -> dt.date | None:
    """A date (2026-03-03) that exists, in 1900 … 2100, else None (year 1 would overflow
    once turned into a moment in China's time zone)."""
    raw = str(params.get(name) or "").strip()
    if not DATE.fullmatch(raw):
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        return None
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else None
