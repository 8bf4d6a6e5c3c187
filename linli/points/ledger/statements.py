"""The ledger writer's PostgreSQL statements: the same rows as the ORM path, in fewer round
trips. A single award's or order's posting, its entries, the balance, the award or order row
and its audit row are one statement (data-modifying CTEs), run through a server-binding
psycopg cursor so that PostgreSQL prepares it after a few uses; a batch is one statement too.

Nothing here decides anything: the caller (``ledger.writer``) has taken the locks and made
every check (the cap rule lives in ``ledger.caps`` alone). Nor is any row's shape spelled out
here: the award and posting columns are the models' concrete fields, their values are what
Django would insert for the same instances (``row_values``), and the audit row's columns and
values come from the audit app (``audit_insert_select``, ``audit_values``). A new column is
written on both paths or the statement fails; the differential test
(tests/test_ledger_paths.py) compares what the two paths write.

SQLite (the laptop demo) takes the ORM path; so does PostgreSQL with ``ENABLED`` off (tests
run both). Every value is a bound parameter; table and column names come from the models.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

import psycopg
from django.db import connection, models

from linli.audit.services import audit_insert_select, audit_params

from ..models import Account, Award, Entry, Order, Posting

ENABLED = True


def available() -> bool:
    """Whether postings go through the statements (PostgreSQL, unless switched off)."""
    return ENABLED and connection.vendor == "postgresql"


@contextmanager
def cursor() -> Iterator[psycopg.Cursor[Any]]:
    """A server-binding cursor on Django's connection (so statements can be prepared), with
    psycopg's errors turned into Django's (IntegrityError …) like any ORM query."""
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cur:
        yield cur


# --- rows ------------------------------------------------------------------------------------


def _fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def row_values(instance: models.Model) -> dict[str, Any]:
    """Column → value of every column but the primary key, as Django's INSERT of
    ``instance`` would write them (``auto_now_add`` stamps are set on the instance)."""
    return {
        f.column: f.get_db_prep_save(f.pre_save(instance, True), connection)
        for f in _fields(type(instance))
    }


def _params(instance: models.Model, prefix: str, skip: Sequence[str] = ()) -> dict[str, Any]:
    return {prefix + c: v for c, v in row_values(instance).items() if c not in skip}


def _cast_type(field: models.Field[Any, Any]) -> str:
    """The column's type for a cast, unsized (django-stubs lack ``cast_db_type``)."""
    return str(field.cast_db_type(connection))  # type: ignore[attr-defined]


def _insert_select(
    model: type[models.Model], source: str, exprs: dict[str, str], prefix: str
) -> str:
    """``INSERT INTO <model's table> (<every column but the key>) SELECT … FROM source``:
    each column's bound parameter ``%(<prefix><column>)s``, unless ``exprs`` gives it an
    SQL expression over ``source``."""
    columns = [f.column for f in _fields(model)]
    unknown = set(exprs) - set(columns)
    if unknown:
        raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}")
    # Each parameter cast to its column's type (unsized: a too-long text is refused by the
    # column, never cut), so PostgreSQL need not guess the type of a NULL.
    values = [
        exprs.get(f.column, f"%({prefix}{f.column})s::{_cast_type(f)}") for f in _fields(model)
    ]
    return (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(values)} FROM {source}"
    )


# An entry is a posting, an account and an amount; an account's cached balance moves by the
# amount. The statements below write them so; if the models grow, they must grow too.
if [f.column for f in _fields(Entry)] != ["posting_id", "account_id", "amount"]:
    raise ImportError("points_entry's columns changed: update ledger.statements")


# --- locks -----------------------------------------------------------------------------------

LOCK = f"""
SELECT a.id, a.balance,
       (SELECT s.id FROM {Account._meta.db_table} s
         WHERE s.community_id = a.community_id AND s.kind = %s)
  FROM {Account._meta.db_table} a
 WHERE a.resident_id = %s
   FOR UPDATE OF a
"""  # noqa: S608 - table names come from the models, values are parameters


def lock_account(resident_id: int, system_kind: str) -> tuple[int, int, int | None] | None:
    """Lock a resident's account; returns (account id, balance, the id of the community's
    ``system_kind`` account, or None), or None if the resident has no account yet."""
    with cursor() as cur:
        cur.execute(LOCK, [system_kind, resident_id], prepare=True)
        row = cur.fetchone()
    return None if row is None else (row[0], row[1], row[2])


def lock_accounts(resident_ids: Sequence[int]) -> dict[int, int]:
    """Lock many residents' accounts, in primary-key order: resident id → account id."""
    with cursor() as cur:
        cur.execute(
            f"SELECT id, resident_id FROM {Account._meta.db_table}"  # noqa: S608
            " WHERE resident_id = ANY(%s) ORDER BY id FOR UPDATE",
            [list(resident_ids)],
        )
        return {resident_id: account_id for account_id, resident_id in cur.fetchall()}


