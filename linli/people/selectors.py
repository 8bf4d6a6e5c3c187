"""Reads. Fetching and authorising are one step: nothing here returns a row the actor may not
see, and ``*_get_for_actor`` raises NotFound for rows outside the actor's places."""

from __future__ import annotations

import re

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from linli.core.actors import Actor, is_system
from linli.core.errors import NotFound
from linli.places.models import Place

from . import policies
from .models import GroupMembership, Resident
from .policies import Action


def residents_visible_to(
    actor: Actor | None, *, include_moved_out: bool = False
) -> QuerySet[Resident]:
    qs = Resident.objects.filter(policies.scope_q(actor, Action.RESIDENT_VIEW, "household__"))
    if not include_moved_out:
        qs = qs.filter(moved_out__isnull=True)
    return qs


def resident_get_for_actor(actor: Actor | None, pk: int) -> Resident:
    """The resident, if the actor may see them (staff/leaders of their place, or themselves)."""
    base = Resident.objects.select_related("household", "household__building", "user")
    resident = base.filter(pk=pk).first()
    if resident is None:
        raise NotFound(_("找不到该居民"))
    user_id = getattr(actor, "pk", None)
    own = user_id is not None and resident.user_id == user_id
    if own or policies.can(actor, Action.RESIDENT_VIEW, resident.household):
        return resident
    raise NotFound(_("找不到该居民"))


_DIGITS = re.compile(r"^\d{3,11}$")
_LETTERS = re.compile(r"^[a-zA-Z]+$")


def resident_search_q(query: str) -> Q:
    """Name, full pinyin, pinyin initials (dzj → 代正菊) or the tail of a phone number."""
    q = (query or "").strip().replace(" ", "")
    if not q:
        return Q()
    if _DIGITS.match(q):
        return Q(phone__endswith=q)
    if _LETTERS.match(q):
        low = q.lower()
        return Q(pinyin_initials__startswith=low) | Q(pinyin_full__startswith=low)
    return Q(name__contains=q)


def resident_list(
    actor: Actor | None,
    *,
    query: str = "",
    place: Place | None = None,
    group: str = "",
    include_moved_out: bool = False,
) -> QuerySet[Resident]:
    qs = residents_visible_to(actor, include_moved_out=include_moved_out)
    if place is not None:
        from linli.places.models.place import within_q

        qs = qs.filter(within_q(place, "household__"))
    if group:
        qs = qs.filter(memberships__group=group, memberships__ended_on__isnull=True)
    qs = qs.filter(resident_search_q(query))
    return (
        qs.select_related("household", "household__building", "household__compound")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=GroupMembership.objects.filter(ended_on__isnull=True),
                to_attr="current_memberships",
            )
        )
        .order_by("household__compound__name", "household__building__name", "household__name", "id")
    )


def places_visible_to(actor: Actor | None) -> QuerySet[Place]:
    if is_system(actor):
        return Place.objects.all()
    return Place.objects.filter(policies.scope_q(actor, Action.PLACE_VIEW))


def place_get_for_actor(actor: Actor | None, pk: int) -> Place:
    place = Place.objects.filter(pk=pk).first()
    if place is None or not policies.can(actor, Action.PLACE_VIEW, place):
        raise NotFound(_("找不到该地点"))
    return place


def community_counts(community: Place) -> dict[str, int]:
    """Headline figures for a community home page."""
    from django.db.models import Count

    residents = Resident.objects.filter(household__community=community, moved_out__isnull=True)
    groups = dict(
        GroupMembership.objects.filter(community=community, ended_on__isnull=True)
        .values_list("group")
        .annotate(n=Count("id"))
        .values_list("group", "n")
    )
    return {
        "residents": residents.count(),
        "households": Place.objects.filter(community=community, kind="household").count(),
        "buildings": Place.objects.filter(community=community, kind="building").count(),
        "compounds": Place.objects.filter(community=community, kind="compound").count(),
        "representatives": groups.get("representative", 0),
        "deliberators": groups.get("deliberator", 0),
        "volunteers": groups.get("volunteer", 0),
    }
