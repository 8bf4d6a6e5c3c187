"""今天要办 for matters (see ``linli.core.today``): what staff, a building leader, a
resident, a department handler and a supervisor must do now. Scoped through the same
policies as the pages (an actor counts only her places); one aggregate per item, so a
fixed number of queries whatever the data."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, IntegerField, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from linli.core.actors import Actor
from linli.core.today import TODAY_ROWS, TodayItem, TodayRow, week_end
from linli.people import policies as people_policies
from linli.people.models import Resident

from . import workflows
from .choices import REFERRAL_OPEN_STATES, MatterLevel, MatterSource, MatterState
from .models import (
    AppealState,
    Flag,
    FlagState,
    Matter,
    Meeting,
    Rating,
    RatingAppeal,
    Rectification,
    RectificationState,
    Referral,
)
from .models.meeting import MeetingState
from .policies import LEADER, STAFF, handler_department_ids
from .selectors_ratings import SUPERVISORS

# Kinds (the page maps each to a sentence and a link).
ACCEPT = "matters.accept"
REFERRALS_DUE = "matters.referrals_due"
RECTIFY = "matters.rectify"
LEADER_WAITING = "matters.leader_waiting"
NEXT_MEETING = "matters.next_meeting"
RATE = "matters.rate"
DEPARTMENT_REFERRALS = "matters.department_referrals"
FLAGS = "matters.flags"
APPEALS = "matters.appeals"
STREET_OVERDUE = "matters.street_overdue"

_OPEN_REFERRAL = Q(state__in=sorted(REFERRAL_OPEN_STATES))


def _due(qs: QuerySet[Referral]) -> QuerySet[Referral]:
    return qs.annotate(due=Coalesce("extended_due_on", "due_on"))


def _due_by(day: dt.date, *, inclusive: bool) -> Q:
    """Referrals whose current due date (the extended one, if any) is before ``day`` (or on
    it, with ``inclusive``)."""
    op = "lte" if inclusive else "lt"
    return Q(**{f"extended_due_on__{op}": day}) | Q(
        extended_due_on__isnull=True, **{f"due_on__{op}": day}
    )


def _referral_item(
    kind: str, qs: QuerySet[Referral], today: dt.date, *, rows: bool = True
) -> TodayItem:
    """Count, overdue count, soonest due and the first rows (by due date) of referrals."""
    agg = qs.aggregate(
        n=Count("pk"),
        late=Count("pk", filter=Q(due__lt=today)),
        soonest=Min("due"),
        first=Min("matter_id"),
    )
    listed: tuple[TodayRow, ...] = ()
    if rows and agg["n"]:
        listed = tuple(
            TodayRow(pk=r.matter_id, title=r.matter.title, when=r.due, overdue=r.due < today)  # type: ignore[attr-defined]
            for r in qs.select_related("matter").order_by("due", "pk")[:TODAY_ROWS]
        )
    return TodayItem(
        kind=kind,
        count=agg["n"],
        first=agg["first"] if agg["n"] == 1 else None,
        due=agg["soonest"],
        overdue=agg["late"],
        rows=listed,
    )


def today_for_staff(actor: Actor | None, today: dt.date) -> list[TodayItem]:
    """Community staff: matters to accept, referrals overdue or due this week, open
    rectifications (after a bad rating)."""
    if not people_policies.places_for_roles(actor, STAFF):
        return []
    scope = people_policies.scope_q_roles(actor, STAFF, "place__")
    accept = (
        Matter.objects.filter(scope, state__in=workflows.PENDING)
        .exclude(level=MatterLevel.DEPARTMENT)
        .aggregate(n=Count("pk"), first=Min("pk"), since=Min("raised_at"))
    )
    referrals = _due(
        Referral.objects.filter(
            people_policies.scope_q_roles(actor, STAFF, "matter__place__"), _OPEN_REFERRAL
        )
    ).filter(_due_by(week_end(today), inclusive=True))
    rect = Rectification.objects.filter(
        people_policies.scope_q_roles(actor, STAFF, "matter__place__"),
        state=RectificationState.OPEN,
    ).aggregate(
        n=Count("pk"),
        late=Count("pk", filter=Q(due_on__lt=today)),
        soonest=Min("due_on"),
        first=Min("pk"),
    )
    return [
        TodayItem(
            ACCEPT,
            accept["n"],
            first=accept["first"] if accept["n"] == 1 else None,
            due=accept["since"],
        ),
        _referral_item(REFERRALS_DUE, referrals, today),
        TodayItem(
            RECTIFY,
            rect["n"],
            first=rect["first"] if rect["n"] == 1 else None,
            due=rect["soonest"],
            overdue=rect["late"],
        ),
    ]


def today_for_leader(actor: Actor | None, now: dt.datetime) -> list[TodayItem]:
    """A building leader: her buildings' matters waiting at building level (to accept, or
    in her hands), and the next meeting she is a member of."""
    if not people_policies.places_for_roles(actor, LEADER):
        return []
    waiting = Matter.objects.filter(
        people_policies.scope_q_roles(actor, LEADER, "place__"),
        level=MatterLevel.BUILDING,
        state__in=(*workflows.PENDING, *workflows.HELD),
    ).aggregate(
        n=Count("pk"),
        new=Count("pk", filter=Q(state__in=workflows.PENDING)),
        first=Min("pk"),
    )
    return [
        TodayItem(
            LEADER_WAITING,
            waiting["n"],
            first=waiting["first"] if waiting["n"] == 1 else None,
            extra={"new": waiting["new"]},
        ),
        *_next_meeting(actor, now),
    ]


def _next_meeting(actor: Actor | None, now: dt.datetime) -> list[TodayItem]:
    user_id = getattr(actor, "pk", None)
    if not user_id:
        return []
    meeting = (
        Meeting.objects.filter(
            members__resident__user_id=user_id,
            state__in=(MeetingState.SCHEDULED, MeetingState.OPEN),
        )
        .filter(Q(state=MeetingState.OPEN) | Q(scheduled_at__gte=now - dt.timedelta(hours=12)))
        .order_by("scheduled_at", "pk")
        .only("pk", "title", "scheduled_at", "location", "state")
        .first()
    )
    if meeting is None:
        return []
    return [
        TodayItem(
            NEXT_MEETING,
            1,
            first=meeting.pk,
            due=meeting.scheduled_at,
            extra={"title": meeting.title, "location": meeting.location},
        )
    ]


def today_for_resident(actor: Actor | None, residents: list[Resident]) -> list[TodayItem]:
    """A resident: done matters she raised and has not rated this round (the round is the
    number of rectifications so far, as ``selectors_ratings.rating_round`` counts)."""
    user_id = getattr(actor, "pk", None)
    if not user_id:
        return []
    mine = Q(source=MatterSource.RESIDENT, raised_by_id=user_id)
    if residents:
        mine |= Q(resident_id__in=[r.pk for r in residents])
    rounds = (
        Rectification.objects.filter(matter_id=OuterRef("pk"))
        .order_by()
        .values("matter_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        Matter.objects.filter(mine, state=MatterState.DONE)
        .annotate(round_now=Coalesce(Subquery(rounds, output_field=IntegerField()), 0))
        .annotate(
            rated=Exists(
                Rating.objects.filter(
                    matter_id=OuterRef("pk"), rater_id=user_id, round=OuterRef("round_now")
                )
            )
        )
        .filter(rated=False)
    )
    agg = rows.aggregate(n=Count("pk"), first=Min("pk"))
    return [TodayItem(RATE, agg["n"], first=agg["first"] if agg["n"] == 1 else None)]


def today_for_department(actor: Actor | None, today: dt.date) -> list[TodayItem]:
    """A department handler: her departments' open referrals, by due date."""
    departments = handler_department_ids(actor)
    if not departments:
        return []
    qs = _due(Referral.objects.filter(_OPEN_REFERRAL, department_id__in=departments))
    return [_referral_item(DEPARTMENT_REFERRALS, qs, today)]


def today_for_supervisor(actor: Actor | None, today: dt.date) -> list[TodayItem]:
    """A supervisor: open 办不成事 flags, pending appeals, overdue referrals in the street."""
    if not people_policies.places_for_roles(actor, SUPERVISORS):
        return []
    flags = Flag.objects.filter(
        people_policies.scope_q_roles(actor, SUPERVISORS, "street__"), state=FlagState.OPEN
    ).aggregate(n=Count("pk"), late=Count("pk", filter=Q(due_on__lt=today)), soonest=Min("due_on"))
    appeals = RatingAppeal.objects.filter(
        people_policies.scope_q_roles(actor, SUPERVISORS, "rating__matter__place__"),
        state=AppealState.PENDING,
    ).aggregate(n=Count("pk"))
    overdue = _due(
        Referral.objects.filter(
            people_policies.scope_q_roles(actor, SUPERVISORS, "matter__place__"), _OPEN_REFERRAL
        )
    ).filter(_due_by(today, inclusive=False))
    return [
        TodayItem(FLAGS, flags["n"], due=flags["soonest"], overdue=flags["late"]),
        TodayItem(APPEALS, appeals["n"]),
        _referral_item(STREET_OVERDUE, overdue, today),
    ]
