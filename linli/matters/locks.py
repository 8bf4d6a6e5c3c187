"""Row locks for matters, taken in one order: sequence counters, then matters by primary key."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from .models import Matter, MatterSequence


def lock_matter(pk: int) -> Matter:
    return Matter.objects.select_for_update().select_related("place").get(pk=pk)


def lock_matters(*pks: int) -> dict[int, Matter]:
    rows = Matter.objects.select_for_update().select_related("place").filter(pk__in=pks)
    return {m.pk: m for m in rows.order_by("pk")}


def next_case_number(community_id: int, year: int) -> int:
    """Allocate the next number of ``community`` in ``year`` (inside the caller's transaction:
    the counter row stays locked until it commits, so numbers never repeat)."""
    if not MatterSequence.objects.filter(community_id=community_id, year=year).exists():
        try:
            with transaction.atomic():
                MatterSequence.objects.create(community_id=community_id, year=year, last=0)
        except IntegrityError:
            pass  # created meanwhile by a concurrent raise
    MatterSequence.objects.filter(community_id=community_id, year=year).update(last=F("last") + 1)
    return MatterSequence.objects.get(community_id=community_id, year=year).last
