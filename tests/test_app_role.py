"""The application's database role (deploy/sql/app_role.sql, docs/operations.md): this test
runs that very file in the test database — with a role name of its own, and the test's
connecting user standing in for linli_owner (it ran the migrations, so it owns the tables) —
then connects as the role and checks what the file promises: it appends balanced postings,
and it cannot update, delete or truncate the ledger, disable or drop its triggers, create
tables, or escape the triggers with session_replication_role."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from psycopg import errors

from linli.points.choices import AccountKind
from linli.points.locks import system_account

SQL_FILE = Path(__file__).resolve().parent.parent / "deploy" / "sql" / "app_role.sql"
WHEN = dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC)

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="database roles and privileges are PostgreSQL's (CI always runs on it)",
    ),
    pytest.mark.django_db(transaction=True),  # the role's own connection must see the rows
]


def _connect(user: str | None = None, *, autocommit: bool = False) -> psycopg.Connection:
    s = connection.settings_dict
    return psycopg.connect(
        dbname=s["NAME"],
        host=s["HOST"] or None,
        port=s["PORT"] or None,
        user=user or s["USER"] or None,
        password=None if user else (s["PASSWORD"] or None),
        autocommit=autocommit,
    )


def role_sql(role: str, owner: str) -> str:
    """The file, for this role and owner (identifiers only; nothing else is changed)."""
    text = SQL_FILE.read_text(encoding="utf-8")
    text = re.sub(r"\blinli_app\b", role, text)
    return re.sub(r"\blinli_owner\b", owner, text)


@pytest.fixture
def app(tree) -> Iterator[tuple[psycopg.Connection, str]]:
    role = f"linli_app_test_{uuid.uuid4().hex[:10]}"  # roles are cluster-wide: unique
    with _connect(autocommit=True) as admin:
        row = admin.execute("SELECT current_user").fetchone()
        assert row is not None
        owner = row[0]
        try:
            admin.execute(role_sql(role, owner).encode())
            with _connect(role) as conn:
                yield conn, role
        finally:
            admin.execute(f'DROP OWNED BY "{role}"')  # its grants and default privileges
            admin.execute(f'DROP ROLE IF EXISTS "{role}"')


def refused(conn: psycopg.Connection, sql: str, *params: object) -> None:
    with pytest.raises(errors.InsufficientPrivilege):
        try:
            conn.execute(sql, params or None)
        finally:
            conn.rollback()


def test_the_file_is_what_the_docs_show():
    docs = (SQL_FILE.parent.parent.parent / "docs" / "operations.md").read_text(encoding="utf-8")
    assert "deploy/sql/app_role.sql" in docs
    body = SQL_FILE.read_text(encoding="utf-8")
    for line in ("NOSUPERUSER", "REVOKE UPDATE, DELETE, TRUNCATE ON points_entry, points_posting"):
        assert line in body


def test_the_app_role_appends_to_the_ledger_and_nothing_more(app, tree):
    conn, role = app
    issuance = system_account(tree.heping.pk, AccountKind.ISSUANCE).pk
    expiry = system_account(tree.heping.pk, AccountKind.EXPIRY).pk
    row = conn.execute(
        "SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls, rolreplication, rolinherit"
        " FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    assert row == (False, False, False, False, False, False)
    conn.rollback()

    def posting(lines: list[tuple[int, int]]) -> int:
        cur = conn.execute(
            "INSERT INTO points_posting (community_id, kind, memo, occurred_at, created_at,"
            " idempotency_key) VALUES (%s, 'award', '', %s, now(), %s) RETURNING id",
            [tree.heping.pk, WHEN, f"role-test:{uuid.uuid4().hex}"],
        )
        found = cur.fetchone()
        assert found is not None
        for account, amount in lines:
            conn.execute(
                "INSERT INTO points_entry (posting_id, account_id, amount) VALUES (%s, %s, %s)",
                [found[0], account, amount],
            )
        conn.commit()
        return int(found[0])

    # It may append a balanced posting (and read it back) …
    posting_id = posting([(issuance, -5), (expiry, 5)])
    row = conn.execute(
        "SELECT count(*), sum(amount) FROM points_entry WHERE posting_id = %s", [posting_id]
    ).fetchone()
    assert row == (2, 0)
    conn.rollback()
    # … and the deferred check holds for it too: an unbalanced one fails at COMMIT.
    with pytest.raises(errors.CheckViolation, match="sum to zero"):
        posting([(expiry, 5)])
    conn.rollback()
    # Ordinary tables: rows as usual.
    conn.execute("UPDATE points_account SET balance = balance WHERE id = %s", [expiry])
    conn.rollback()

    # The ledger: no UPDATE, DELETE or TRUNCATE — even with the test sessions' TRUNCATE
    # switch on (any role may set a custom setting; the privilege is what stops it).
    refused(conn, "UPDATE points_entry SET amount = amount WHERE posting_id = %s", posting_id)
    refused(conn, "UPDATE points_posting SET memo = 'x' WHERE id = %s", posting_id)
    refused(conn, "DELETE FROM points_entry WHERE posting_id = %s", posting_id)
    refused(conn, "DELETE FROM points_posting WHERE id = %s", posting_id)
    conn.execute("SET linli.allow_truncate = on")
    conn.commit()
    refused(conn, "TRUNCATE points_entry")
    refused(conn, "TRUNCATE points_posting CASCADE")
    refused(conn, "TRUNCATE points_award")  # no TRUNCATE anywhere
    # No DDL: the triggers stay.
    refused(conn, "ALTER TABLE points_entry DISABLE TRIGGER ALL")
    refused(conn, "ALTER TABLE points_posting DISABLE TRIGGER points_posting_balanced")
    refused(conn, "DROP TRIGGER points_entry_append_only ON points_entry")
    refused(conn, "SET session_replication_role = replica")  # skips triggers: superuser only
    refused(conn, f'CREATE TABLE public."{role}_t" (x int)')
    refused(conn, "CREATE TABLE linli_t (x int)")
    refused(conn, "CREATE TEMP TABLE linli_t (x int)")
    refused(conn, "CREATE SCHEMA linli_s")
    row = conn.execute(
        "SELECT count(*), sum(amount) FROM points_entry WHERE posting_id = %s", [posting_id]
    ).fetchone()
    assert row == (2, 0)
    conn.rollback()
