"""Reminders before due dates (the scheduled ``linli matters remind``).

Each community's ``MatterSettings.reminder_days`` says how many working days before a due date
the people who owe something hear of it (0: no reminders): a referral's department handlers,
an open rectification's community staff, an open 办不成事 flag's supervisors (of its street, or
a district or city above). Days are counted on the community's calendar.

Idempotent: each reminder carries a key naming the thing and its due date, so running the job
twice (or every hour) stores nothing new; a referral extended to a new date is reminded again
for that date. Overdue referrals are chased (``referral_chase``); an open rectification or
flag past its deadline gets one overdue notice to the same people (key: the item, "overdue",
its due date).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.actors import Actor, is_system
from linli.core.errors import Forbidden
from linli.core.quarters import local_date
from linli.core.workdays import WorkdayCalendar, workdays_between

from ..models import (
    Flag,
    FlagState,
    Matter,
    MatterSettings,
    Rectification,
    RectificationState,
    Referral,
)
from ..selectors import calendar_for, matter_settings_for
from .matters import (
    community_staff_ids,
    department_handler_ids,
    matter_notify,
    street_supervisor_ids,
)
from .referrals import CHASED_STATES


@dataclass
class ReminderCounts:
    """How many notifications one run stored, by what they remind of."""

    referrals: int = 0
    rectifications: int = 0
    flags: int = 0
    _settings: dict[int, MatterSettings] = field(default_factory=dict, repr=False)
    _calendars: dict[int, WorkdayCalendar] = field(default_factory=dict, repr=False)

    @property
    def total(self) -> int:
        return self.referrals + self.rectifications + self.flags

    def window(self, community_id: int) -> tuple[int, WorkdayCalendar]:
        if community_id not in self._settings:
            self._settings[community_id] = matter_settings_for(community_id)
            self._calendars[community_id] = calendar_for(community_id)
        return self._settings[community_id].reminder_days, self._calendars[community_id]


def reminder_due(
    today: dt.date, due: dt.date, reminder_days: int, calendar: WorkdayCalendar
) -> bool:
    """Whether a due date is within the reminder window: not passed yet, and at most
    ``reminder_days`` working days away (0 turns reminders off)."""
    if reminder_days <= 0 or due < today:
        return False
    return workdays_between(today, due, calendar=calendar) <= reminder_days


def _remind(
    users: list[int],
    matter: Matter,
    *,
    kind: str,
    params: dict[str, Any],
    key: str,
    now: dt.datetime,
) -> int:
    with transaction.atomic(durable=True):
        return matter_notify(users, matter, kind=kind, params=params, key=key, when=now)


def reminders_send(*, actor: Actor, now: dt.datetime | None = None) -> ReminderCounts:
    """Remind everyone whose referral, rectification or flag falls due within their
    community's reminder window (see the module docstring). System only."""
    if not is_system(actor):
        raise Forbidden(_("您不能进行此操作"))
    now = now or timezone.now()
    today = local_date(now)
    counts = ReminderCounts()

    referrals = (
        Referral.objects.filter(state__in=CHASED_STATES)
        .select_related("matter", "department")
        .order_by("matter_id", "pk")
    )
    for r in referrals:
        m = r.matter
        days, cal = counts.window(m.community_id)
        due = r.current_due
        if not reminder_due(today, due, days, cal):
            continue
        counts.referrals += _remind(
            department_handler_ids([r.department_id]),
            m,
            kind="referral.remind",
            params={"due": due},
            key=f"referral:{r.pk}:remind:{due}",
            now=now,
        )

    rectifications = (
        Rectification.objects.filter(state=RectificationState.OPEN)
        .select_related("matter")
        .order_by("matter_id", "pk")
    )
    for rect in rectifications:
        m = rect.matter
        days, cal = counts.window(m.community_id)
        if rect.due_on < today:
            # Past its deadline and not rectified: told once (the board marks it too).
            counts.rectifications += _remind(
                community_staff_ids(m.community_id),
                m,
                kind="rectification.overdue",
                params={"due": rect.due_on},
                key=f"rectification:{rect.pk}:overdue:{rect.due_on}",
                now=now,
            )
            continue
        if not reminder_due(today, rect.due_on, days, cal):
            continue
        counts.rectifications += _remind(
            community_staff_ids(m.community_id),
            m,
            kind="rectification.remind",
            params={"due": rect.due_on},
            key=f"rectification:{rect.pk}:remind:{rect.due_on}",
            now=now,
        )

    flags = (
        Flag.objects.filter(state=FlagState.OPEN)
        .select_related("matter", "street")
        .order_by("matter_id", "pk")
    )
    for flag in flags:
        m = flag.matter
        days, cal = counts.window(m.community_id)
        if flag.due_on < today:
            counts.flags += _remind(
                street_supervisor_ids(flag.street),
                m,
                kind="flag.overdue",
                params={"due": flag.due_on},
                key=f"flag:{flag.pk}:overdue:{flag.due_on}",
                now=now,
            )
            continue
        if not reminder_due(today, flag.due_on, days, cal):
            continue
        counts.flags += _remind(
            street_supervisor_ids(flag.street),
            m,
            kind="flag.remind",
            params={"due": flag.due_on},
            key=f"flag:{flag.pk}:remind:{flag.due_on}",
            now=now,
        )
    return counts
