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

# The audit row's shape, once: every writer (``audit_record`` here, and the points ledger's
# PostgreSQL statements, which write the row inside their own statement) takes its columns
# from ``AUDIT_COLUMNS`` and its values from ``audit_values``.
AUDIT_COLUMNS = ("created_at", "actor_id", "action", "target_type", "target_id", "place_id", "data")
_INSERT = (
    f"INSERT INTO {AuditEvent._meta.db_table} ({', '.join(AUDIT_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join(['%s'] * len(AUDIT_COLUMNS))})"
)
_INSERT_PG = _INSERT.replace("%s)", "%s::jsonb)")


def audit_values(
    *,
    actor: Actor | None,
    action: str,
    target_type: str,
    target_id: str,
    place_id: int | None,
    data: dict[str, Any] | None,
) -> dict[str, Any]:
    """The audit row ``actor`` doing ``action`` writes, column → value (``data`` as JSON
    text). The actor id is None for SYSTEM and anonymous actors; SYSTEM is marked
    ``"by": "system"`` in the data."""
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    if actor is not None and not getattr(actor, "is_authenticated", True):
        actor_id = None
    if getattr(actor, "is_system", False):
        data = {**(data or {}), "by": "system"}
    return {
        "created_at": timezone.now(),
        "actor_id": actor_id,
        "action": action[:64],
        "target_type": target_type,
        "target_id": target_id,
        "place_id": place_id,
        "data": json.dumps(data or {}, cls=DjangoJSONEncoder, ensure_ascii=False),
    }


def _cast_type(field: models.Field[Any, Any]) -> str:
    """The column's type for a cast, unsized (django-stubs lack ``cast_db_type``)."""
    return str(field.cast_db_type(connection))  # type: ignore[attr-defined]


def audit_insert_select(*, source: str, target_id: str, prefix: str = "audit_") -> str:
    """PostgreSQL: ``INSERT INTO audit_auditevent … SELECT … FROM source`` — the audit row of
    ``audit_values`` bound as ``%(<prefix><column>)s`` parameters, except the target id,
    which is the SQL expression ``target_id`` over ``source`` (a row the same statement
    wrote). For a statement that writes its audit row itself (``audit_params`` gives the
    parameters)."""
    fields = {f.column: f for f in AuditEvent._meta.concrete_fields}
    values = [
        target_id
        if column == "target_id"
        else f"%({prefix}{column})s::{_cast_type(fields[column])}"
        for column in AUDIT_COLUMNS
    ]
    return (
        f"INSERT INTO {AuditEvent._meta.db_table} ({', '.join(AUDIT_COLUMNS)}) "  # noqa: S608
        f"SELECT {', '.join(values)} FROM {source}"
    )


def audit_params(values: dict[str, Any], prefix: str = "audit_") -> dict[str, Any]:
    """``audit_values`` as the parameters of ``audit_insert_select``."""
    return {prefix + column: value for column, value in values.items() if column != "target_id"}


def audit_actor_and_data(
    actor: Actor | None, data: dict[str, Any] | None
) -> tuple[int | None, str]:
    """The actor id and JSON payload an audit row stores for ``actor``."""
    values = audit_values(
        actor=actor, action="", target_type="", target_id="", place_id=None, data=data
    )
    return values["actor_id"], values["data"]


def audit_record(
    *,
    actor: Actor | None,
    action: str,
    target: models.Model | None = None,
    place_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    row = audit_values(
        actor=actor,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        place_id=place_id,
        data=data,
    )
    event = AuditEvent(**{**row, "data": json.loads(row["data"])})
    values = [row[column] for column in AUDIT_COLUMNS]
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
