"""The task queue's depth (django-tasks' database backend), for /healthz and the metrics."""

from __future__ import annotations

from typing import Any


def queue_depth() -> dict[str, Any]:
    """Tasks waiting, running and failed, and how long the oldest waiting one has waited."""
    from django.utils import timezone
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    ready = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    return {
        "ready": ready.count(),
        "running": DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count(),
        "failed": DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).count(),
        "oldest_wait_seconds": (
            round((timezone.now() - oldest).total_seconds(), 1) if oldest else 0.0
        ),
    }
