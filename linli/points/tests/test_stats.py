"""Yearly figures (issue 4, item 7) from a small ledger built through the real services.

Redemptions and refunds are written with ``ledger.post()`` the way the shop writes them (a
REDEMPTION posting resident −n / redemption account +n; a REFUND naming it), so the figures
are tested on the ledger's shapes, whichever service produces them.

The ledger (China time):

    2021-12-20  dzj redeems 20 (refunded 2022-01-03)
    2021-12-31 23:59  dzj +50 environment
    2022-01-15  dzj +10 patrol                     2022-03-03  dzj +20 suggestion
    2022-03-20  dzj redeems 30
    2022-06-01  neighbour +15 suggestion, reversed now (a later year)
    2022-08-01  third redeems 5, refunded 2022-08-03
    2022-12-30  neighbour redeems 10, refunded 2023-01-05
    2022-12-31 23:30  patrol batch +10 each to dzj, neighbour, third
    2022-12-31 23:45  third redeems 10
    2023-01-01 00:10  dzj redeems 20                2023-01-01 00:30  third +30 environment
    2022-05-01  a resident of 胜利社区 +20 (another community)
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from linli.core.quarters import CHINA, local_date
from linli.people.choices import ResidentGroup
from linli.people.models import GroupMembership, Resident
from linli.points.choices import AccountKind, PostingKind, RuleCategory
from linli.points.ledger import Line, post
from linli.points.locks import lock_resident_account, system_account
from linli.points.models import Entry, Posting
from linli.points.selectors_stats import YearFigures, year_bounds, year_figures
from linli.points.services import (
    award_reverse,
    catalog_version_create,
    points_award,
    points_award_batch,
    rule_create,
)
from linli.points.tests.shop_fixtures import *  # noqa: F403 - fixtures for the shop test
from tests.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=CHINA)


def redeem(resident: Resident, points: int, when: dt.datetime, key: str) -> Posting:
    with transaction.atomic():
        account = lock_resident_account(resident)
        community_id = resident.household.community_id
        assert community_id is not None
        target = system_account(community_id, AccountKind.REDEMPTION)
        return post(
            community_id=community_id,
            kind=PostingKind.REDEMPTION,
            lines=[Line(account, -points), Line(target, points)],
            occurred_at=when,
            idempotency_key=f"test-order:{key}",
            memo="兑换",
        )


def refund(original: Posting, when: dt.datetime) -> Posting:
    entries = list(Entry.objects.filter(posting=original).select_related("account__resident"))
    resident_entry = next(e for e in entries if e.account.kind == AccountKind.RESIDENT)
    other = next(e for e in entries if e.account.kind != AccountKind.RESIDENT)
    with transaction.atomic():
        assert resident_entry.account.resident is not None
        account = lock_resident_account(resident_entry.account.resident)
        return post(
            community_id=original.community_id,
            kind=PostingKind.REFUND,
            lines=[Line(account, -resident_entry.amount), Line(other.account, -other.amount)],
            occurred_at=when,
            idempotency_key=f"test-refund:{original.pk}",
            memo="订单取消，退回积分",
            reverses=original,
        )


@pytest.fixture
def rules(tree, secretary):
    version = catalog_version_create(
        actor=secretary,
        community=tree.heping,
        decision="2020 年居民代表会议通过",
        decided_on=dt.date(2020, 12, 1),
    )
    common = {"actor": secretary, "version": version, "active_from": dt.date(2021, 1, 1)}
    return {
        "patrol": rule_create(
            key="patrol",
            name="义务巡逻",
            category=RuleCategory.VOLUNTEER,
            points_min=10,
            **common,
        ),
        "suggestion": rule_create(
            key="suggestion",
            name="建言献策被采纳",
            category=RuleCategory.SUGGESTION,
            points_min=5,
            points_max=20,
            **common,
        ),
        "environment": rule_create(
            key="clean",
            name="环境整治",
            category=RuleCategory.ENVIRONMENT,
            points_min=5,
            points_max=50,
            **common,
        ),
    }


@pytest.fixture
def third(tree) -> Resident:
    home = HouseholdFactory(parent=tree.building2, name="1单元201", unit="1", room="201")
    made: Resident = ResidentFactory(household=home, name="第三人")  # type: ignore[assignment]
    return made


@pytest.fixture
def ledger(tree, secretary, outsider, rules, dzj, neighbour, third, stranger):
    """Builds the ledger of the module docstring; returns what the tests need."""
    n = iter(range(1000))

    def award(resident: Resident, rule: str, points: int, when: dt.datetime):
        return points_award(
            actor=secretary,
            resident=resident,
            rule=rules[rule],
            points=points,
            idempotency_key=f"stats-{next(n)}",
            occurred_at=when,
            evidence_note="测试",
        )

    award(dzj, "environment", 50, at(2021, 12, 31, 23, 59))
    r0 = redeem(dzj, 20, at(2021, 12, 20), "r0")
    refund(r0, at(2022, 1, 3))
    award(dzj, "patrol", 10, at(2022, 1, 15))
    award(dzj, "suggestion", 20, at(2022, 3, 3))
    redeem(dzj, 30, at(2022, 3, 20), "r1")
    wrong = award(neighbour, "suggestion", 15, at(2022, 6, 1))
    points_award_batch(
        actor=secretary,
        rule=rules["patrol"],
        residents=[dzj, neighbour, third],
        points=10,
        idempotency_key="stats-batch",
        occurred_at=at(2022, 12, 31, 23, 30),
        evidence_note="跨年夜巡逻",
    )
    r5 = redeem(third, 5, at(2022, 8, 1), "r5")
    refund(r5, at(2022, 8, 3))
    r2 = redeem(neighbour, 10, at(2022, 12, 30), "r2")
    refund(r2, at(2023, 1, 5))
    redeem(third, 10, at(2022, 12, 31, 23, 45), "r3")
    redeem(dzj, 20, at(2023, 1, 1, 0, 10), "r4")
    award(third, "environment", 30, at(2023, 1, 1, 0, 30))

    other_version = catalog_version_create(
        actor=outsider,
        community=tree.other,
        decision="胜利社区细则",
        decided_on=dt.date(2021, 1, 1),
    )
    other_rule = rule_create(
        actor=outsider,
        version=other_version,
        key="patrol",
        name="巡逻",
        category=RuleCategory.VOLUNTEER,
        points_min=20,
        active_from=dt.date(2021, 1, 1),
    )
    points_award(
        actor=outsider,
        resident=stranger,
        rule=other_rule,
        points=20,
        idempotency_key="stats-other",
        occurred_at=at(2022, 5, 1),
    )

    def member(resident: Resident, group: str, start: dt.date | None, end: dt.date | None) -> None:
        GroupMembership.objects.create(
            resident=resident, group=group, community=tree.heping, started_on=start, ended_on=end
        )

    member(dzj, ResidentGroup.VOLUNTEER, dt.date(2020, 1, 1), None)
    member(dzj, ResidentGroup.REPRESENTATIVE, dt.date(2019, 1, 1), dt.date(2021, 12, 31))
    member(neighbour, ResidentGroup.REPRESENTATIVE, dt.date(2022, 7, 1), dt.date(2022, 9, 30))
    member(neighbour, ResidentGroup.VOLUNTEER, None, dt.date(2021, 6, 30))
    member(third, ResidentGroup.DELIBERATOR, dt.date(2023, 2, 1), None)
    return {"wrong": wrong}


def _reverse_wrong(secretary, ledger) -> dt.datetime:
    before = timezone.now()
    award_reverse(actor=secretary, award=ledger["wrong"], reason="重复登记")
    return before


def _by(figures: YearFigures, what: str) -> dict[str, tuple[int, ...]]:
    if what == "category":
        return {c.category: (c.points, c.awards) for c in figures.by_category}
    return {g.group: (g.members, g.earners, g.points) for g in figures.by_group}


def test_2022_every_figure(tree, secretary, ledger):
    before = year_figures(community=tree.heping, year=2022)
    assert before.points_awarded == 75 and before.awards == 6
    reversed_at = _reverse_wrong(secretary, ledger)

    f = year_figures(community=tree.heping, year=2022)
    assert f.headline == "2022 年，和平社区 2 人参与积分兑换，累计兑换积分 40 分。"
    assert (f.residents_redeemed, f.points_redeemed, f.redemptions) == (2, 40, 2)
    assert (f.residents_earned, f.points_awarded, f.awards) == (3, 60, 5)
    assert _by(f, "category") == {
        RuleCategory.VOLUNTEER: (40, 4),
        RuleCategory.PUBLIC_WELFARE: (0, 0),
        RuleCategory.ENVIRONMENT: (0, 0),
        RuleCategory.VILLAGE_RULES: (0, 0),
        RuleCategory.CUSTOMS: (0, 0),
        RuleCategory.SUGGESTION: (20, 1),
        RuleCategory.OTHER: (0, 0),
    }
    assert f.by_category[0].label == "志愿服务"
    assert _by(f, "group") == {
        ResidentGroup.REPRESENTATIVE: (1, 1, 10),
        ResidentGroup.DELIBERATOR: (0, 0, 0),
        ResidentGroup.VOLUNTEER: (1, 1, 40),
    }
    awarded = {m.month: m.awarded for m in f.by_month}
    redeemed = {m.month: m.redeemed for m in f.by_month}
    assert awarded == {1: 10, 2: 0, 3: 20, 4: 0, 5: 0, 6: 0, 7: 0, 8: 0, 9: 0, 10: 0, 11: 0, 12: 30}
    assert redeemed == {1: 0, 2: 0, 3: 30, 4: 0, 5: 0, 6: 0, 7: 0, 8: 0, 9: 0, 10: 0, 11: 0, 12: 10}
    assert (f.reversed_after_year, f.reversed_for_earlier_years) == (15, 0)
    assert (f.refunded_after_year, f.refunded_for_earlier_years) == (10, 20)

    # As the ledger stood before the reversal: the wrong award still counted.
    then = year_figures(community=tree.heping, year=2022, as_of=reversed_at)
    assert (then.points_awarded, then.awards, then.reversed_after_year) == (75, 6, 0)
    assert _by(then, "category")[RuleCategory.SUGGESTION] == (35, 2)
    assert then.points_redeemed == 40


def test_other_years_and_the_boundary(tree, secretary, ledger):
    _reverse_wrong(secretary, ledger)
    y2021 = year_figures(community=tree.heping, year=2021)
    assert (y2021.points_awarded, y2021.awards, y2021.residents_earned) == (50, 1, 1)
    assert (y2021.points_redeemed, y2021.residents_redeemed, y2021.redemptions) == (0, 0, 0)
    assert y2021.refunded_after_year == 20
    assert _by(y2021, "group")[ResidentGroup.REPRESENTATIVE] == (1, 1, 50)
    assert _by(y2021, "group")[ResidentGroup.VOLUNTEER] == (2, 1, 50)

    y2023 = year_figures(community=tree.heping, year=2023)
    assert (y2023.points_awarded, y2023.residents_earned) == (30, 1)
    assert _by(y2023, "category")[RuleCategory.ENVIRONMENT] == (30, 1)
    assert (y2023.points_redeemed, y2023.residents_redeemed) == (20, 1)
    assert y2023.by_month[0].awarded == 30 and y2023.by_month[0].redeemed == 20
    assert (y2023.refunded_for_earlier_years, y2023.refunded_after_year) == (10, 0)
    assert _by(y2023, "group")[ResidentGroup.DELIBERATOR] == (1, 1, 30)

    # The reversal, posted now, corrects 2022 and not this year.
    this_year = local_date(timezone.now()).year
    now_figures = year_figures(community=tree.heping, year=this_year)
    assert now_figures.reversed_for_earlier_years == 15
    assert now_figures.points_awarded == 0

    other = year_figures(community=tree.other, year=2022)
    assert (other.points_awarded, other.residents_earned, other.points_redeemed) == (20, 1, 0)


@pytest.mark.parametrize("year", [2021, 2022, 2023])
def test_figures_reconcile_with_the_ledger_movement_in_the_year(tree, secretary, ledger, year):
    _reverse_wrong(secretary, ledger)
    f = year_figures(community=tree.heping, year=year)
    start, end = year_bounds(year)
    resident_side = Entry.objects.filter(
        posting__community=tree.heping,
        account__kind=AccountKind.RESIDENT,
        posting__occurred_at__gte=start,
        posting__occurred_at__lt=end,
    )

    def moved(*kinds: str) -> int:
        return sum(resident_side.filter(posting__kind__in=kinds).values_list("amount", flat=True))

    awarded_in_year = moved(PostingKind.AWARD, PostingKind.REVERSAL)
    assert awarded_in_year == (
        f.points_awarded + f.reversed_after_year - f.reversed_for_earlier_years
    )
    left_in_year = -moved(PostingKind.REDEMPTION, PostingKind.REFUND)
    assert left_in_year == f.points_redeemed + f.refunded_after_year - f.refunded_for_earlier_years
    assert sum(c.points for c in f.by_category) == f.points_awarded
    assert sum(m.awarded for m in f.by_month) == f.points_awarded


def test_empty_year(tree):
    f = year_figures(community=tree.heping, year=2019)
    assert f.headline == "2019 年，和平社区 0 人参与积分兑换，累计兑换积分 0 分。"
    assert f.points_awarded == 0 and all(m.awarded == 0 for m in f.by_month)
    assert len(f.by_month) == 12 and len(f.by_group) == 3


def test_query_count_does_not_grow_with_residents(
    tree, secretary, ledger, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        year_figures(community=tree.heping, year=2022)


def test_command_prints_the_headline_first(tree, secretary, ledger):
    _reverse_wrong(secretary, ledger)
    out = io.StringIO()
    call_command("stats", "year", "2022", "--community", "和平社区", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "2022 年，和平社区 2 人参与积分兑换，累计兑换积分 40 分。"
    assert "发放积分 60 分，共 5 笔，3 人获得积分；兑换 2 笔。" in lines[1]
    body = out.getvalue()
    assert "志愿服务" in body and "居民代表  1 人，其中 1 人获得积分，共 10 分" in body
    assert "12 月        30        10" in body


def test_command_json(tree, secretary, ledger):
    _reverse_wrong(secretary, ledger)
    out = io.StringIO()
    call_command("stats", "year", "2022", "--community", "和平社区", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["headline"] == "2022 年，和平社区 2 人参与积分兑换，累计兑换积分 40 分。"
    assert data["residents_redeemed"] == 2 and data["points_redeemed"] == 40
    assert data["points_awarded"] == 60 and data["community_name"] == "和平社区"
    volunteer = next(c for c in data["by_category"] if c["category"] == "volunteer")
    assert volunteer == {"category": "volunteer", "label": "志愿服务", "points": 40, "awards": 4}
    assert data["by_month"][11] == {"month": 12, "awarded": 30, "redeemed": 10}


def test_command_refuses_unknown_community_and_year(tree):
    with pytest.raises(CommandError, match="no community"):
        call_command("stats", "year", "2022", "--community", "不存在社区", stdout=io.StringIO())
    with pytest.raises(CommandError, match="year"):
        call_command("stats", "year", "1800", "--community", "和平社区", stdout=io.StringIO())
    with pytest.raises(CommandError, match="no community"):
        call_command("stats", "year", "2022", "--community", "和平小区", stdout=io.StringIO())


def test_orders_placed_and_cancelled_through_the_shop(
    tree, secretary, resident_user, rich_dzj, window, masks
):
    """The shop's own postings: two orders of masks (20 each), one cancelled."""
    from linli.points.services.shop import order_cancel, redemption_place

    year = local_date(timezone.now()).year
    kept = redemption_place(
        actor=resident_user, resident=rich_dzj, reward=masks, idempotency_key="stats-shop-1"
    )
    dropped = redemption_place(
        actor=resident_user,
        resident=rich_dzj,
        reward=masks,
        quantity=2,
        idempotency_key="stats-shop-2",
    )
    order_cancel(actor=secretary, order=dropped, reason="不要了")
    f = year_figures(community=tree.heping, year=year)
    assert (f.residents_redeemed, f.points_redeemed, f.redemptions) == (1, kept.points, 1)
    assert kept.points == 20
    assert f.points_awarded == 180 and f.residents_earned == 1
