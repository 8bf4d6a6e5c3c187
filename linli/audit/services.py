"""audit_record(): called by other apps' services inside their own transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditEvent


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    place_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    if actor is not None and not getattr(actor, "is_authenticated", True):
        actor_id = None
    if getattr(actor, "is_system", False):
        data = {**(data or {}), "by": "system"}
    return AuditEvent.objects.create(
        actor_id=actor_id,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        place_id=place_id,
        data=data or {},
    )
