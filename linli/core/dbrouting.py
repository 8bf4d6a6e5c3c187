"""Reads from a replica, writes to the primary.

``DATABASES["replica"]`` exists when ``LINLI_REPLICA_URL`` is set (and, in the tests, as a
mirror of the primary). Nothing reads from it by default: a read goes to the replica only
inside ``replica_reads()``, which the web layer opens for the pages that may be a few seconds
stale (boards, public lists, exports, statistics: ``LINLI_REPLICA_VIEWS``) when the person
has not written in the last few seconds and the replica answered recently. Everything else —
every write, every read inside a transaction (a service's reads before its write), the
ledger, ``linli points verify``, the scheduled jobs — uses the primary.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import connections

PRIMARY = "default"
REPLICA = "replica"

_use_replica: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "linli_use_replica", default=False
)

# When the replica last failed to answer (per process): reads skip it for a while after.
_down_until = 0.0
_lock = threading.Lock()


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_available(*, retry_after: float | None = None) -> bool:
    """Whether the replica can take reads now: configured, and answering. A failed connection
    marks it down for ``retry_after`` seconds (``LINLI_REPLICA_RETRY_SECONDS``), during which
    reads go to the primary without trying it again."""
    global _down_until
    if not replica_configured():
        return False
    now = time.monotonic()
    if now < _down_until:
        return False
    try:
        replica = connections[REPLICA]
        # A connection kept from an earlier request (CONN_MAX_AGE) is checked once per
        # request (CONN_HEALTH_CHECKS), so a replica that went away since is noticed here,
        # not by the page's first query.
        replica.close_if_health_check_failed()
        replica.ensure_connection()
    except Exception:  # any failure to connect: read from the primary instead
        wait = retry_after
        if wait is None:
            wait = float(getattr(settings, "LINLI_REPLICA_RETRY_SECONDS", 5))
        with _lock:
            _down_until = now + wait
        return False
    return True


def mark_replica_up() -> None:
    global _down_until
    with _lock:
        _down_until = 0.0


@contextlib.contextmanager
def replica_reads(enabled: bool = True) -> Iterator[None]:
    """Reads in this block (outside a transaction) go to the replica, if it is available."""
    token = _use_replica.set(enabled and replica_available())
    try:
        yield
    finally:
        _use_replica.reset(token)


def reading_from_replica() -> bool:
    return _use_replica.get()


class ReplicaRouter:
    """Django's database router for the two aliases."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        if not _use_replica.get() or not replica_configured():
            return PRIMARY
        # A read inside a transaction on the primary belongs to that transaction.
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return REPLICA

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY


def replica_lag() -> dict[str, Any]:
    """How far the replica is behind: ``{"configured": False}`` without one; otherwise
    whether it answered, whether it is a standby, and the lag in seconds (0 when it has
    replayed everything it received). For /healthz."""
    if not replica_configured():
        return {"configured": False}
    started = time.perf_counter()
    info: dict[str, Any] = {"configured": True}
    try:
        with connections[REPLICA].cursor() as cursor:
            if connections[REPLICA].vendor != "postgresql":
                cursor.execute("SELECT 1")
                info.update(ok=True, standby=False, lag_seconds=0.0)
            else:
                cursor.execute(
                    "SELECT pg_is_in_recovery(),"
                    " pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn(),"
                    " EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())"
                )
                standby, caught_up, behind = cursor.fetchone()
                lag = 0.0 if not standby or caught_up or behind is None else float(behind)
                info.update(ok=True, standby=bool(standby), lag_seconds=round(lag, 3))
    except Exception as exc:  # a replica that does not answer is reported, not raised
        info.update(ok=False, error=exc.__class__.__name__)
    info["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
    return info
