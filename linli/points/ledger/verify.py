"""``ledger_verify``: recompute every balance from the entries and check the sums."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from ..choices import AccountKind
from ..models import Account, Entry


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
