"""PostgreSQL statements for the ledger's hot paths.

A single award and a batch award do the same thing as the ORM code in ``awards.py`` — same
rows, same checks, same order of locks — in fewer round trips: the posting, its entries, the
balance update and the award row are one statement (data-modifying CTEs), run through a
server-binding psycopg cursor so PostgreSQL prepares them after a few uses. SQLite (the
laptop demo) takes the ORM path; tests run both (``FAST_PATH`` off forces the ORM).

Table and column names are fixed strings here; every value is a bound parameter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from django.db import connection

FAST_PATH = True


def available() -> bool:
    return FAST_PATH and connection.vendor == "postgresql"


@contextmanager
def _cursor() -> Iterator[psycopg.Cursor[Any]]:
    """A server-binding cursor on Django's connection (so statements can be prepared), with
    psycopg's errors turned into Django's (IntegrityError …) like any ORM query."""
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        yield cursor


LOCK = """
SELECT a.id, a.balance,
       (SELECT s.id FROM points_account s
         WHERE s.community_id = a.community_id AND s.kind = 'issuance')
  FROM points_account a
 WHERE a.resident_id = %s
   FOR UPDATE OF a
"""


def lock_account(resident_id: int) -> tuple[int, int, int | None] | None:
    """Lock a resident's account; returns (account id, balance, issuance account id)."""
    with _cursor() as cur:
        cur.execute(LOCK, [resident_id], prepare=True)
        row = cur.fetchone()
    return None if row is None else (row[0], row[1], row[2])


def lock_accounts(resident_ids: Sequence[int]) -> dict[int, int]:
    """Lock many residents' accounts, in primary-key order: resident id → account id."""
    with _cursor() as cur:
        cur.execute(
            "SELECT id, resident_id FROM points_account WHERE resident_id = ANY(%s)"
            " ORDER BY id FOR UPDATE",
            [list(resident_ids)],
        )
        return {resident_id: account_id for account_id, resident_id in cur.fetchall()}


CHECKS = """
SELECT (SELECT id FROM points_award WHERE idempotency_key = %(key)s),
       EXISTS (SELECT 1 FROM points_award WHERE source_key = %(source_key)s),
       COALESCE(SUM(aw.points) FILTER (WHERE aw.occurred_at >= %(d0)s AND aw.occurred_at < %(d1)s), 0),
       COALESCE(SUM(aw.points) FILTER (WHERE aw.occurred_at >= %(m0)s AND aw.occurred_at < %(m1)s), 0),
       COALESCE(SUM(aw.points) FILTER (WHERE aw.occurred_at >= %(q0)s AND aw.occurred_at < %(q1)s), 0)
  FROM points_award aw
  JOIN points_rule r ON r.id = aw.rule_id
 WHERE aw.resident_id = %(resident)s
   AND r.community_id = %(community)s AND r.key = %(rule_key)s
   AND aw.status IN ('posted', 'proposed')
   AND aw.occurred_at >= %(lo)s AND aw.occurred_at < %(hi)s
"""  # noqa: E501


def checks(
    *,
    key: str,
    source_key: str | None,
    resident_id: int,
    community_id: int,
    rule_key: str,
    windows: dict[str, tuple[dt.datetime, dt.datetime]],
) -> tuple[int | None, bool, dict[str, int]]:
    """Run after the lock: the award already made under ``key``, whether the source was
    already paid, and the points counted against each cap window."""
    params = {
        "key": key,
        "source_key": source_key,
        "resident": resident_id,
        "community": community_id,
        "rule_key": rule_key,
        **window_params(windows),
    }
    with _cursor() as cur:
        cur.execute(CHECKS, params, prepare=True)
        row = cur.fetchone()
    assert row is not None
    existing, paid, day, month, quarter = row
    return existing, bool(paid), {"cap_day": day, "cap_month": month, "cap_quarter": quarter}