# --- one posting and the row that names it ----------------------------------------------


@cache
def _posted_statement(model: type[models.Model]) -> str:
    posting = _insert_select(Posting, "(SELECT 1) AS one", {}, "p_")
    row = _insert_select(model, "p", {"posting_id": "p.id"}, "r_")
    audit = audit_insert_select(source="r", target_id="r.id::text")
    return f"""
WITH p AS (
  {posting}
  RETURNING id
), e AS (
  INSERT INTO {Entry._meta.db_table} (posting_id, account_id, amount)
  SELECT p.id, v.account_id, v.amount
    FROM p, (VALUES (%(debit)s::bigint, -%(points)s::bigint),
                    (%(credit)s::bigint, %(points)s::bigint)) AS v(account_id, amount)
), u AS (
  UPDATE {Account._meta.db_table} SET balance = balance + %(delta)s WHERE id = %(resident)s
), r AS (
  {row}
  RETURNING id, posting_id
), au AS (
  {audit}
)
SELECT id, posting_id FROM r
"""  # noqa: S608 - names come from the models, values are parameters


def write_posted(
    row: Award | Order,
    *,
    posting: Posting,
    debit: int,
    credit: int,
    points: int,
    resident: int,
    audit: dict[str, Any],
) -> tuple[int, int]:
    """A posting of two entries (``debit`` −points, ``credit`` +points), the resident
    account's balance moved by its entry, the business row that names the posting (an
    award, an order) and that row's audit row, in one statement. Returns the row's and the
    posting's ids."""
    if resident not in (debit, credit):
        raise ValueError("one side of the posting is the resident's account")
    params = {
        **_params(posting, "p_"),
        **_params(row, "r_", skip=["posting_id"]),
        **audit_params(audit),
        "debit": debit,
        "credit": credit,
        "points": points,
        "delta": points if resident == credit else -points,
        "resident": resident,
    }
    with cursor() as cur:
        cur.execute(_posted_statement(type(row)), params, prepare=True)
        written = cur.fetchone()
    if written is None:
        raise RuntimeError("the posting statement wrote nothing")
    return written[0], written[1]


# --- a batch ---------------------------------------------------------------------------------

# Per resident: the posting's and the award's keys, the resident, their account, the source.
_PER_ROW = {"resident_id": "pi.resident_id", "source_key": "pi.source_key"}


@cache
def _batch_statement() -> str:
    posting = _insert_select(Posting, "input", {"idempotency_key": "input.posting_key"}, "p_")
    award = _insert_select(
        Award,
        "pi",
        {**_PER_ROW, "posting_id": "pi.posting_id", "idempotency_key": "pi.award_key"},
        "aw_",
    )
    return f"""
WITH input AS (
  SELECT * FROM unnest(%(residents)s::bigint[], %(accounts)s::bigint[], %(source_keys)s::text[],
                       %(posting_keys)s::text[], %(award_keys)s::text[])
         AS t(resident_id, account_id, source_key, posting_key, award_key)
), p AS (
  {posting}
  RETURNING id, idempotency_key
), pi AS (
  SELECT p.id AS posting_id, input.* FROM p JOIN input ON p.idempotency_key = input.posting_key
), e AS (
  INSERT INTO {Entry._meta.db_table} (posting_id, account_id, amount)
  SELECT pi.posting_id, v.account_id, v.amount
    FROM pi CROSS JOIN LATERAL (VALUES (%(from)s::bigint, -%(points)s::bigint),
                                       (pi.account_id, %(points)s::bigint))
         AS v(account_id, amount)
), u AS (
  UPDATE {Account._meta.db_table} SET balance = balance + %(points)s
   WHERE id IN (SELECT account_id FROM input)
)
{award}
"""  # noqa: S608 - names come from the models, values are parameters


def write_batch(
    *,
    awards: Sequence[Award],
    postings: Sequence[Posting],
    accounts: Sequence[int],
    issuance_id: int,
) -> int:
    """Every posting, entry, balance and award of a batch (one rule, the same points, to many
    residents) in one statement: the awards and postings differ only in the resident, the
    source key and their idempotency keys. Returns the number of awards written."""
    first, posting = awards[0], postings[0]
    params = {
        **_params(posting, "p_", skip=["idempotency_key"]),
        **_params(first, "aw_", skip=[*_PER_ROW, "posting_id", "idempotency_key"]),
        "residents": [a.resident_id for a in awards],
        "accounts": list(accounts),
        "source_keys": [a.source_key for a in awards],
        "posting_keys": [p.idempotency_key for p in postings],
        "award_keys": [a.idempotency_key for a in awards],
        "from": issuance_id,
        "points": first.points,
    }
    with cursor() as cur:
        cur.execute(_batch_statement(), params)
        return cur.rowcount
