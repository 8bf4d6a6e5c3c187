"""Reads for Excel import and export. Fetching and authorising are one step."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from linli.core.actors import Actor
from linli.core.errors import NotFound
from linli.places.choices import PlaceKind
from linli.places.models import Place
from linli.places.models.place import within_q

from . import policies
from .models import GroupMembership, Resident, ResidentImport
from .policies import Action


def residents_for_export(actor: Actor | None, *, place: Place | None = None) -> QuerySet[Resident]:
    """Current residents the actor may export, in sheet order (compound, building, household)."""
    qs = Resident.objects.filter(
        policies.scope_q(actor, Action.RESIDENT_EXPORT, "household__"), moved_out__isnull=True
    )
    if place is not None:
        qs = qs.filter(within_q(place, "household__"))
    return (
        qs.select_related("household", "household__building", "household__compound")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=GroupMembership.objects.filter(ended_on__isnull=True).order_by("id"),
                to_attr="current_memberships",
            )
        )
        .order_by(
            "household__compound__name",
            "household__building__name",
            "household__unit",
            "household__room",
            "id",
        )
    )


def import_communities_for(actor: Actor | None) -> QuerySet[Place]:
    """Communities the actor may import residents into."""
    return (
        Place.objects.filter(kind=PlaceKind.COMMUNITY)
        .filter(policies.scope_q(actor, Action.RESIDENT_IMPORT))
        .order_by("name", "id")
    )


def resident_imports_visible_to(actor: Actor | None) -> QuerySet[ResidentImport]:
    return (
        ResidentImport.objects.filter(
            policies.scope_q(actor, Action.RESIDENT_IMPORT, "community__")
        )
        .select_related("community", "actor")
        .defer("rows", "errors")
        .order_by("-id")
    )


def resident_import_get_for_actor(actor: Actor | None, pk: int) -> ResidentImport:
    """The import, if it belongs to a community the actor may import into; else NotFound."""
    found = (
        ResidentImport.objects.filter(pk=pk)
        .filter(policies.scope_q(actor, Action.RESIDENT_IMPORT, "community__"))
        .select_related("community", "actor")
        .first()
    )
    if found is None:
        raise NotFound(_("找不到该导入记录"))
    return found