AWARD = """
WITH chk AS (
  -- A used idempotency key or an already-paid source is refused by the award table's
  -- unique constraints (the statement fails whole; the caller reports the first result).
  SELECT (%(cap_day)s::int IS NULL OR COALESCE(SUM(aw.points) FILTER (
            WHERE aw.occurred_at >= %(d0)s AND aw.occurred_at < %(d1)s), 0)
            + %(points)s <= %(cap_day)s::int)
     AND (%(cap_month)s::int IS NULL OR COALESCE(SUM(aw.points) FILTER (
            WHERE aw.occurred_at >= %(m0)s AND aw.occurred_at < %(m1)s), 0)
            + %(points)s <= %(cap_month)s::int)
     AND (%(cap_quarter)s::int IS NULL OR COALESCE(SUM(aw.points) FILTER (
            WHERE aw.occurred_at >= %(q0)s AND aw.occurred_at < %(q1)s), 0)
            + %(points)s <= %(cap_quarter)s::int) AS ok
    FROM points_award aw
    JOIN points_rule r ON r.id = aw.rule_id
   WHERE aw.resident_id = %(resident)s
     AND r.community_id = %(community)s AND r.key = %(rule_key)s
     AND aw.status IN ('posted', 'proposed')
     AND aw.occurred_at >= %(lo)s AND aw.occurred_at < %(hi)s
), p AS (
  INSERT INTO points_posting
         (community_id, kind, memo, occurred_at, created_at, created_by_id, idempotency_key)
  SELECT %(community)s, 'award', %(memo)s, %(when)s, %(now)s, %(by)s, %(posting_key)s
    FROM chk WHERE chk.ok
  RETURNING id
), e AS (
  INSERT INTO points_entry (posting_id, account_id, amount)
  SELECT p.id, v.account_id, v.amount
    FROM p, (VALUES (%(issuance)s::bigint, -%(points)s::bigint),
                    (%(account)s::bigint, %(points)s::bigint)) AS v(account_id, amount)
), u AS (
  UPDATE points_account SET balance = balance + %(points)s
   WHERE id = %(account)s AND EXISTS (SELECT 1 FROM p)
), aw AS (
  INSERT INTO points_award
         (community_id, rule_id, resident_id, points, status, occurred_at, evidence_note,
          evidence_file, source_type, source_id, source_key, proposed_by_id, awarded_by_id,
          decided_at, reject_reason, posting_id, batch_id, idempotency_key, request_hash,
          created_at)
  SELECT %(community)s, %(rule)s, %(resident)s, %(points)s, 'posted', %(when)s, %(note)s,
         '', %(source_type)s, %(source_id)s, %(source_key)s, NULL, %(by)s,
         %(now)s, '', p.id, NULL, %(key)s, %(hash)s, %(now)s
    FROM p
  RETURNING id, posting_id
), au AS (
  INSERT INTO audit_auditevent
         (created_at, actor_id, action, target_type, target_id, place_id, data)
  SELECT %(now)s, %(audit_actor)s, 'points.award', 'points.award', aw.id::text,
         %(place)s, %(audit_data)s::jsonb
    FROM aw
)
SELECT id, posting_id FROM aw
"""


def window_params(windows: dict[str, tuple[dt.datetime, dt.datetime]]) -> dict[str, Any]:
    d, m, q = windows["cap_day"], windows["cap_month"], windows["cap_quarter"]
    return {
        "d0": d[0],
        "d1": d[1],
        "m0": m[0],
        "m1": m[1],
        "q0": q[0],
        "q1": q[1],
        "lo": min(d[0], m[0], q[0]),
        "hi": max(d[1], m[1], q[1]),
    }


def insert_award(params: dict[str, Any]) -> tuple[int, int] | None:
    """If the key is unused, the source unpaid and every cap has room: the posting, its two
    entries, the balance, the award row and its audit row, in one statement. Returns the
    award's and the posting's ids, or None when a check failed (the caller then asks
    ``checks`` why)."""
    with _cursor() as cur:
        cur.execute(AWARD, params, prepare=True)
        row = cur.fetchone()
    return None if row is None else (row[0], row[1])


BATCH = """
WITH input AS (
  SELECT * FROM unnest(%(residents)s::bigint[], %(accounts)s::bigint[], %(source_keys)s::text[])
         AS t(resident_id, account_id, source_key)
), p AS (
  INSERT INTO points_posting
         (community_id, kind, memo, occurred_at, created_at, created_by_id, idempotency_key)
  SELECT %(community)s, 'award', %(memo)s, %(when)s, %(now)s, %(by)s,
         %(posting_prefix)s || input.resident_id
    FROM input
  RETURNING id, idempotency_key
), pi AS (
  SELECT p.id AS posting_id, input.*
    FROM p JOIN input ON p.idempotency_key = %(posting_prefix)s || input.resident_id
), e AS (
  INSERT INTO points_entry (posting_id, account_id, amount)
  SELECT pi.posting_id, v.account_id, v.amount
    FROM pi CROSS JOIN LATERAL (VALUES (%(issuance)s::bigint, -%(points)s::bigint),
                                       (pi.account_id, %(points)s::bigint))
         AS v(account_id, amount)
), u AS (
  UPDATE points_account SET balance = balance + %(points)s
   WHERE id IN (SELECT account_id FROM input)
)
INSERT INTO points_award
       (community_id, rule_id, resident_id, points, status, occurred_at, evidence_note,
        evidence_file, source_type, source_id, source_key, proposed_by_id, awarded_by_id,
        decided_at, reject_reason, posting_id, batch_id, idempotency_key, request_hash,
        created_at)
SELECT %(community)s, %(rule)s, pi.resident_id, %(points)s, 'posted', %(when)s, %(note)s,
       '', %(source_type)s, %(source_id)s, pi.source_key, NULL, %(by)s,
       %(now)s, '', pi.posting_id, %(batch)s, %(key_prefix)s || pi.resident_id, %(hash)s,
       %(now)s
  FROM pi
"""


def insert_batch(
    *,
    residents: Sequence[int],
    accounts: Sequence[int],
    source_keys: Sequence[str | None],
    params: dict[str, Any],
) -> int:
    with _cursor() as cur:
        cur.execute(
            BATCH,
            {
                **params,
                "residents": list(residents),
                "accounts": list(accounts),
                "source_keys": list(source_keys),
            },
        )
        return cur.rowcount
