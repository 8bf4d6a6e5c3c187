"""audit_record(): called by other apps' services inside their own transaction.

It is on every write path (each points award writes one), so it is a single parameterised
INSERT rather than an ORM save: same row, a fraction of the Python work.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone

from linli.core.actors import Actor

from .models import AuditEvent

_INSERT = (
    "INSERT INTO audit_auditevent "
    "(created_at, actor_id, action, target_type, target_id, place_id, data) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s)"
)


_INSERT_PG = _INSERT.replace("%s)", "%s::jsonb)")


def audit_actor_and_data(
    actor: Actor | None, data: dict[str, Any] | None
) -> tuple[int | None, str]:
    """The actor id and JSON payload an audit row stores for ``actor`` (None and a
    ``"by": "system"`` marker for SYSTEM). For services that write their audit row inside
    one of their own SQL statements (the points ledger's hot path)."""
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    if actor is not None and not getattr(actor, "is_authenticated", True):
        actor_id = None
    if getattr(actor, "is_system", False):
        data = {**(data or {}), "by": "system"}
    return actor_id, json.dumps(data or {}, cls=DjangoJSONEncoder, ensure_ascii=False)


def audit_record(
    *,
    actor: Actor | None,
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
    event = AuditEvent(
        created_at=timezone.now(),
        actor_id=actor_id,
        action=action[:64],
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        place_id=place_id,
        data=data or {},
    )
    payload = json.dumps(event.data, cls=DjangoJSONEncoder, ensure_ascii=False)
    values = [
        event.created_at,
        event.actor_id,
        event.action,
        event.target_type,
        event.target_id,
        event.place_id,
        payload,
    ]
    if connection.vendor == "postgresql":
        # A server-binding cursor, so PostgreSQL prepares this statement once per connection.
        import psycopg

        connection.ensure_connection()
        with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(_INSERT_PG, values, prepare=True)
    else:
        with connection.cursor() as cursor:
            cursor.execute(_INSERT, values)
    return event
