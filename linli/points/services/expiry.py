"""Expiry of points, per the community's setting: never, clear at year end, keep N years.

Points are spent oldest first. When points earned up to the end of year C expire, what is
left of them is max(0, credits up to C − every debit so far); the expiry takes that (at most
the balance). Each account's expiry for year C has its own idempotency key, so running the
command again posts nothing new.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from linli.audit.services import audit_record
from linli.core.actors import Actor
from linli.core.quarters import start_of_day
from linli.places.models import Place

from ..choices import AccountKind, ExpiryPolicy
from ..ledger import write_expiry
from ..locks import system_account
from ..models import Account, Entry, PointsSettings, Posting


def expiry_cutoff_year(policy: str, keep_years: int, as_of: dt.date) -> int | None:
    """The last year whose points have expired by ``as_of`` (None: nothing expires)."""
    if policy == ExpiryPolicy.NEVER:
        return None
    years = 1 if policy == ExpiryPolicy.YEAR_END else keep_years
    return as_of.year - years


def points_expire(*, actor: Actor, community: Place, as_of: dt.date) -> int:
    """Post the expiries due in ``community`` on ``as_of``. Returns points expired."""
    settings_row = PointsSettings.objects.filter(community=community).first()
    if settings_row is None:
        return 0
    cutoff = expiry_cutoff_year(settings_row.expiry_policy, settings_row.keep_years, as_of)
    if cutoff is None:
        return 0
    boundary = start_of_day(dt.date(cutoff + 1, 1, 1))
    total = 0
    with transaction.atomic(durable=True):
        accounts = list(
            Account.objects.select_for_update()
            .filter(community=community, kind=AccountKind.RESIDENT, balance__gt=0)
            .order_by("pk")
        )
        if not accounts:
            return 0
        ids = [a.pk for a in accounts]
        credits = dict(
            Entry.objects.filter(
                account_id__in=ids, amount__gt=0, posting__occurred_at__lt=boundary
            )
            .values_list("account_id")
            .annotate(s=Sum("amount"))
            .values_list("account_id", "s")
        )
        debits = dict(
            Entry.objects.filter(Q(account_id__in=ids) & Q(amount__lt=0))
            .values_list("account_id")
            .annotate(s=Sum("amount"))
            .values_list("account_id", "s")
        )
        sink = system_account(community.pk, AccountKind.EXPIRY)
        done = set(
            Posting.objects.filter(
                idempotency_key__in=[f"expiry:{cutoff}:{a.pk}" for a in accounts]
            ).values_list("idempotency_key", flat=True)
        )
        now = timezone.now()
        for account in accounts:
            key = f"expiry:{cutoff}:{account.pk}"
            if key in done:
                continue
            left = credits.get(account.pk, 0) + debits.get(account.pk, 0)
            amount = min(max(left, 0), account.balance)
            if amount <= 0:
                continue
            write_expiry(
                account,
                sink=sink,
                amount=amount,
                key=key,
                now=now,
                actor=actor,
                memo=f"{cutoff} 年及以前的积分到期",
            )
            total += amount
        audit_record(
            actor=actor,
            action="points.expire",
            target=settings_row,
            place_id=community.pk,
            data={"cutoff_year": cutoff, "points": total, "as_of": as_of.isoformat()},
        )
    return total
