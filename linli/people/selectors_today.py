"""今天要办 for people (see ``linli.core.today``): resident imports uploaded and checked
but not yet written (left in preview), in the communities the actor may import into."""

from __future__ import annotations

from django.db.models import Count, Min

from linli.core.actors import Actor
from linli.core.today import TodayItem

from . import policies
from .models import ResidentImport
from .models.imports import ImportStatus
from .policies import Action

IMPORTS_PREVIEW = "people.imports_preview"


def today_for_staff(actor: Actor | None) -> list[TodayItem]:
    if not policies.places_for(actor, Action.RESIDENT_IMPORT):
        return []
    agg = ResidentImport.objects.filter(
        policies.scope_q(actor, Action.RESIDENT_IMPORT, "community__"),
        status=ImportStatus.PREVIEWED,
    ).aggregate(n=Count("pk"), first=Min("pk"))
    return [TodayItem(IMPORTS_PREVIEW, agg["n"], first=agg["first"] if agg["n"] == 1 else None)]
