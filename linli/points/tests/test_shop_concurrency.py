"""The shop under real parallel transactions on PostgreSQL, released together behind a
barrier: the last items, a per-resident limit, one key, one voucher."""

from __future__ import annotations

import uuid

import pytest

from linli.core.errors import Conflict
from linli.points.choices import OrderStatus
from linli.points.models import Order, Posting, Reward
from linli.points.selectors import resident_balance
from linli.points.services import ledger_verify, points_award_batch
from linli.points.services.shop import order_cancel, redemption_place, voucher_confirm
from linli.points.tests.shop_fixtures import *  # noqa: F403 - fixtures
from tests.factories import HouseholdFactory, ResidentFactory
from tests.race import race

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fifty(tree, secretary, bonus_rule):
    """Fifty residents of building 2 with 100 points each."""
    residents = []
    for i in range(25):
        home = HouseholdFactory(parent=tree.building2, name=f"{i + 1:02d}01")
        residents += [ResidentFactory(household=home), ResidentFactory(household=home)]
    points_award_batch(
        actor=secretary,
        rule=bonus_rule,
        residents=residents,
        points=100,
        idempotency_key=uuid.uuid4().hex,
    )
    return residents


def test_fifty_orders_for_the_last_ten_items(staff, fifty, window, masks):
    results = race(
        50,
        lambda i: redemption_place(
            actor=staff, resident=fifty[i], reward=masks, idempotency_key=uuid.uuid4().hex
        ),
    )
    won = [r for r in results if isinstance(r, Order)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 10 and len(lost) == 40, [r for r in results if not isinstance(r, Order)]
    assert all("已兑完" in str(e) for e in lost)
    assert Reward.objects.get(pk=masks.pk).stock == 0
    winners = {o.resident_id for o in won}
    for resident in fifty:
        assert resident_balance(resident) == (80 if resident.pk in winners else 100)
    assert Order.objects.count() == 10
    assert Posting.objects.filter(kind="redemption").count() == 10
    assert ledger_verify() == []


def test_per_resident_limit_raced_by_parallel_orders(resident_user, rich_dzj, window, haircut):
    results = race(
        8,
        lambda i: redemption_place(
            actor=resident_user, resident=rich_dzj, reward=haircut, idempotency_key=uuid.uuid4().hex
        ),
    )
    won = [r for r in results if isinstance(r, Order)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 1 and len(lost) == 7, results
    assert all("限兑" in str(e) for e in lost)
    assert resident_balance(rich_dzj) == 150
    assert Reward.objects.get(pk=haircut.pk).stock == 4
    assert ledger_verify() == []


def test_balance_raced_by_parallel_orders(resident_user, rich_dzj, window, masks):
    # 180 points, 8 orders of 2 masks (40 each) at once: 4 fit, and the stock (10) too.
    results = race(
        8,
        lambda i: redemption_place(
            actor=resident_user,
            resident=rich_dzj,
            reward=masks,
            quantity=2,
            idempotency_key=uuid.uuid4().hex,
        ),
    )
    won = [r for r in results if isinstance(r, Order)]
    assert len(won) == 4, results
    assert resident_balance(rich_dzj) == 20
    assert Reward.objects.get(pk=masks.pk).stock == 2
    assert ledger_verify() == []


def test_same_key_at_once_orders_once(resident_user, rich_dzj, window, masks):
    k = uuid.uuid4().hex
    results = race(
        6,
        lambda i: redemption_place(
            actor=resident_user, resident=rich_dzj, reward=masks, idempotency_key=k
        ),
    )
    assert all(isinstance(r, Order) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert resident_balance(rich_dzj) == 160
    assert Reward.objects.get(pk=masks.pk).stock == 9


def test_a_voucher_confirmed_twice_at_once(sponsor_user, resident_user, rich_dzj, window, haircut):
    order = redemption_place(
        actor=resident_user, resident=rich_dzj, reward=haircut, idempotency_key=uuid.uuid4().hex
    )
    results = race(2, lambda i: voucher_confirm(actor=sponsor_user, code=order.voucher_code))
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Order"], results
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CONFIRMED


def test_cancel_and_confirm_at_once(sponsor_user, resident_user, rich_dzj, window, haircut):
    order = redemption_place(
        actor=resident_user, resident=rich_dzj, reward=haircut, idempotency_key=uuid.uuid4().hex
    )

    def act(i):
        if i == 0:
            return voucher_confirm(actor=sponsor_user, code=order.voucher_code)
        return order_cancel(actor=resident_user, order=order)

    results = race(2, act)
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Order"], results
    final = Order.objects.get(pk=order.pk)
    assert resident_balance(rich_dzj) == (180 if final.status == OrderStatus.CANCELLED else 150)
    assert Reward.objects.get(pk=haircut.pk).stock == (
        5 if final.status == OrderStatus.CANCELLED else 4
    )
    assert ledger_verify() == []
