"""The ORM posting: ``post()`` writes one balanced posting, its entries and the cached
balances. It must run inside the caller's transaction with the resident accounts it touches
already locked (locks.lock_resident_accounts). Services do not call it: they call the writer
(``ledger.writer``), which calls it on the ORM path."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import F
from django.utils.translation import gettext as _

from linli.core.actors import Actor
from linli.core.errors import Conflict

from ..choices import AccountKind
from ..models import Account, Entry, Posting


@dataclass(frozen=True)
class Line:
    account: Account
    amount: int


def user_id(actor: Actor | None) -> int | None:
    """The user to record as having done it (None for SYSTEM and anonymous actors)."""
    pk = actor.pk if actor is not None else None
    return pk if isinstance(pk, int) and pk else None


def new_posting(
    *,
    community_id: int,
    kind: str,
    occurred_at: dt.datetime,
    idempotency_key: str,
    created_by: Actor | None = None,
    memo: str = "",
    reverses: Posting | None = None,
) -> Posting:
    """The posting row (not saved): what every path writes for it."""
    return Posting(
        community_id=community_id,
        kind=kind,
        memo=memo[:200],
        occurred_at=occurred_at,
        created_by_id=user_id(created_by),
        idempotency_key=idempotency_key,
        reverses=reverses,
    )


def check_lines(lines: Sequence[Line]) -> None:
    """A posting's entries sum to zero, each moves a whole number of points, and no resident
    goes below zero (PostgreSQL checks the first and the last again)."""
    if not lines or sum(line.amount for line in lines) != 0:
        raise ValueError("a posting's entries must be non-empty and sum to zero")
    if any(line.amount == 0 or not isinstance(line.amount, int) for line in lines):
        raise ValueError("entries move a non-zero whole number of points")
    for line in lines:
        short = line.account.balance + line.amount < 0
        if line.account.kind == AccountKind.RESIDENT and line.amount < 0 and short:
            raise Conflict(
                _("积分不足：余额 %(b)d 分，需要 %(n)d 分")
                % {"b": line.account.balance, "n": -line.amount}
            )


def save_posting(posting: Posting, lines: Sequence[Line]) -> Posting:
    """Write ``posting``, its entries, and move the cached balances of resident accounts."""
    check_lines(lines)
    posting.save(force_insert=True)
    Entry.objects.bulk_create(
        [Entry(posting=posting, account=line.account, amount=line.amount) for line in lines]
    )
    for line in lines:
        if line.account.kind == AccountKind.RESIDENT:
            Account.objects.filter(pk=line.account.pk).update(balance=F("balance") + line.amount)
            line.account.balance += line.amount
    return posting


def post(
    *,
    community_id: int,
    kind: str,
    lines: Sequence[Line],
    occurred_at: dt.datetime,
    idempotency_key: str,
    created_by: Actor | None = None,
    memo: str = "",
    reverses: Posting | None = None,
) -> Posting:
    """Write one balanced posting and move the cached balances of resident accounts."""
    posting = new_posting(
        community_id=community_id,
        kind=kind,
        occurred_at=occurred_at,
        idempotency_key=idempotency_key,
        created_by=created_by,
        memo=memo,
        reverses=reverses,
    )
    return save_posting(posting, lines)
