"""The scheduled jobs, by name: what ``linli jobs enqueue NAME`` puts on the task queue
(the systemd timers in deploy/systemd/ run that) and ``linli jobs run NAME`` runs at once."""

from __future__ import annotations

from typing import Any

from django_tasks.base import Task

from linli.matters.tasks import chase_referrals, send_reminders
from linli.notifications.tasks import send_digest
from linli.points.tasks import expire_points

JOBS: dict[str, Task[Any, Any]] = {
    "chase": chase_referrals,
    "remind": send_reminders,
    "digest": send_digest,
    "expire": expire_points,
}
