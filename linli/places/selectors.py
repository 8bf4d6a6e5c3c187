from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, QuerySet

from .models import Place


def place_children(*, place: Place) -> QuerySet[Place]:
    return place.children.annotate(n_children=Count("children")).order_by("kind", "name")


def places_roots(*, places: Iterable[Place]) -> list[Place]:
    """The topmost of ``places``: drop any place that lies within another in the list."""
    items = list(places)
    return [p for p in items if not any(p is not q and p.is_within(q) for q in items)]
