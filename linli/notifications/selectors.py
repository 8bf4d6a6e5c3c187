from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When

from .models import Notification


def notifications_for(actor: Any) -> QuerySet[Notification]:
    pk = getattr(actor, "pk", None)
    if pk is None:
        return Notification.objects.none()
    return Notification.objects.filter(user_id=pk)


def unread_count(actor: Any) -> int:
    if not getattr(actor, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user_id=actor.pk, read_at__isnull=True).count()


def notifications_inbox(actor: Any) -> QuerySet[Notification]:
    """The actor's notifications, unread first, newest first within each."""
    return (
        notifications_for(actor)
        .annotate(
            read_rank=Case(
                When(read_at__isnull=True, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("read_rank", "-created_at", "-id")
    )
