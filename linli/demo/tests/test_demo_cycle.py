"""The Heping demo's quarterly cycle: the seed's 2022 figures from the ledger, four final
lists of 2022, the Q4 list's window open at load time with orders in it, 代正菊's
redemptions, stock and limits, and a second load that creates nothing."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, ClassVar

from django.core.management import call_command
from django.db.models import Sum
from django.test import TestCase
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.core.quarters import CHINA, quarter_of
from linli.demo.cycle import (
    PAST_LISTS,
    POINTS_2022,
    RESIDENTS_2022,
    REWARD_BY_NAME,
    SPONSORS,
    CyclePlan,
    plan_cycle,
)
from linli.demo.heping import load_heping
from linli.demo.plan import NAMED, Demo, build_plan
from linli.demo.points_plan import DAI_REDEMPTIONS, EVENING, plan_points
from linli.people.models import User
from linli.points.choices import (
    AccountKind,
    OrderStatus,
    PostingKind,
    PublicationStatus,
    RewardKind,
)
from linli.points.models import (
    Entry,
    Order,
    Pledge,
    Posting,
    Publication,
    RedemptionWindow,
    Reward,
    Sponsor,
)
from linli.points.selectors_stats import year_figures
from linli.points.services import ledger_verify
from linli.points.services.publication import publication_verify

HEADLINE = "2022 年，和平社区 246 人参与积分兑换，累计兑换积分 21649 分。"
CYCLE_MODELS = (
    Publication,
    RedemptionWindow,
    Sponsor,
    Pledge,
    Reward,
    Order,
    Posting,
    Entry,
    AuditEvent,
)


if TYPE_CHECKING:
    _Base = TestCase
else:
    _Base = object


class CycleDemoChecks(_Base):
    """Checks run by tests/test_demo_loaders.py on one shared demo load."""

    demo: ClassVar[Demo]
    heping_output: ClassVar[str]
    loaded_at: ClassVar[dt.datetime]

    def test_the_seed_figures_for_2022(self) -> None:
        figures = year_figures(community=self.demo.heping, year=2022)
        assert (figures.residents_redeemed, figures.points_redeemed) == (246, 21649)
        assert (RESIDENTS_2022, POINTS_2022) == (246, 21649)
        assert figures.headline == HEADLINE
        # The cancelled orders were refunded after 2022: they count against 2022, not in it.
        assert figures.refunded_after_year > 0
        assert HEADLINE in self.heping_output

        out = io.StringIO()
        call_command("stats", "year", "2022", "--community", "和平社区", stdout=out)
        assert out.getvalue().splitlines()[0] == HEADLINE

    def test_2022_lists_are_final_and_verify(self) -> None:
        heping = self.demo.heping
        lists = Publication.objects.filter(community=heping, year=2022).order_by("quarter")
        assert [p.quarter for p in lists] == [1, 2, 3, 4]
        for publication in lists:
            assert publication.status == PublicationStatus.FINAL
            assert publication.digest and publication_verify(publication)
            assert publication.lines.exists()
            window = RedemptionWindow.objects.get(publication=publication)
            assert window.opens_at == publication.finalized_at
            assert publication.public_until is not None
            assert publication.public_until <= window.opens_at
        for dates, publication in zip(PAST_LISTS, lists, strict=False):
            assert publication.public_from == dates.published
            assert publication.finalized_at == dates.finalized
            # Published a few days after its quarter ended.
            assert dates.published.astimezone(CHINA).date() >= publication.period_end

    def test_the_q4_window_is_open_with_orders(self) -> None:
        q4 = Publication.objects.get(community=self.demo.heping, year=2022, quarter=4)
        window = RedemptionWindow.objects.get(publication=q4)
        assert window.opens_at <= self.loaded_at < window.closes_at
        assert window.opens_at <= timezone.now() < window.closes_at
        statuses = Counter(Order.objects.filter(window=window).values_list("status", flat=True))
        assert statuses[OrderStatus.PLACED] >= 3  # goods waiting to be handed over
        assert statuses[OrderStatus.VOUCHER] >= 2  # vouchers waiting for their sponsor
        assert statuses[OrderStatus.FULFILLED] and statuses[OrderStatus.CONFIRMED]
        vouchers = Order.objects.filter(window=window, status=OrderStatus.VOUCHER)
        assert all(
            o.voucher_code and o.reward.sponsor and o.reward.sponsor.user_id for o in vouchers
        )
        # These orders are this year's, not 2022's.
        for order in Order.objects.filter(window=window):
            assert window.opens_at <= order.placed_at < window.closes_at
            assert order.placed_at.astimezone(CHINA).year != 2022

    def test_dai_redeemed_masks_cups_tissues_and_holds_170_then_180(self) -> None:
        dai = self.demo.resident("volunteer")
        orders = Order.objects.filter(resident=dai).select_related("reward")
        assert sorted(o.reward.name for o in orders) == sorted(["口罩", "水杯", "抽纸"])
        assert sorted((o.reward.name, o.points) for o in orders) == sorted(
            (name, points) for *_rest, name, points in DAI_REDEMPTIONS
        )
        assert all(o.status == OrderStatus.FULFILLED for o in orders)
        assert all(o.placed_at < EVENING for o in orders)
        entries = Entry.objects.filter(account__resident=dai)
        before = entries.filter(posting__occurred_at__lt=EVENING).aggregate(s=Sum("amount"))["s"]
        assert before == 170
        assert entries.aggregate(s=Sum("amount"))["s"] == 180
        after = entries.filter(posting__occurred_at__gte=EVENING)
        assert list(after.values_list("amount", flat=True)) == [10]

    def test_ledger_stock_and_limits(self) -> None:
        assert ledger_verify() == []
        heping = self.demo.heping
        assert not Reward.objects.filter(stock__lt=0).exists()
        names = set(Reward.objects.filter(community=heping).values_list("name", flat=True))
        assert names >= {"口罩", "水杯", "抽纸", "洗衣液", "食用油", "大米"}
        assert names >= {"理发", "家电维修", "水电维修"}
        for item in Reward.objects.filter(community=heping):
            assert item.sponsor is not None and item.description
            assert item.per_resident_limit == REWARD_BY_NAME[item.name].limit
        # Per resident, reward and window (each window lies in one quarter): the limit holds.
        taken: Counter[tuple[int, int, int]] = Counter()
        standing = Order.objects.filter(community=heping).exclude(
            status__in=[OrderStatus.CANCELLED, OrderStatus.EXPIRED]
        )
        for resident, reward, window, quantity in standing.values_list(
            "resident_id", "reward_id", "window_id", "quantity"
        ):
            taken[(resident, reward, window)] += quantity
        limits = {
            pk: limit or 0 for pk, limit in Reward.objects.values_list("pk", "per_resident_limit")
        }
        assert all(n <= limits[reward] for (_r, reward, _w), n in taken.items())
        # Every order inside its window; goods handed over, services confirmed by the sponsor.
        for order in Order.objects.filter(community=heping).select_related(
            "window", "reward__sponsor"
        ):
            assert order.window.opens_at <= order.placed_at < order.window.closes_at
            if order.status == OrderStatus.CONFIRMED:
                assert order.reward.kind == RewardKind.SERVICE
                assert order.reward.sponsor is not None
                assert order.closed_by_id == order.reward.sponsor.user_id
            if order.status == OrderStatus.FULFILLED:
                assert order.reward.kind == RewardKind.GOODS

    def test_every_order_was_affordable_at_its_time(self) -> None:
        """Replaying each resident's entries in time order, the balance never goes below zero
        (refunds of cancelled orders are posted at load time, after everything else)."""
        running: defaultdict[int, int] = defaultdict(int)
        entries = Entry.objects.filter(
            account__community=self.demo.heping, account__kind=AccountKind.RESIDENT
        ).order_by("posting__occurred_at", "posting_id")
        for account, amount, kind in entries.values_list("account_id", "amount", "posting__kind"):
            running[account] += amount
            if kind == PostingKind.REDEMPTION:
                assert running[account] >= 0

    def test_cancelled_orders_refunded(self) -> None:
        cancelled = Order.objects.filter(
            community=self.demo.heping, status=OrderStatus.CANCELLED
        ).select_related("posting", "refund_posting")
        assert 3 <= cancelled.count() <= 8
        for order in cancelled:
            assert order.refund_posting is not None
            assert order.refund_posting.kind == PostingKind.REFUND
            assert order.refund_posting.reverses_id == order.posting_id
            assert order.close_note

    def test_sponsors_and_pledges(self) -> None:
        heping = self.demo.heping
        sponsors = Sponsor.objects.filter(community=heping)
        assert sponsors.count() == len(SPONSORS) >= 4
        guilan = sponsors.get(name="桂兰便民超市")
        phone = next(n.phone for n in NAMED if n.key == "sponsor")
        assert guilan.user == User.objects.get(phone=phone)
        for sponsor in sponsors:
            for quarter in (1, 2, 3, 4):
                pledge = Pledge.objects.get(sponsor=sponsor, year=2022, quarter=quarter)
                assert pledge.delivered_at is not None and pledge.value_yuan > 0
            assert not sponsor.contact_phone or sponsor.contact_phone.startswith("1390716")
        this = quarter_of(self.loaded_at.astimezone(CHINA).date())
        assert Pledge.objects.filter(
            sponsor__community=heping, year=this.year, quarter=this.number
        ).exists()

    def test_cycle_plan_is_deterministic(self) -> None:
        def shape(plan: CyclePlan) -> list[tuple[str, str, str]]:
            return [(o.key, o.reward, o.outcome) for o in plan.orders]

        first = plan_cycle(build_plan(), plan_points(build_plan()))
        second = plan_cycle(build_plan(), plan_points(build_plan()))
        assert shape(first) == shape(second)
        assert first.redeemed_2022() == (246, 21649)
        keys = set(Order.objects.values_list("idempotency_key", flat=True))
        assert {o.key for o in first.orders} == keys

    def test_cycle_second_load_creates_nothing(self) -> None:
        before = {m._meta.label: m._default_manager.count() for m in CYCLE_MODELS}
        stock = dict(Reward.objects.values_list("pk", "stock"))
        again = load_heping(io.StringIO())
        after = {m._meta.label: m._default_manager.count() for m in CYCLE_MODELS}
        assert after == before
        assert dict(Reward.objects.values_list("pk", "stock")) == stock
        assert sum(again.tally.created.values()) == 0
        assert again.tally.present["order"] == Order.objects.count()
        assert ledger_verify() == []
