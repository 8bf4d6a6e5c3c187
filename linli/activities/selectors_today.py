"""今天要办 for activities (see ``linli.core.today``): the activities a resident signed up
for that have not ended yet, soonest first."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Min

from linli.core.today import TODAY_ROWS, TodayItem, TodayRow
from linli.people.models import Resident

from .choices import ACTIVE_SIGNUPS, ActivityStatus
from .models import Signup

SIGNED_UP = "activities.signed_up"


def today_for_resident(residents: list[Resident], now: dt.datetime) -> list[TodayItem]:
    if not residents:
        return []
    qs = Signup.objects.filter(
        resident__in=residents,
        status__in=ACTIVE_SIGNUPS,
        activity__status=ActivityStatus.OPEN,
        activity__ends_at__gt=now,
    )
    agg = qs.aggregate(n=Count("activity_id", distinct=True), soonest=Min("activity__starts_at"))
    rows: tuple[TodayRow, ...] = ()
    if agg["n"]:
        rows = tuple(
            TodayRow(pk=s.activity_id, title=s.activity.title, when=s.activity.starts_at)
            for s in qs.select_related("activity").order_by("activity__starts_at", "pk")[
                :TODAY_ROWS
            ]
        )
    return [
        TodayItem(
            SIGNED_UP,
            agg["n"],
            first=rows[0].pk if agg["n"] == 1 and rows else None,
            due=agg["soonest"],
            rows=rows,
        )
    ]
