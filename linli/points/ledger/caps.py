"""The cap rule, stated once, for every path that posts an award (single, batch, approval,
the statement path and the ORM path alike) and for the pages that show what is left.

A rule may cap the points one resident earns under it per day, month and quarter (China
time). The awards counted are the resident's posted ones under the same rule key in the
same community (every version of the rule), and also the proposed ones, except when a
proposal is approved (then only posted awards count: the proposal itself is excluded). An
award of ``n`` points is refused if, for any cap the rule sets, ``used + n > cap``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from linli.core.errors import Conflict
from linli.core.quarters import day_bounds, local_date, month_bounds, quarter_of, start_of_day
from linli.people.models import Resident

from ..choices import AwardStatus
from ..models import Award, Rule
from . import statements

CAPS = ("cap_day", "cap_month", "cap_quarter")
_LABELS = {
    "cap_day": gettext_noop("每日"),
    "cap_month": gettext_noop("每月"),
    "cap_quarter": gettext_noop("每季度"),
}


def cap_windows(when: dt.datetime) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    """The day, month and quarter (China time) that contain ``when``, as [start, end)."""
    day = local_date(when)
    quarter = quarter_of(day)
    windows = {
        "cap_day": day_bounds(day),
        "cap_month": month_bounds(day),
        "cap_quarter": (quarter.start, quarter.end),
    }
    return {cap: (start_of_day(a), start_of_day(b)) for cap, (a, b) in windows.items()}


def has_caps(rule: Rule) -> bool:
    return any(getattr(rule, cap) is not None for cap in CAPS)


def _usage_rows(
    community_id: int,
    rule_key: str,
    resident_ids: Sequence[int],
    statuses: Sequence[str],
    active: dict[str, tuple[dt.datetime, dt.datetime]],
    span: tuple[dt.datetime, dt.datetime],
    exclude: int | None,
) -> QuerySet[Award, dict[str, Any]]:
    """The awards counted against the caps, summed per resident and cap: the rule's query.
    ``span`` bounds every cap's window (the earliest start, the latest end)."""
    qs = Award.objects.filter(
        resident_id__in=list(resident_ids),
        rule__community_id=community_id,
        rule__key=rule_key,
        status__in=list(statuses),
        occurred_at__gte=span[0],
        occurred_at__lt=span[1],
    )
    if exclude:
        qs = qs.exclude(pk=exclude)
    sums = {
        cap: Sum("points", filter=Q(occurred_at__gte=start, occurred_at__lt=end))
        for cap, (start, end) in active.items()
    }
    return qs.order_by().values("resident_id").annotate(**sums)


def _span(active: dict[str, tuple[dt.datetime, dt.datetime]]) -> tuple[dt.datetime, dt.datetime]:
    return min(s for s, _e in active.values()), max(e for _s, e in active.values())


# A single resident's usage runs once per award. Building the query above through the ORM
# costs more than running it, so on PostgreSQL it is compiled once per shape (which caps,
# which statuses, whether one award is excluded) with a distinct stand-in for every value,
# and each call binds its own values in the stand-ins' places: the same SQL the ORM would
# send, prepared by the server after a few uses.
_SENTINEL_DAY = dt.datetime(1901, 1, 1, tzinfo=dt.UTC)
_Shape = tuple[tuple[str, ...], tuple[str, ...], bool]
_compiled: dict[_Shape, tuple[str, list[tuple[str, Any]]] | None] = {}


def _compile(shape: _Shape) -> tuple[str, list[tuple[str, Any]]] | None:
    caps, statuses, excluding = shape
    roles: dict[Any, str] = {-1_000_001: "community", "\x01linli-cap-key\x01": "key"}
    roles[-1_000_002] = "resident"
    if excluding:
        roles[-1_000_003] = "exclude"
    active = {}
    for i, cap in enumerate(caps):
        start = _SENTINEL_DAY + dt.timedelta(days=2 * i + 1)
        end = _SENTINEL_DAY + dt.timedelta(days=2 * i + 2)
        roles[start], roles[end] = f"{cap}:0", f"{cap}:1"
        active[cap] = (start, end)
    low, high = _SENTINEL_DAY, _SENTINEL_DAY + dt.timedelta(days=100)
    roles[low], roles[high] = "low", "high"
    qs = _usage_rows(
        -1_000_001,
        "\x01linli-cap-key\x01",
        [-1_000_002],
        statuses,
        active,
        (low, high),
        -1_000_003 if excluding else None,
    )
    sql, params = qs.query.sql_with_params()
    slots: list[tuple[str, Any]] = []
    for param in params:
        role = roles.get(param) if isinstance(param, int | str | dt.datetime) else None
        slots.append(("value", param) if role is None else ("role", role))
    if {v for kind, v in slots if kind == "role"} != set(roles.values()):
        return None  # the ORM changed how it binds: keep building the query each time
    return sql, slots


