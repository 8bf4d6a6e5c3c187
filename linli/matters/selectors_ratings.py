"""Reads for 好差评 and 办不成事.

Handlers get ratings as ``RatingView`` rows, which carry no rater: nothing a handler's page
renders can name who rated. The rater sees which rating is theirs; a supervisor deciding an
appeal sees who rated (``appeal_rater``), to judge whether a rating was mistaken or malicious —
that is the one place the rater is shown, and only to the supervisors of the street above.

Flags: supervisors see who flagged (they answer them); the flagger sees their own flags; every
one else — the handlers included — sees a flag without its flagger (not even a masked name).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from linli.core.actors import Actor, is_system
from linli.core.quarters import local_date
from linli.people import policies as people_policies
from linli.people.choices import Role
from linli.people.models import User
from linli.places.models import Place

from . import policies, workflows
from .choices import MatterLevel, MatterState, ReferralState
from .models import (
    BAD_LEVELS,
    AppealState,
    Flag,
    FlagState,
    Matter,
    Rating,
    RatingAppeal,
    RatingLevel,
    Rectification,
    RectificationState,
    Referral,
)

SUPERVISORS = frozenset({Role.SUPERVISOR})


# --- who is who for a rating -----------------------------------------------------------------


def rating_round(matter: Matter) -> int:
    """The round a done matter's raiser rates now: 0 for the handling, N after the N-th
    rectification."""
    return Rectification.objects.filter(matter_id=matter.pk).count()


def handled_by_department(matter: Matter) -> int | None:
    """The department whose report finished the matter (the lead referral's), if any."""
    if matter.level != MatterLevel.DEPARTMENT:
        return None
    lead = (
        Referral.objects.filter(matter_id=matter.pk, lead=True, state=ReferralState.DONE)
        .order_by("-updated_at", "-pk")
        .first()
    )
    return lead.department_id if lead is not None else None


def handler_kind(actor: Actor | None, matter: Matter, rating: Rating) -> str:
    """In which capacity ``actor`` handled what ``rating`` rates: ``staff`` of the matter's
    community, the ``leader`` of its building when it was settled at building level, the
    ``department`` whose handler finished it; "" if none. (The system counts as staff.)"""
    if is_system(actor) or people_policies.can_roles(actor, policies.STAFF, matter.place):
        return workflows.STAFF
    if rating.handled_level == MatterLevel.BUILDING and people_policies.can_roles(
        actor, policies.LEADER, matter.place
    ):
        return workflows.LEADER
    if rating.department_id is not None and rating.department_id in (
        policies.handler_department_ids(actor)
    ):
        return workflows.DEPARTMENT
    return ""


def is_handler(actor: Actor | None, matter: Matter) -> bool:
    """Whether ``actor`` is one of those who handle ``matter`` (staff, its building's leader,
    a handler of a department it was referred to): they never see who rated it."""
    if people_policies.can_roles(actor, policies.STAFF | policies.LEADER, matter.place):
        return True
    departments = policies.handler_department_ids(actor)
    return (
        bool(departments)
        and Referral.objects.filter(matter_id=matter.pk, department_id__in=departments).exists()
    )


def rectifier_kinds(actor: Actor | None, matter: Matter, rectification: Rectification) -> set[str]:
    """The capacities in which ``actor`` may put a rectification right: staff of the
    community, or a handler of the department the bad rating was about (their referral is
    closed by then, so the table's ``department`` capacity comes from the rating)."""
    kinds = policies.actor_kinds(actor, matter) & {workflows.STAFF, workflows.SYSTEM}
    dept = rectification.rating.department_id
    if dept is not None and dept in policies.handler_department_ids(actor):
        kinds.add(workflows.DEPARTMENT)
    return kinds


def can_rate(actor: Actor | None, matter: Matter) -> bool:
    """The raiser, on a done matter, who has not rated this round yet (the rating page and
    the panel on the matter's page ask this; ``rating_give`` refuses the rest)."""
    if actor is None or workflows.RAISER not in policies.actor_kinds(actor, matter):
        return False
    if matter.state != MatterState.DONE:
        return False
    return not Rating.objects.filter(
        matter_id=matter.pk, rater_id=actor.pk, round=rating_round(matter)
    ).exists()


def can_decide(actor: Actor | None, matter: Matter) -> bool:
    """A supervisor whose places cover the matter (the street above it, or higher)."""
    return is_system(actor) or people_policies.can_roles(actor, SUPERVISORS, matter.place)


def street_of(matter: Matter) -> Place | None:
    """The place whose supervisors oversee ``matter``: its street (or district or city when
    a community hangs directly below one)."""
    place = matter.place
    pk = place.street_id or place.district_id or place.city_id
    return Place.objects.filter(pk=pk).first() if pk is not None else None


@dataclass
class RatingView:
    """One rating as a handler, a neighbour or the rater may see it (never who rated)."""

    pk: int
    round: int
    level: int
    label: str
    comment: str  # "" unless the viewer may read comments
    excluded: bool
    is_bad: bool
    mine: bool
    created_at: dt.datetime
    appeal_state: str = ""  # "" when not appealed
    appeal_label: str = ""
    can_appeal: bool = False


@dataclass
class LevelCount:
    level: int
    label: str
    count: int


@dataclass
class RatingsSummary:
    """Counts per level (excluded ratings left out) and the ratings themselves."""

    counts: list[LevelCount]
    total: int
    satisfied: int  # the two best levels
    excluded: int
    rows: list[RatingView] = field(default_factory=list)

    @property
    def satisfaction_percent(self) -> int | None:
        return round(100 * self.satisfied / self.total) if self.total else None


def _uid(actor: Actor | None) -> int | None:
    return getattr(actor, "pk", None) if getattr(actor, "is_authenticated", False) else None


def ratings_summary(matter: Matter, actor: Actor | None) -> RatingsSummary:
    """The matter's ratings for ``actor``: counts per level for everyone who sees the matter;
    comments for the handlers, the supervisors above and the rater's own; never the rater."""
    uid = _uid(actor)
    handler = is_handler(actor, matter)
    oversees = can_decide(actor, matter)
    rows = list(
        Rating.objects.filter(matter_id=matter.pk)
        .select_related("appeal")
        .order_by("round", "created_at", "id")
    )
    views: list[RatingView] = []
    for r in rows:
        appeal = getattr(r, "appeal", None)
        mine = uid is not None and r.rater_id == uid
        views.append(
            RatingView(
                pk=r.pk,
                round=r.round,
                level=r.level,
                label=str(RatingLevel(r.level).label),
                comment=r.comment if (handler or oversees or mine) else "",
                excluded=r.excluded,
                is_bad=r.level in BAD_LEVELS,
                mine=mine,
                created_at=r.created_at,
                appeal_state=appeal.state if appeal is not None else "",
                appeal_label=str(AppealState(appeal.state).label) if appeal is not None else "",
                can_appeal=(
                    appeal is None
                    and r.level in BAD_LEVELS
                    and not mine
                    and bool(handler_kind(actor, matter, r))
                ),
            )
        )
    counted = [v for v in views if not v.excluded]
    counts = [
        LevelCount(int(lv), str(lv.label), sum(1 for v in counted if v.level == lv))
        for lv in sorted(RatingLevel, reverse=True)
    ]
    return RatingsSummary(
        counts=counts,
        total=len(counted),
        satisfied=sum(1 for v in counted if v.level >= RatingLevel.SATISFIED),
        excluded=len(views) - len(counted),
        rows=views,
    )


def rectifications_for(matter: Matter, today: dt.date | None = None) -> list[Rectification]:
    """The matter's rectifications, in order, each marked ``overdue`` while open past due."""
    today = today or local_date(timezone.now())
    rows = list(Rectification.objects.filter(matter_id=matter.pk).order_by("round", "pk"))
    for r in rows:
        r.overdue = r.state == RectificationState.OPEN and r.due_on < today  # type: ignore[attr-defined]
    return rows


def rectification_open(matter: Matter) -> Rectification | None:
    return (
        Rectification.objects.filter(matter_id=matter.pk, state=RectificationState.OPEN)
        .select_related("rating")
        .first()
    )


# --- flags -----------------------------------------------------------------------------------


@dataclass
class FlagView:
    pk: int
    who: str  # the flagger's name for the supervisors above and the flagger; "" otherwise
    text: str
    state: str
    state_label: str
    due_on: dt.date
    overdue: bool
    answer: str
    answered_at: dt.datetime | None
    created_at: dt.datetime
    mine: bool
    can_answer: bool


def matter_flags(
    matter: Matter, actor: Actor | None, today: dt.date | None = None
) -> list[FlagView]:
    """The matter's 办不成事 flags as ``actor`` may see them."""
    today = today or local_date(timezone.now())
    uid = _uid(actor)
    rows = list(
        Flag.objects.filter(matter_id=matter.pk)
        .select_related("flagged_by", "street")
        .order_by("created_at", "id")
    )
    out: list[FlagView] = []
    for f in rows:
        answers = people_policies.can_roles(actor, SUPERVISORS, f.street)
        mine = uid is not None and f.flagged_by_id == uid
        out.append(
            FlagView(
                pk=f.pk,
                who=f.flagged_by.name if (answers or mine) else "",
                text=f.text,
                state=f.state,
                state_label=str(FlagState(f.state).label),
                due_on=f.due_on,
                overdue=f.state == FlagState.OPEN and f.due_on < today,
                answer=f.answer,
                answered_at=f.answered_at,
                created_at=f.created_at,
                mine=mine,
                can_answer=answers and f.state == FlagState.OPEN,
            )
        )
    return out


def has_open_flag(matter: Matter, actor: Actor | None) -> bool:
    uid = _uid(actor)
    return (
        uid is not None
        and Flag.objects.filter(
            matter_id=matter.pk, flagged_by_id=uid, state=FlagState.OPEN
        ).exists()
    )


def supervises(actor: Actor | None) -> bool:
    """Whether ``actor`` holds a supervisor grant anywhere (the queues are theirs)."""
    return bool(people_policies.places_for_roles(actor, SUPERVISORS))


def flag_queue(actor: Actor | None, today: dt.date | None = None, answered: int = 30) -> list[Flag]:
    """The supervisors' 办不成事 queue for their street(s): open flags first, overdue ones
    marked and first among them (oldest due first), then the last ``answered`` answered ones.
    Each row carries ``overdue`` and ``age_days`` (days since it was flagged, day 1 first)."""
    places = people_policies.places_for_roles(actor, SUPERVISORS)
    if not places:
        return []
    today = today or local_date(timezone.now())
    scope = people_policies.scope_q_roles(actor, SUPERVISORS, "street__")
    base = Flag.objects.filter(scope).select_related(
        "matter", "matter__place", "street", "flagged_by"
    )
    open_rows = list(base.filter(state=FlagState.OPEN).order_by("due_on", "created_at", "pk"))
    done_rows = list(
        base.filter(state=FlagState.ANSWERED).order_by("-answered_at", "-pk")[:answered]
    )
    for f in (*open_rows, *done_rows):
        f.overdue = f.state == FlagState.OPEN and f.due_on < today  # type: ignore[attr-defined]
        f.age_days = max(1, (today - local_date(f.created_at)).days + 1)  # type: ignore[attr-defined]
    return open_rows + done_rows


def flag_get_for_supervisor(actor: Actor | None, pk: int) -> Flag | None:
    """A flag in the actor's queue, or None (the caller answers 404)."""
    scope = people_policies.scope_q_roles(actor, SUPERVISORS, "street__")
    if not supervises(actor):
        return None
    return Flag.objects.filter(scope, pk=pk).select_related("street", "matter").first()


# --- appeals ---------------------------------------------------------------------------------


def _appeal_scope(actor: Actor | None) -> Q:
    return people_policies.scope_q_roles(actor, SUPERVISORS, "rating__matter__place__")


def appeals_pending(actor: Actor | None) -> list[RatingAppeal]:
    """Appeals waiting for a supervisor whose places cover their matters, oldest first."""
    if not supervises(actor):
        return []
    return list(
        RatingAppeal.objects.filter(_appeal_scope(actor), state=AppealState.PENDING)
        .select_related("rating", "rating__matter", "rating__matter__place", "appellant")
        .order_by("created_at", "pk")
    )


def appeals_decided(actor: Actor | None, limit: int = 20) -> list[RatingAppeal]:
    if not supervises(actor):
        return []
    return list(
        RatingAppeal.objects.filter(_appeal_scope(actor))
        .exclude(state=AppealState.PENDING)
        .select_related("rating", "rating__matter", "appellant", "decided_by")
        .order_by("-decided_at", "-pk")[:limit]
    )


def appeal_get_for_supervisor(actor: Actor | None, pk: int) -> RatingAppeal | None:
    if not supervises(actor):
        return None
    return (
        RatingAppeal.objects.filter(_appeal_scope(actor), pk=pk)
        .select_related("rating", "rating__matter")
        .first()
    )


@dataclass
class RaterRecord:
    """What a supervisor deciding an appeal sees of the rater: who, and how they have rated
    in the community (many bad ratings may point to a malicious one)."""

    name: str
    ratings: int
    bad: int


def appeal_raters(appeals: list[RatingAppeal]) -> dict[int, RaterRecord]:
    """For the supervisors deciding ``appeals`` only (never rendered for handlers): each
    appeal's rater and how they have rated in that community, in two queries."""
    if not appeals:
        return {}
    pairs = {(a.rating.rater_id, a.rating.matter.community_id) for a in appeals}
    rows = (
        Rating.objects.filter(
            rater_id__in={r for r, _c in pairs}, matter__community_id__in={c for _r, c in pairs}
        )
        .values("rater_id", "matter__community_id")
        .annotate(n=Count("id"), bad=Count("id", filter=Q(level__in=sorted(BAD_LEVELS))))
    )
    counts = {(r["rater_id"], r["matter__community_id"]): (r["n"], r["bad"]) for r in rows}
    names = dict(User.objects.filter(pk__in={r for r, _c in pairs}).values_list("pk", "name"))
    out: dict[int, RaterRecord] = {}
    for a in appeals:
        key = (a.rating.rater_id, a.rating.matter.community_id)
        n, bad = counts.get(key, (0, 0))
        out[a.pk] = RaterRecord(name=names.get(a.rating.rater_id, ""), ratings=n, bad=bad)
    return out


def appeal_rater(appeal: RatingAppeal) -> RaterRecord:
    """One appeal's rater (see ``appeal_raters``)."""
    return appeal_raters([appeal])[appeal.pk]


def ratings_of(qs: QuerySet[Matter]) -> QuerySet[Rating]:
    """The counted (not excluded) ratings of the given matters, for boards and figures."""
    return Rating.objects.filter(matter__in=qs, excluded=False)
