"""The differential test of the ledger writer's two paths (PostgreSQL).

The same story — an award, an award by SYSTEM, an award with a source, a batch, a proposal
and its approval, a reversal, an order and its refund, a voucher order, an expiry — is told
once on the statement path and once on the ORM path, each on a freshly flushed database with
its sequences reset. Then every column the story wrote is compared, row by row, in awards,
batches, orders, postings, entries, accounts (balances) and audit rows: equal values, except
primary keys (left out) and timestamps and voucher codes (compared as set / not set). A column
left out, or filled differently, on one path fails the test; the second test shows it does.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection, models

from linli.audit.models import AuditEvent
from linli.core.actors import SYSTEM
from linli.people.choices import Role
from linli.points.choices import Awarders, ExpiryPolicy, RewardKind, RuleCategory
from linli.points.ledger import statements
from linli.points.models import Account, Award, AwardBatch, Entry, Order, Posting
from linli.points.services import (
    award_approve,
    award_reverse,
    catalog_version_create,
    points_award,
    points_award_batch,
    points_expire,
    points_settings_update,
    rule_create,
)
from linli.points.services.shop import (
    order_cancel,
    redemption_place,
    reward_create,
    sponsor_create,
)
from linli.points.tests.shop_fixtures import make_window
from tests.factories import GrantFactory, HouseholdFactory, ResidentFactory, UserFactory, build_tree

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the statement path is PostgreSQL's"
    ),
    pytest.mark.django_db(transaction=True, reset_sequences=True),
]

TZ = dt.timezone(dt.timedelta(hours=8))
WHEN = dt.datetime(2023, 3, 1, 10, 0, tzinfo=TZ)
TABLES: list[type[models.Model]] = [Award, AwardBatch, Order, Posting, Entry, Account, AuditEvent]
UNSET_OR_SET = {"voucher_code"}  # random by design: compared as set / not set


@pytest.fixture
def ledger_path():
    """Overrides the points conftest's sql/orm parametrisation: this test runs both."""


def _story(*, full=True):
    tree = build_tree()
    secretary = UserFactory(name="杨红", phone="13900000001")
    GrantFactory(user=secretary, role=Role.COMMUNITY_SECRETARY, place=tree.heping)
    home = HouseholdFactory(parent=tree.building1, name="1单元101", unit="1", room="101")
    leader = UserFactory(name="杨声芬", phone="13900000003")
    ResidentFactory(name="杨声芬", phone=leader.phone, household=home, user=leader)
    GrantFactory(user=leader, role=Role.BUILDING_LEADER, place=tree.building1)
    dzj = ResidentFactory(
        household=HouseholdFactory(parent=tree.building1, name="2单元302", unit="2", room="302"),
        name="代正菊",
    )
    neighbour = ResidentFactory(
        household=HouseholdFactory(parent=tree.building1, name="3单元303", unit="3", room="303"),
        name="邻居甲",
    )
    version = catalog_version_create(
        actor=secretary,
        community=tree.heping,
        decision="2023 年居民代表会议表决通过",
        decided_on=dt.date(2023, 1, 10),
    )
    suggestion = rule_create(
        actor=secretary,
        version=version,
        key="suggestion",
        name="建言献策被采纳",
        category=RuleCategory.SUGGESTION,
        points_min=5,
        points_max=20,
        cap_month=60,
        awarders=Awarders.STAFF_AND_LEADERS,
        active_from=dt.date(2023, 1, 1),
    )
    first = points_award(
        actor=secretary,
        resident=dzj,
        rule=suggestion,
        points=10,
        idempotency_key="award-1",
        occurred_at=WHEN,
        evidence_note="楼道照明改造的建议被采纳",
    )
    if not full:
        return
    points_award(
        actor=SYSTEM,
        resident=dzj,
        rule=suggestion,
        points=15,
        idempotency_key="award-2",
        occurred_at=WHEN,
        source_type="matter",
        source_id="42",
    )
    patrol = rule_create(
        actor=secretary,
        version=version,
        key="patrol",
        name="义务巡逻",
        category=RuleCategory.VOLUNTEER,
        points_min=10,
        cap_day=10,
        cap_quarter=100,
        active_from=dt.date(2023, 1, 1),
    )
    points_award_batch(
        actor=secretary,
        rule=patrol,
        residents=[neighbour, dzj],
        points=10,
        idempotency_key="batch-1",
        occurred_at=WHEN,
        source_type="activity",
        source_id="7",
        evidence_note="三月巡逻",
    )
    proposal = points_award(
        actor=leader,
        resident=dzj,
        rule=suggestion,
        points=8,
        idempotency_key="proposal-1",
        occurred_at=WHEN,
        evidence_note="楼栋长提议",
    )
    award_approve(actor=secretary, award=proposal)
    award_reverse(actor=secretary, award=first, reason="记错了人")
    # Orders: dzj has 15 + 10 + 8 = 33 points.
    make_window(
        tree.heping,
        opens=dt.datetime(2023, 4, 1, tzinfo=TZ),
        closes=dt.datetime(2023, 4, 15, tzinfo=TZ),
        year=2023,
        quarter=1,
    )
    grocer = sponsor_create(actor=secretary, community=tree.heping, name="便民超市")
    masks = reward_create(
        actor=secretary,
        community=tree.heping,
        kind=RewardKind.GOODS,
        name="口罩",
        price=5,
        stock=10,
        sponsor=grocer,
    )
    haircut = reward_create(
        actor=secretary,
        community=tree.heping,
        kind=RewardKind.SERVICE,
        name="理发",
        price=10,
        stock=3,
        sponsor=grocer,
        per_resident_limit=1,
    )
    order_day = dt.datetime(2023, 4, 2, 9, 0, tzinfo=TZ)
    order = redemption_place(
        actor=secretary,
        resident=dzj,
        reward=masks,
        quantity=2,
        idempotency_key="order-1",
        now=order_day,
    )
    order_cancel(actor=secretary, order=order, reason="不要了")
    redemption_place(
        actor=SYSTEM, resident=dzj, reward=haircut, idempotency_key="order-2", now=order_day
    )
    points_settings_update(
        actor=secretary, community=tree.heping, expiry_policy=ExpiryPolicy.YEAR_END
    )
    points_expire(actor=SYSTEM, community=tree.heping, as_of=dt.date(2024, 3, 1))


