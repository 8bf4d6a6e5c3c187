"""Writes for notifications: ``notify`` (called by other apps' services, inside their
transaction, so a step and its notices commit together), ``notifications_mark_read`` and
``notifications_send_digest`` (the daily e-mail)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Notification


def _user_ids(users: Iterable[Any]) -> list[int]:
    ids: list[int] = []
    for u in users:
        pk = u if isinstance(u, int) else getattr(u, "pk", None)
        if pk and pk not in ids:
            ids.append(pk)
    return ids


def notify(
    users: Iterable[Any],
    *,
    kind: str,
    text: str,
    url: str = "",
    key: str = "",
    exclude: Any = None,
    when: dt.datetime | None = None,
) -> int:
    """Tell ``users`` (users or user ids; duplicates and ``exclude`` — usually the actor —
    dropped) about something. With ``key`` a second call for the same user stores nothing.
    Returns how many notifications were stored."""
    skip = getattr(exclude, "pk", exclude)
    ids = [pk for pk in _user_ids(users) if pk != skip]
    if not ids:
        return 0
    now = when or timezone.now()
    rows = [
        Notification(user_id=pk, kind=kind, text=text[:300], url=url, key=key, created_at=now)
        for pk in ids
    ]
    if key:
        existing = set(
            Notification.objects.filter(user_id__in=ids, key=key).values_list("user_id", flat=True)
        )
        rows = [r for r in rows if r.user_id not in existing]
        created = Notification.objects.bulk_create(rows, ignore_conflicts=True)
    else:
        created = Notification.objects.bulk_create(rows)
    return len(created)


def notifications_mark_read(*, actor: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the actor's notifications read (all of them when ``ids`` is None)."""
    qs = Notification.objects.filter(user_id=actor.pk, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


def notifications_send_digest(*, now: dt.datetime | None = None, base_url: str = "") -> int:
    """E-mail each person with an address one message listing their unread notifications not
    mailed yet (a daily digest instead of a flood). Idempotent: what was mailed is stamped, in
    the same transaction as reading it. Returns the number of e-mails sent."""
    now = now or timezone.now()
    sent = 0
    with transaction.atomic():
        pending = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(emailed_at__isnull=True, read_at__isnull=True)
            .exclude(user__email="")
            .select_related("user")
            .order_by("user_id", "created_at", "id")
        )
        by_user: dict[int, list[Notification]] = defaultdict(list)
        for n in pending:
            by_user[n.user_id].append(n)
        for items in by_user.values():
            user = items[0].user
            with translation.override(user.language or settings.LANGUAGE_CODE):
                subject = _("邻里：您有 %(n)s 条新提醒") % {"n": len(items)}
                lines = [f"· {n.text}" + (f"  {base_url}{n.url}" if n.url else "") for n in items]
                body = "\n".join(
                    [_("%(name)s，您好：") % {"name": user.name}, "", *lines, "", _("邻里")]
                )
            send_mail(subject, body, None, [user.email])
            sent += 1
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=now)
    return sent
