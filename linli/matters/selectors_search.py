"""Finding matters: text (title, content, case number, place) and filters (state, level, kind,
place, period) over the matters the actor may see, closed ones too. Scoped through
``policies.visible_q`` like every other read: a resident finds her own building's and
compound's matters and those she raised or follows, a leader her building's, staff their
community's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from linli.core.actors import Actor
from linli.core.quarters import start_of_day
from linli.people.models import Resident
from linli.places.choices import PlaceKind
from linli.places.models import Place
from linli.places.models.place import within_q

from . import policies
from .choices import OPEN_STATES, MatterState
from .models import Matter
from .selectors import matters_visible

# State groups offered besides the single states.
OPEN, FINISHED = "open", "finished"
STATE_GROUPS: dict[str, tuple[Any, list[str]]] = {
    OPEN: (_("未办结"), sorted(OPEN_STATES)),
    FINISHED: (_("已办结或已关闭"), sorted(set(MatterState.values) - OPEN_STATES)),
}
TEXT_LIMIT = 40


@dataclass(frozen=True)
class MatterSearch:
    """What was asked, already validated (the page reads it from the query string)."""

    text: str = ""
    state: str = ""  # a MatterState value or a STATE_GROUPS key
    level: str = ""
    kind: str = ""
    place: Place | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    resident: Resident | None = None  # the matters she raised (from her resident page)

    @property
    def is_empty(self) -> bool:
        return not (
            self.text
            or self.state
            or self.level
            or self.kind
            or self.place
            or self.start
            or self.end
            or self.resident
        )


def state_values(state: str) -> list[str]:
    """The states a filter value stands for (empty: any)."""
    if state in STATE_GROUPS:
        return STATE_GROUPS[state][1]
    return [state] if state in MatterState.values else []


def text_q(text: str) -> Q:
    """Title, content, case number, or the name of the place, its compound or building.
    (``icontains`` escapes % and _; a case number is matched whatever its letters' case.)"""
    return (
        Q(title__icontains=text)
        | Q(description__icontains=text)
        | Q(case_number__icontains=text)
        | Q(place__name__icontains=text)
        | Q(place__compound__name__icontains=text)
        | Q(place__building__name__icontains=text)
    )


def matter_search(actor: Actor | None, search: MatterSearch) -> QuerySet[Matter]:
    """The matters ``actor`` may see that match ``search``, newest first."""
    rows = matters_visible(actor)
    if search.text:
        rows = rows.filter(text_q(search.text))
    states = state_values(search.state)
    if states:
        rows = rows.filter(state__in=states)
    if search.level:
        rows = rows.filter(level=search.level)
    if search.kind:
        rows = rows.filter(kind=search.kind)
    if search.place is not None:
        rows = rows.filter(within_q(search.place, "place__"))
    if search.start is not None:
        rows = rows.filter(raised_at__gte=start_of_day(search.start))
    if search.end is not None:
        rows = rows.filter(raised_at__lt=start_of_day(search.end + dt.timedelta(days=1)))
    if search.resident is not None:
        raised = Q(resident=search.resident)
        if search.resident.user_id is not None:
            raised |= Q(raised_by_id=search.resident.user_id)
        rows = rows.filter(raised)
    return rows.order_by("-raised_at", "-id")


def search_places(actor: Actor | None) -> list[Place]:
    """The communities and compounds the actor may see matters in: the place filter's
    choices (a place outside them is not offered, and not accepted)."""
    visible = Matter.objects.filter(policies.visible_q(actor))
    rows = Place.objects.filter(
        Q(kind=PlaceKind.COMPOUND, pk__in=visible.values("place__compound_id"))
        | Q(kind=PlaceKind.COMMUNITY, pk__in=visible.values("community_id"))
    ).select_related("community")
    return sorted(
        rows,
        key=lambda p: (
            p.community.name if p.community else p.name,
            p.kind != PlaceKind.COMMUNITY,
            p.name,
        ),
    )
