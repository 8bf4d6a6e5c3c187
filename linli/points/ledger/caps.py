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

from django.db.models import Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from linli.core.errors import Conflict
from linli.core.quarters import day_bounds, local_date, month_bounds, quarter_of, start_of_day
from linli.people.models import Resident

from ..choices import AwardStatus
from ..models import Award, Rule

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
    statuses = [AwardStatus.POSTED]
    if include_proposed:
        statuses.append(AwardStatus.PROPOSED)
    qs = Award.objects.filter(
        resident_id__in=list(used),
        rule__community_id=rule.community_id,
        rule__key=rule.key,
        status__in=statuses,
        occurred_at__gte=min(start for start, _end in active.values()),
        occurred_at__lt=max(end for _start, end in active.values()),
    )
    if exclude:
        qs = qs.exclude(pk=exclude)
    sums = {
        cap: Sum("points", filter=Q(occurred_at__gte=start, occurred_at__lt=end))
        for cap, (start, end) in active.items()
    }
    for row in qs.order_by().values("resident_id").annotate(**sums):
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