def _comparable(column, value):
    if isinstance(value, dt.datetime) or column in UNSET_OR_SET:
        return "set" if value is not None else None
    return value


def _written():
    """Every row of the compared tables, ordered by key, keys left out."""
    return {
        model._meta.db_table: [
            {c: _comparable(c, v) for c, v in row.items() if c != model._meta.pk.attname}
            for row in model.objects.order_by("pk").values()
        ]
        for model in TABLES
    }


def _told(statement_path, story):
    call_command("flush", verbosity=0, interactive=False)  # TRUNCATE … RESTART IDENTITY
    enabled = statements.ENABLED
    statements.ENABLED = statement_path
    try:
        story()
    finally:
        statements.ENABLED = enabled
    return _written()


def _differences(a, b):
    found = []
    for table in a:
        if len(a[table]) != len(b[table]):
            found.append((table, -1, "row count", len(a[table]), len(b[table])))
            continue
        for i, (x, y) in enumerate(zip(a[table], b[table], strict=True)):
            for column in sorted(x.keys() | y.keys()):
                if x.get(column, "missing") != y.get(column, "missing"):
                    found.append((table, i, column, x.get(column), y.get(column)))
    return found


def test_both_paths_write_the_same_rows():
    by_statements = _told(True, _story)
    by_orm = _told(False, _story)
    counts = {table: len(rows) for table, rows in by_orm.items()}
    # The story wrote what it tells: 5 awards (2 in the batch), 2 orders, and 11 postings:
    # 4 awards, the approval, the reversal, 2 orders, the refund, 2 expiries.
    assert counts["points_award"] == 5 and counts["points_order"] == 2, counts
    assert counts["points_posting"] == 11 and counts["points_entry"] == 22, counts
    assert _differences(by_statements, by_orm) == []


def test_a_column_written_on_one_path_only_is_caught(monkeypatch):
    """Sabotage the statement path: it writes the award's evidence note as ''. The
    comparison names the table and the column."""
    real = statements.row_values

    def without_note(instance):
        values = real(instance)
        if isinstance(instance, Award):
            values["evidence_note"] = ""
        return values

    monkeypatch.setattr(statements, "row_values", without_note)
    by_statements = _told(True, lambda: _story(full=False))
    by_orm = _told(False, lambda: _story(full=False))
    assert _differences(by_statements, by_orm) == [
        ("points_award", 0, "evidence_note", "", "楼道照明改造的建议被采纳")
    ]
