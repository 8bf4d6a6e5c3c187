"""What PostgreSQL itself refuses on the ledger (points migration 0007), whatever wrote it:
an unbalanced posting at COMMIT (raw SQL and the ORM alike) and TRUNCATE."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import IntegrityError, connection, transaction

from linli.points.choices import AccountKind, PostingKind
from linli.points.locks import system_account
from linli.points.models import Entry, Posting
from linli.points.services import ledger_verify

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the ledger's triggers are PostgreSQL's"
)

WHEN = dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC)
_keys = itertools.count()


@pytest.fixture
def ledger_path():
    """Overrides the points conftest's sql/orm parametrisation: these tests write their own
    SQL, so one run each."""
    return "raw"


@pytest.fixture
def accounts(tree):
    return (
        system_account(tree.heping.pk, AccountKind.ISSUANCE).pk,
        system_account(tree.heping.pk, AccountKind.EXPIRY).pk,
    )


def raw_posting(community_id: int, lines: list[tuple[int, int]]) -> int:
    """One posting and its entries by plain INSERTs, as any raw-SQL path could write them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO points_posting (community_id, kind, memo, occurred_at, created_at,"
            " idempotency_key) VALUES (%s, %s, '', %s, now(), %s) RETURNING id",
            [community_id, PostingKind.AWARD, WHEN, f"db-test:{next(_keys)}"],
        )
        (posting_id,) = cursor.fetchone()
        for account_id, amount in lines:
            cursor.execute(
                "INSERT INTO points_entry (posting_id, account_id, amount) VALUES (%s, %s, %s)",
                [posting_id, account_id, amount],
            )
    return posting_id


@pytest.mark.django_db(transaction=True)
def test_an_unbalanced_posting_is_refused_at_commit(tree, accounts):
    issuance, expiry = accounts
    cases = {
        "one entry": [(expiry, 5)],
        "sums to +1": [(issuance, -5), (expiry, 6)],
        "no entries": [],
    }
    for case, lines in cases.items():
        refused = pytest.raises(IntegrityError, match=r"sum to zero")
        with refused, transaction.atomic():
            raw_posting(tree.heping.pk, lines)
            # Inside the transaction the statements succeed: the check is at COMMIT.
            assert Posting.objects.count() == 1, case
        assert Posting.objects.count() == 0 and Entry.objects.count() == 0, case
    # The same through the ORM: entries created one by one, the second one missing.
    with pytest.raises(IntegrityError, match="sum to zero") as orm, transaction.atomic():
        posting = Posting.objects.create(
            community=tree.heping, kind=PostingKind.AWARD, occurred_at=WHEN, idempotency_key="o"
        )
        Entry.objects.create(posting=posting, account_id=expiry, amount=3)
    assert orm.value.__cause__.diag.constraint_name == "points_posting_balanced"
    assert Posting.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_balanced_posting_commits_and_cannot_be_unbalanced_later(tree, accounts):
    issuance, expiry = accounts
    with transaction.atomic():
        posting_id = raw_posting(tree.heping.pk, [(issuance, -5), (expiry, 5)])
    assert Entry.objects.filter(posting_id=posting_id).count() == 2
    assert ledger_verify() == []
    # An entry added afterwards to a committed posting unbalances it: refused at commit.
    refused = pytest.raises(IntegrityError, match=f"posting {posting_id} has 3 entries")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO points_entry (posting_id, account_id, amount) VALUES (%s, %s, 7)",
            [posting_id, expiry],
        )
    assert Entry.objects.filter(posting_id=posting_id).count() == 2
    assert ledger_verify() == []


@pytest.mark.django_db
def test_set_constraints_immediate_checks_mid_transaction(tree, accounts):
    """The check is a deferrable constraint: SET CONSTRAINTS … IMMEDIATE runs it at once
    (Django's TestCase does so at teardown, so every test's postings are checked)."""
    _issuance, expiry = accounts
    with pytest.raises(IntegrityError, match="sum to zero"), transaction.atomic():
        raw_posting(tree.heping.pk, [(expiry, 4)])
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.django_db
def test_truncate_is_refused_unless_the_session_allows_it():
    with connection.cursor() as cursor:
        # The test settings turn it on for every connection (Django's flush is a TRUNCATE).
        cursor.execute("SHOW linli.allow_truncate")
        assert cursor.fetchone() == ("on",)
    for table in ("points_entry", "points_posting"):
        refused = pytest.raises(IntegrityError, match=f"TRUNCATE on {table} refused")
        with refused, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL linli.allow_truncate = off")
            cursor.execute(f"TRUNCATE {table} CASCADE")
    # Unset, as in production; a TRUNCATE naming other tables too is refused whole.
    refused = pytest.raises(IntegrityError, match=r"TRUNCATE on points_(entry|posting) refused")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL linli.allow_truncate = ''")
        cursor.execute("TRUNCATE points_award, points_entry, points_posting CASCADE")
    with connection.cursor() as cursor:
        cursor.execute("SHOW linli.allow_truncate")
        assert cursor.fetchone() == ("on",)  # SET LOCAL ended with its transaction
