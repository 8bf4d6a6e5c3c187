from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

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
