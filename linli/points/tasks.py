"""Background tasks (django-tasks, database queue; the worker is ``linli worker``)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from linli.core.actors import SYSTEM
from linli.places.choices import PlaceKind
from linli.places.models import Place
from linli.points.services import points_expire


@task()
def expire_points() -> int:
    """Post due expiries in every community as of today (idempotent); points expired."""
    today = timezone.localdate()
    total = 0
    for community in Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("pk"):
        total += points_expire(actor=SYSTEM, community=community, as_of=today)
    return total