def _usage_one(
    rule: Rule,
    resident_id: int,
    statuses: Sequence[str],
    active: dict[str, tuple[dt.datetime, dt.datetime]],
    exclude: int | None,
) -> dict[str, int] | None:
    """One resident's usage through the compiled query (PostgreSQL), or None to use the ORM."""
    if connection.vendor != "postgresql":
        return None
    shape: _Shape = (tuple(active), tuple(statuses), bool(exclude))
    if shape not in _compiled:
        _compiled[shape] = _compile(shape)
    compiled = _compiled[shape]
    if compiled is None:
        return None
    sql, slots = compiled
    values: dict[str, Any] = {
        "community": rule.community_id,
        "key": rule.key,
        "resident": resident_id,
        "exclude": exclude,
        "low": _span(active)[0],
        "high": _span(active)[1],
    }
    for cap, (start, end) in active.items():
        values[f"{cap}:0"], values[f"{cap}:1"] = start, end
    params = [values[v] if kind == "role" else v for kind, v in slots]
    with statements.cursor() as cur:
        cur.execute(sql, params, prepare=True)
        row = cur.fetchone()
    if row is None:
        return dict.fromkeys(active, 0)
    return {cap: int(row[1 + i] or 0) for i, cap in enumerate(active)}


def cap_usage_many(
    rule: Rule,
    resident_ids: Sequence[int],
    when: dt.datetime,
    *,
    exclude: int | None = None,
    include_proposed: bool = True,
) -> dict[int, dict[str, int]]:
    """Points already counted against each of the rule's caps, for many residents in one
    query: resident id → cap → points used (only the caps the rule sets). Every cap window
    contains ``when``'s day, so one range bounds them all and each sum filters its own."""
    active = {cap: bounds for cap, bounds in cap_windows(when).items() if getattr(rule, cap)}
    used: dict[int, dict[str, int]] = {pk: dict.fromkeys(active, 0) for pk in resident_ids}
    if not active:
        return used
    statuses = [AwardStatus.POSTED.value]
    if include_proposed:
        statuses.append(AwardStatus.PROPOSED.value)
    if len(used) == 1:
        (only,) = used
        one = _usage_one(rule, only, statuses, active, exclude)
        if one is not None:
            return {only: one}
    rows = _usage_rows(
        rule.community_id, rule.key, list(used), statuses, active, _span(active), exclude
    )
    for row in rows:
        used[row["resident_id"]] = {cap: row[cap] or 0 for cap in active}
    return used


def cap_usage(
    rule: Rule,
    resident_id: int,
    when: dt.datetime,
    *,
    exclude: int | None = None,
    include_proposed: bool = True,
) -> dict[str, int]:
    """``cap_usage_many`` for one resident."""
    return cap_usage_many(
        rule, [resident_id], when, exclude=exclude, include_proposed=include_proposed
    )[resident_id]


def refuse_over_cap(rule: Rule, resident: Resident, points: int, usage: dict[str, int]) -> None:
    """The rule itself: refuse ``points`` more if any cap would be passed."""
    for cap, used in usage.items():
        limit = getattr(rule, cap)
        if limit is not None and used + points > limit:
            raise Conflict(
                _("超出“%(rule)s”%(period)s上限 %(limit)d 分：%(name)s 已有 %(used)d 分")
                % {
                    "rule": rule.name,
                    "period": _(_LABELS[cap]),
                    "limit": limit,
                    "name": resident.name,
                    "used": used,
                }
            )


def check_caps(
    rule: Rule,
    resident: Resident,
    points: int,
    when: dt.datetime,
    *,
    exclude: int | None = None,
    include_proposed: bool = True,
) -> None:
    usage = cap_usage(rule, resident.pk, when, exclude=exclude, include_proposed=include_proposed)
    refuse_over_cap(rule, resident, points, usage)


def check_caps_many(
    rule: Rule, residents: Sequence[Resident], points: int, when: dt.datetime
) -> None:
    if not has_caps(rule):
        return
    usage = cap_usage_many(rule, [r.pk for r in residents], when)
    for resident in residents:
        refuse_over_cap(rule, resident, points, usage[resident.pk])
