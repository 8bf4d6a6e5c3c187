"""Writes for notifications: ``notify`` (called by other apps' services, inside their
transaction, so a step and its notices commit together), ``notifications_mark_read``,
``notifications_set_email`` (one's address for the digest) and
``notifications_send_digest`` (the daily e-mail).

Language: a notice is read by its recipient, not by whoever acted, so it is stored as a kind
and its parameters (``texts.NOTICES``, filled by each app's ``texts.py``) and rendered in
the reader's language when read (``Notification.message``). ``text`` keeps the sentence in the
site's language for the admin. A kind without a template needs a plain ``text``, shown to
everyone as it is (tests, and rows from before kinds existed).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.actors import Actor
from linli.core.errors import NotFound, ValidationFailed
from linli.core.texts import jsonable
from linli.people.models import User

from .models import Notification
from .texts import NOTICES

logger = logging.getLogger(__name__)

MAX_TEXT = 300
MAX_URL = 200
MAX_KEY = 120


def _user_ids(users: Iterable[Any]) -> list[int]:
    ids: list[int] = []
    for u in users:
        pk = u if isinstance(u, int) else getattr(u, "pk", None)
        if pk and pk not in ids:
            ids.append(pk)
    return ids


def _language(code: str) -> str:
    return code or settings.LANGUAGE_CODE


def _stored_text(kind: str, params: dict[str, Any], text: str) -> str:
    """The sentence kept with the row (the site's language), checking the kind is known."""
    if kind in NOTICES:
        with translation.override(settings.LANGUAGE_CODE):
            rendered = NOTICES.render(kind, params)
        if rendered is None:
            raise ValueError(f"notice {kind!r}: parameters {sorted(params)} do not fit")
        return rendered
    if not text or not isinstance(text, str):
        raise ValueError(f"notice {kind!r} has no template: register it in the app's texts.py")
    return text


def notify(
    users: Iterable[Any],
    *,
    kind: str,
    params: Mapping[str, Any] | None = None,
    text: str = "",
    url: str = "",
    key: str = "",
    exclude: Any = None,
    when: dt.datetime | None = None,
) -> int:
    """Tell ``users`` (users or user ids; duplicates and ``exclude`` — usually the actor, or
    several of them as a list — dropped) about something: a notice of ``kind`` with
    ``params`` (dates become ISO strings; enumerations are passed as codes). With ``key`` a
    second call for the same user stores nothing. Returns how many notifications were stored."""
    excluded = exclude if isinstance(exclude, list | tuple | set | frozenset) else [exclude]
    skip = {getattr(e, "pk", e) for e in excluded if e is not None}
    ids = [pk for pk in _user_ids(users) if pk not in skip]
    if not ids:
        return 0
    if key:
        existing = set(
            Notification.objects.filter(user_id__in=ids, key=key[:MAX_KEY]).values_list(
                "user_id", flat=True
            )
        )
        ids = [pk for pk in ids if pk not in existing]
        if not ids:
            return 0
    values = {k: jsonable(v) for k, v in (params or {}).items()}
    stored = _stored_text(kind, values, text)[:MAX_TEXT]
    now = when or timezone.now()
    rows = [
        Notification(
            user_id=pk,
            kind=kind[:32],
            params=values,
            text=stored,
            url=url[:MAX_URL],
            key=key[:MAX_KEY],
            created_at=now,
        )
        for pk in ids
    ]
    if key:
        # A concurrent run may have stored the same key meanwhile: the unique constraint
        # keeps one, and ``ignore_conflicts`` leaves no pk on the rows, so count afresh.
        before = Notification.objects.filter(user_id__in=ids, key=key[:MAX_KEY]).count()
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        return Notification.objects.filter(user_id__in=ids, key=key[:MAX_KEY]).count() - before
    return len(Notification.objects.bulk_create(rows))


def notifications_mark_read(
    *, actor: Actor, ids: Iterable[int] | None = None, now: dt.datetime | None = None
) -> int:
    """Mark the actor's notifications read (all of them when ``ids`` is None). Another
    person's ids are ignored. Returns how many changed."""
    pk = getattr(actor, "pk", None)
    if not pk or not isinstance(pk, int):
        return 0
    qs = Notification.objects.filter(user_id=pk, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=now or timezone.now())


def notifications_set_email(*, actor: Actor, email: str) -> User:
    """Set (or clear, with an empty value) the actor's own e-mail address for the daily
    digest. Audited; the address itself is not written to the audit row."""
    pk = getattr(actor, "pk", None)
    if not pk or not isinstance(pk, int) or not getattr(actor, "is_authenticated", False):
        raise NotFound(_("找不到该账号"))
    email = (email or "").strip()
    if len(email) > 254:
        raise ValidationFailed(_("电子邮箱太长"))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationFailed(_("请填写有效的电子邮箱，例如 name@example.com")) from None
    with transaction.atomic(durable=True):
        user = User.objects.select_for_update().get(pk=pk)
        if user.email == email:
            return user
        had = bool(user.email)
        user.email = email
        user.save(update_fields=["email"])
        audit_record(
            actor=actor,
            action="notifications.email",
            target=user,
            data={"had_email": had, "has_email": bool(email)},
        )
    if isinstance(actor, User):
        actor.email = email  # the signed-in user object of this request sees it too
    return user


def _digest_body(user: User, items: list[Notification], base_url: str) -> tuple[str, str]:
    with translation.override(_language(user.language)):
        subject = _("邻里：您有 %(n)s 条新提醒") % {"n": len(items)}
        lines = [f"· {n.message}" + (f"\n  {base_url}{n.url}" if n.url else "") for n in items]
        body = "\n".join(
            [
                _("%(name)s，您好：") % {"name": user.name or user.phone},
                "",
                *lines,
                "",
                _("在邻里的“通知”页面可以查看全部提醒。"),
                _("邻里"),
            ]
        )
    return subject, body


def notifications_send_digest(*, now: dt.datetime | None = None, base_url: str = "") -> int:
    """E-mail each active person with an address one message listing their unread
    notifications not mailed yet (a daily digest instead of a flood), in their language.

    Idempotent and safe to run twice at once: per person, the rows are claimed (locked,
    skipping rows another run holds, and stamped ``emailed_at``) in a short transaction,
    and the mail is sent after it commits, so no row lock is held during SMTP. A failed send
    un-stamps its rows for the next run. Returns the number of e-mails sent."""
    now = now or timezone.now()
    base_url = base_url.rstrip("/")
    pending = Notification.objects.filter(
        emailed_at__isnull=True, read_at__isnull=True, created_at__lte=now
    )
    user_ids = sorted(
        set(
            pending.filter(user__is_active=True)
            .exclude(user__email="")
            .values_list("user_id", flat=True)
        )
    )
    users = User.objects.in_bulk(user_ids)
    sent = 0
    for uid in user_ids:
        with transaction.atomic(durable=True):
            items = list(
                pending.select_for_update(skip_locked=True)
                .filter(user_id=uid)
                .order_by("created_at", "id")
            )
            if not items:
                continue
            Notification.objects.filter(pk__in=[n.pk for n in items]).update(emailed_at=now)
        user = users[uid]
        subject, body = _digest_body(user, items, base_url)
        try:
            send_mail(subject, body, None, [user.email])
        except Exception:
            logger.exception("digest to user %s failed; will retry next run", uid)
            Notification.objects.filter(pk__in=[n.pk for n in items], emailed_at=now).update(
                emailed_at=None
            )
            continue
        sent += 1
    return sent
