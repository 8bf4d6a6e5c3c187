"""Reads for points: scoped to the actor, with their related rows fetched up front."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Prefetch, Q, QuerySet, Sum, Window
from django.db.models.expressions import RowRange
from django.utils.translation import gettext as _

from linli.core.actors import Actor
from linli.core.errors import NotFound
from linli.people import selectors as people_selectors
from linli.people.models import Resident
from linli.places.models import Place

from . import policies
from .choices import AwardStatus
from .models import Account, Award, Entry, Posting, Rule
from .policies import PointsAction


def resident_balance(resident: Resident) -> int:
    account = Account.objects.filter(resident=resident).only("balance").first()
    return account.balance if account else 0


def resident_entries(resident: Resident) -> QuerySet[Entry]:
    """A resident's history: each entry with its posting, the award behind it (rule, evidence,
    who awarded) and, for reversals, the posting reversed; and ``balance_after``, her balance
    once the entry counted, summed by the database over her ledger in the order the entries
    happened (a window over all her rows, computed before the page is cut out of them)."""
    in_order = [F("posting__occurred_at").asc(), F("id").asc()]
    return (
        Entry.objects.filter(account__resident=resident)
        .annotate(
            balance_after=Window(
                Sum("amount"), order_by=in_order, frame=RowRange(start=None, end=0)
            )
        )
        .select_related(
            "posting",
            "posting__created_by",
            "posting__award",
            "posting__award__rule",
            "posting__award__awarded_by",
            "posting__award__proposed_by",
            "posting__reverses",
            "posting__reverses__award",
            "posting__reverses__award__rule",
            "posting__reversed_by",
        )
        .order_by("-posting__occurred_at", "-id")
    )


def resident_points_for_actor(actor: Actor | None, pk: int) -> Resident:
    """The resident whose points the actor may see: themselves, or within their places."""
    resident = people_selectors.resident_get_for_actor(actor, pk)
    own = resident.user_id is not None and resident.user_id == getattr(actor, "pk", None)
    if own or policies.can(actor, PointsAction.RESIDENT_POINTS_VIEW, resident.household):
        return resident
    raise NotFound(_("找不到该居民"))


def rules_for_community(community: Place, *, on: dt.date | None = None) -> QuerySet[Rule]:
    qs = Rule.objects.filter(community=community).select_related("catalog_version")
    if on is not None:
        qs = qs.filter(active_from__lte=on).exclude(active_until__lt=on)
    return qs.order_by("category", "key", "-active_from")


def rules_usable(
    community: Place, mode: str | None, *, on: dt.date | None = None
) -> QuerySet[Rule]:
    """The rules in force that one may award (or propose) by in ``mode``: the award page's
    menu, so a building leader is never offered a rule only staff may use."""
    return rules_for_community(community, on=on).filter(policies.rules_usable_q(mode))


def award_key_used(key: str) -> bool:
    """Whether an award was already made with this form's key (a repeated post replays it)."""
    return bool(key) and Award.objects.filter(idempotency_key=key).exists()


def recent_award_by(actor: Actor | None, resident: Resident, *, since: dt.datetime) -> Award | None:
    """The latest award ``actor`` gave or proposed to ``resident`` since ``since``: the award
    page asks before a second one in a few minutes (a form posted again after going back)."""
    pk = getattr(actor, "pk", None) or 0
    return (
        Award.objects.filter(resident=resident, created_at__gte=since)
        .filter(Q(awarded_by_id=pk) | Q(proposed_by_id=pk))
        .select_related("rule")
        .order_by("-created_at", "-id")
        .first()
    )


def proposals_for_actor(actor: Actor | None) -> QuerySet[Award]:
    return (
        Award.objects.filter(status=AwardStatus.PROPOSED)
        .filter(policies.scope_q(actor, PointsAction.APPROVE, "resident__household__"))
        .select_related("rule", "resident", "resident__household", "proposed_by")
        .order_by("created_at")
    )


def proposals_by_leader(actor: Actor | None) -> QuerySet[Award]:
    return (
        Award.objects.filter(proposed_by_id=getattr(actor, "pk", None) or 0)
        .select_related("rule", "resident")
        .order_by("-created_at")
    )


def award_get_for_approval(actor: Actor | None, pk: int) -> Award:
    award = (
        Award.objects.select_related("rule", "resident", "resident__household")
        .filter(pk=pk)
        .first()
    )
    if award is None or not policies.can(actor, PointsAction.APPROVE, award.resident.household):
        raise NotFound(_("找不到该加分记录"))
    return award


def award_evidence_for_actor(actor: Actor | None, pk: int) -> Award:
    """An award whose evidence file the actor may open: staff who see the community's
    ledger, and the building leader who proposed it. (Not the resident: the photo is the
    awarder's record of the deed and may show other people.)"""
    award = Award.objects.select_related("resident__household").filter(pk=pk).first()
    if award is None or not award.evidence_file:
        raise NotFound(_("找不到该加分记录"))
    proposer = award.proposed_by_id is not None and award.proposed_by_id == getattr(
        actor, "pk", None
    )
    if proposer or policies.can(actor, PointsAction.LEDGER_VIEW, award.resident.household):
        return award
    raise NotFound(_("找不到该加分记录"))


def ledger_postings(
    actor: Actor | None,
    community: Place,
    *,
    kind: str = "",
    start: dt.date | None = None,
    end: dt.date | None = None,
    query: str = "",
) -> QuerySet[Posting]:
    if not policies.can(actor, PointsAction.LEDGER_VIEW, community):
        raise NotFound(_("找不到该社区"))
    qs = Posting.objects.filter(community=community)
    if kind:
        qs = qs.filter(kind=kind)
    if start:
        qs = qs.filter(occurred_at__date__gte=start)
    if end:
        qs = qs.filter(occurred_at__date__lte=end)
    if query:
        residents = Resident.objects.filter(people_selectors.resident_search_q(query))
        qs = qs.filter(entries__account__resident__in=residents)
    return (
        qs.select_related("created_by", "award", "award__rule", "award__resident", "reverses")
        .prefetch_related(
            Prefetch("entries", queryset=Entry.objects.select_related("account__resident"))
        )
        .order_by("-occurred_at", "-id")
    )


def communities_for(
    actor: Actor | None, action: str, *, from_lower_grants: bool = False
) -> QuerySet[Place]:
    """Communities where ``actor`` may ``action``: those at or below a place granting it.
    With ``from_lower_grants``, also the community of a grant below it (a building leader's
    building belongs to one community)."""
    from linli.places.choices import PlaceKind, depth_of
    from linli.places.models.place import within_any_q

    places = policies.places_for(actor, action)
    community_depth = depth_of(PlaceKind.COMMUNITY)
    q = within_any_q([p for p in places if depth_of(p.kind) <= community_depth])
    if from_lower_grants:
        q |= Q(pk__in=[p.community_id for p in places if depth_of(p.kind) > community_depth])
    return Place.objects.filter(kind=PlaceKind.COMMUNITY).filter(q).order_by("name")
