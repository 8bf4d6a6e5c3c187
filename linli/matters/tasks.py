"""Background tasks (django-tasks, database queue; the worker is ``linli worker``)."""

from __future__ import annotations

from django_tasks import task

from linli.core.actors import SYSTEM
from linli.matters.services.referrals import referral_chase
from linli.matters.services.reminders import reminders_send


@task()
def chase_referrals() -> int:
    """Chase referrals past their due date (idempotent); the number chased."""
    return len(referral_chase(actor=SYSTEM))


@task()
def send_reminders() -> int:
    """Reminders before due dates (idempotent); the number sent."""
    return reminders_send(actor=SYSTEM).total
