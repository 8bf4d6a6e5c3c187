from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from linli.core.actors import Actor

from .models import Notification


def notifications_for(actor: Actor | None) -> QuerySet[Notification]:
    pk = getattr(actor, "pk", None)
    if not isinstance(pk, int):
        return Notification.objects.none()
    return Notification.objects.filter(user_id=pk)


def unread_count(actor: Actor | None) -> int:
    pk = getattr(actor, "pk", None)
    if not getattr(actor, "is_authenticated", False) or not isinstance(pk, int):
        return 0
    return Notification.objects.filter(user_id=pk, read_at__isnull=True).count()


def notifications_inbox(actor: Actor | None) -> QuerySet[Notification]:
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
