"""Posting primitives and the verifier. ``post()`` must run inside the caller's transaction
with the resident accounts it touches already locked (locks.lock_resident_accounts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import F
from django.utils.translation import gettext as _

from linli.core.errors import Conflict

from ..choices import AccountKind
from ..models import Account, Entry, Posting


@dataclass(frozen=True)
class Line:
    account: Account
    amount: int


def post(
    *,
    community_id: int,
    kind: str,
    lines: Sequence[Line],
    occurred_at: dt.datetime,
    idempotency_key: str,
    created_by: Any = None,
    memo: str = "",
    reverses: Posting | None = None,
) -> Posting:
    """Write one balanced posting and move the cached balances of resident accounts."""
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
    posting = Posting.objects.create(
        community_id=community_id,
        kind=kind,
        memo=memo[:200],
        occurred_at=occurred_at,
        created_by=created_by if getattr(created_by, "pk", None) else None,
        idempotency_key=idempotency_key,
        reverses=reverses,
    )
    Entry.objects.bulk_create(
        [Entry(posting=posting, account=line.account, amount=line.amount) for line in lines]
    )
    for line in lines:
        if line.account.kind == AccountKind.RESIDENT:
            Account.objects.filter(pk=line.account.pk).update(balance=F("balance") + line.amount)
            line.account.balance += line.amount
    return posting


@dataclass(frozen=True)
class Drift:
    what: str
    detail: str

    def __str__(self) -> str:
        return f"{self.what}: {self.detail}"


def ledger_verify() -> list[Drift]:
    """Recompute every balance from the entries; check every posting and every community
    sums to zero and no resident is below zero. Returns the problems found (empty = sound).
    Runs as three aggregate queries, so it scales with the entry table, not with Python."""
    drifts: list[Drift] = []
    entry = Entry._meta.db_table
    account = Account._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT a.id, a.kind, a.community_id, a.resident_id, a.balance,
                   COALESCE(s.total, 0)
            FROM {account} a
            LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM {entry}
                       GROUP BY account_id) s ON s.account_id = a.id
            WHERE a.kind = %s AND (a.balance <> COALESCE(s.total, 0) OR a.balance < 0)
            """,  # noqa: S608 - table names come from the models, values are parameters
            [AccountKind.RESIDENT],
        )
        for acc_id, _kind, community_id, resident_id, cached, total in cursor.fetchall():
            drifts.append(
                Drift(
                    "balance",
                    f"account {acc_id} (resident {resident_id}, community {community_id}): "
                    f"cached {cached}, entries sum to {total}",
                )
            )
        cursor.execute(
            f"SELECT posting_id, SUM(amount) FROM {entry} GROUP BY posting_id "  # noqa: S608
            "HAVING SUM(amount) <> 0"
        )
        for posting_id, total in cursor.fetchall():
            drifts.append(Drift("posting", f"posting {posting_id} sums to {total}, not 0"))
        cursor.execute(
            f"""
            SELECT a.community_id, SUM(e.amount) FROM {entry} e
            JOIN {account} a ON a.id = e.account_id
            GROUP BY a.community_id HAVING SUM(e.amount) <> 0
            """  # noqa: S608
        )
        for community_id, total in cursor.fetchall():
            drifts.append(Drift("community", f"community {community_id} sums to {total}, not 0"))
    return drifts
