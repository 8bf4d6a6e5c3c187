"""Background tasks (django-tasks, database queue; the worker is ``linli worker``)."""

from __future__ import annotations

from django.conf import settings
from django_tasks import task

from linli.notifications.services import notifications_send_digest


@task()
def send_digest() -> int:
    """The daily digest e-mail (idempotent: each notification is mailed at most once)."""
    return notifications_send_digest(base_url=getattr(settings, "LINLI_BASE_URL", ""))
