"""The shop through its services: placing, fulfilling, confirming, cancelling and expiring
orders; every refusal leaves balance, ledger and stock as they were."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.management import call_command
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.core.actors import SYSTEM
from linli.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from linli.points.choices import OrderStatus, PostingKind, RewardKind
from linli.points.models import Entry, Order, PointsSettings, Posting, Reward
from linli.points.selectors import resident_balance
from linli.points.services import ledger_verify
from linli.points.services.shop import (
    EXPIRY_GRACE,
    VOUCHER_ALPHABET,
    order_cancel,
    order_fulfil,
    orders_expire,
    pledge_create,
    pledge_deliver,
    redemption_place,
    reward_create,
    reward_restock,
    reward_update,
    sponsor_create,
    sponsor_update,
    voucher_confirm,
)
from linli.points.tests.shop_fixtures import *  # noqa: F403 - fixtures
from linli.points.tests.shop_fixtures import fund, make_window

pytestmark = pytest.mark.django_db


def key() -> str:
    return uuid.uuid4().hex


def snapshot(resident, *rewards):
    """Everything a refused request must leave as it was."""
    return (
        resident_balance(resident),
        Posting.objects.count(),
        Entry.objects.count(),
        Order.objects.count(),
        tuple(Reward.objects.get(pk=r.pk).stock for r in rewards),
    )


# --- placing ---------------------------------------------------------------------------------


def test_resident_redeems_goods_points_and_stock_in_one_go(resident_user, rich_dzj, window, masks):
    order = redemption_place(
        actor=resident_user, resident=rich_dzj, reward=masks, quantity=2, idempotency_key=key()
    )
    assert order.status == OrderStatus.PLACED and order.voucher_code is None
    assert order.points == 40 and order.window_id == window.pk
    assert resident_balance(rich_dzj) == 140
    assert Reward.objects.get(pk=masks.pk).stock == 8
    posting = Posting.objects.get(pk=order.posting_id)
    assert posting.kind == PostingKind.REDEMPTION
    amounts = sorted(posting.entries.values_list("account__kind", "amount"))
    assert amounts == [("redemption", 40), ("resident", -40)]
    assert AuditEvent.objects.filter(action="shop.redeem", target_id=str(order.pk)).count() == 1
    assert ledger_verify() == []


def test_service_gives_a_short_unambiguous_voucher(resident_user, rich_dzj, window, haircut):
    order = redemption_place(
        actor=resident_user, resident=rich_dzj, reward=haircut, idempotency_key=key()
    )
    assert order.status == OrderStatus.VOUCHER
    assert len(order.voucher_code) == 8 and set(order.voucher_code) <= set(VOUCHER_ALPHABET)
    assert not set(order.voucher_code) & set("0O1IL2Z5S8B")
    assert Order.objects.get(pk=order.pk).voucher_code == order.voucher_code


def test_staff_redeem_on_a_residents_behalf(staff, rich_dzj, window, masks):
    order = redemption_place(actor=staff, resident=rich_dzj, reward=masks, idempotency_key=key())
    assert Order.objects.get(pk=order.pk).placed_by == staff
    assert resident_balance(rich_dzj) == 160


def test_same_key_returns_the_first_order_and_other_body_conflicts(
    resident_user, rich_dzj, window, masks
):
    k = key()
    first = redemption_place(
        actor=resident_user, resident=rich_dzj, reward=masks, idempotency_key=k
    )
    again = redemption_place(
        actor=resident_user, resident=rich_dzj, reward=masks, idempotency_key=k
    )
    assert again.pk == first.pk
    before = snapshot(rich_dzj, masks)
    with pytest.raises(Conflict, match="另一次不同的兑换"):
        redemption_place(
            actor=resident_user, resident=rich_dzj, reward=masks, quantity=3, idempotency_key=k
        )
    assert snapshot(rich_dzj, masks) == before == (160, 2, 4, 1, (9,))


# --- bad input: nothing changes --------------------------------------------------------------


@pytest.mark.parametrize(
    ("opens", "closes", "message"),
    [
        (dt.timedelta(days=1), dt.timedelta(days=15), "还没开始"),
        (-dt.timedelta(days=20), -dt.timedelta(days=6), "已于"),
        (None, None, "不在兑换期内"),
    ],
)
def test_redeeming_outside_the_window_is_refused(
    tree, resident_user, rich_dzj, masks, opens, closes, message
):
    now = timezone.now()
    if opens is not None:
        make_window(tree.heping, opens=now + opens, closes=now + closes)
    before = snapshot(rich_dzj, masks)
    with pytest.raises(Conflict, match=message):
        redemption_place(
            actor=resident_user, resident=rich_dzj, reward=masks, idempotency_key=key()
        )
    assert snapshot(rich_dzj, masks) == before


def test_window_edges_open_inclusive_close_exclusive(tree, resident_user, rich_dzj, masks):
    w = make_window(
        tree.heping,
        opens=dt.datetime(2024, 1, 8, 9, 0, tzinfo=dt.UTC),
        closes=dt.datetime(2024, 1, 22, 9, 0, tzinfo=dt.UTC),
    )
    order = redemption_place(
        actor=resident_user, resident=rich_dzj, reward=masks, idempotency_key=key(), now=w.opens_at
    )
    assert order.window_id == w.pk
    with pytest.raises(Conflict):
        redemption_place(
            actor=resident_user,
            resident=rich_dzj,
            reward=masks,
            idempotency_key=key(),
            now=w.closes_at,
        )


def test_more_than_the_balance_names_balance_and_price(
    resident_user, dzj, secretary, bonus_rule, window, masks
):
    fund(secretary, dzj, bonus_rule, 30)
    before = snapshot(dzj, masks)
    with pytest.raises(Conflict) as info:
        redemption_place(
            actor=resident_user, resident=dzj, reward=masks, quantity=2, idempotency_key=key()
        )
    assert "余额 30 分" in str(info.value) and "需要 40 分" in str(info.value)
    assert snapshot(dzj, masks) == before


def test_resident_without_any_points_is_refused(resident_user, dzj, window, masks):
    before = snapshot(dzj, masks)
    with pytest.raises(Conflict, match="余额 0 分"):
        redemption_place(actor=resident_user, resident=dzj, reward=masks, idempotency_key=key())
    assert snapshot(dzj, masks) == before


def test_sold_out_and_too_few_left(secretary, resident_user, rich_dzj, window, masks):
    reward_update(actor=secretary, reward=masks, stock=1)
    before = snapshot(rich_dzj, masks)
    with pytest.raises(Conflict, match="只剩 1 份"):
        redemption_place(
            actor=resident_user, resident=rich_dzj, reward=masks, quantity=2, idempotency_key=key()
        )
    assert snapshot(rich_dzj, masks) == before
    redemption_place(actor=resident_user, resident=rich_dzj, reward=masks, idempotency_key=key())
    before = snapshot(rich_dzj, masks)
    with pytest.raises(Conflict, match="已兑完"):
        redemption_place(
            actor=resident_user, resident=rich_dzj, reward=masks, idempotency_key=key()
        )
    assert snapshot(rich_dzj, masks) == before and before[-1] == (0,)


def test_inactive_reward_is_refused(secretary, resident_user, rich_dzj, window, masks):
    reward_update(actor=secretary, reward=masks, active=False)
    before = snapshot(rich_dzj, masks)
    with pytest.raises(Conflict, match="已下架"):
        redemption_place(
            actor=resident_user, resident=rich_dzj, reward=masks, idempotency_key=key()
        )
    assert snapshot(rich_dzj, masks) == before


def test_per_resident_limit_per_quarter(resident_user, rich_dzj, window, haircut, secretary):
    redemption_place(actor=resident_user, resident=rich_dzj, reward=haircut, idempotency_key=key())
    before = snapshot(rich_dzj, haircut)
    with pytest.raises(Conflict, match="每人每季度限兑 1 份"):
        redemption_place(
            actor=resident_user, resident=rich_dzj, reward=haircut, idempotency_key=key()
        )
    assert snapshot(rich_dzj, haircut) == before


def test_a_cancelled_order_does_not_count_against_the_limit(
    resident_user, rich_dzj, window, haircut
):
    first = redemption_place(
        actor=resident_user, resident=rich_dzj, reward=haircut, idempotency_key=key()
    )
    order_cancel(actor=resident_user, order=first)
    again = redemption_place(
        actor=resident_user, resident=rich_dzj, reward=haircut, idempotency_key=key()
    )
    assert again.status == OrderStatus.VOUCHER


def test_limit_quarter_follows_the_communitys_quarters(
    tree, secretary, resident_user, rich_dzj, haircut
):
    # Shifted quarters (Feb/May/Aug/Nov): Jan 30 and Feb 2 are different quarters.
    PointsSettings.objects.update_or_create(
        community=tree.heping, defaults={"quarter_start_month": 2}
    )
    make_window(
        tree.heping,
        opens=dt.datetime(2024, 1, 25, tzinfo=dt.UTC),
        closes=dt.datetime(2024, 2, 8, tzinfo=dt.UTC),
    )
    jan = dt.datetime(2024, 1, 30, 4, tzinfo=dt.UTC)
    feb = dt.datetime(2024, 2, 2, 4, tzinfo=dt.UTC)
    redemption_place(
        actor=resident_user, resident=rich_dzj, reward=haircut, idempotency_key=key(), now=jan
    )
    redemption_place(
        actor=resident_user, resident=rich_dzj, reward=haircut, idempotency_key=key(), now=feb
    )
    with pytest.raises(Conflict, match="限兑"):
        redemption_place(
            actor=resident_user, resident=rich_dzj, reward=haircut, idempotency_key=key(), now=feb
        )


@pytest.mark.parametrize("quantity", [0, -1, "abc", 1.5, True, 100])
def test_bad_quantity(resident_user, rich_dzj, window, masks, quantity):
    before = snapshot(rich_dzj, masks)
    with pytest.raises(ValidationFailed):
        redemption_place(
            actor=resident_user,
            resident=rich_dzj,
            reward=masks,
            quantity=quantity,
            idempotency_key=key(),
        )
    assert snapshot(rich_dzj, masks) == before


def test_missing_key_is_refused(resident_user, rich_dzj, window, masks):
    with pytest.raises(ValidationFailed, match="请求编号"):
        redemption_place(actor=resident_user, resident=rich_dzj, reward=masks, idempotency_key="")


def test_others_cannot_redeem_for_a_resident(
    leader, outsider, supervisor, neighbour, rich_dzj, window, masks, sponsor_user
):
    # A neighbour's user, a building leader, another community's secretary, a supervisor
    # and a sponsor: none may spend 代正菊's points.
    for actor in (leader, outsider, supervisor, sponsor_user):
        with pytest.raises(NotFound):
            redemption_place(actor=actor, resident=rich_dzj, reward=masks, idempotency_key=key())
    assert resident_balance(rich_dzj) == 180


def test_reward_of_another_community_is_not_found(
    secretary, outsider, tree, resident_user, rich_dzj, window
):
    elsewhere = reward_create(
        actor=outsider, community=tree.other, kind=RewardKind.GOODS, name="水杯", price=5, stock=3
    )
    with pytest.raises(NotFound):
        redemption_place(
            actor=resident_user, resident=rich_dzj, reward=elsewhere, idempotency_key=key()
        )


# --- after placing: fulfil, confirm, cancel, expire ------------------------------------------


def test_staff_fulfil_goods_once(staff, resident_user, rich_dzj, window, masks):
    order = redemption_place(
        actor=resident_user, resident=rich_dzj, reward=masks, idempotency_key=key()
    )
    done = order_fulfil(actor=staff, order=order)
    assert done.status == OrderStatus.FULFILLED and done.closed_by == staff
    with pytest.raises(Conflict, match="已领取"):
        order_fulfil(actor=staff, order=order)
    with pytest.raises(Conflict, match="不能取消"):
        order_cancel(actor=staff, order=order)
    assert resident_balance(rich_dzj) == 160


def test_resident_cannot_fulfil_and_outsider_not_found(
    resident_user, outsider, rich_dzj, window, masks
):
    order = redemption_place(
        actor=resident_user, resident=rich_dzj, reward=masks, idempotency_key=key()
    )
    for actor in (resident_user, outsider):
        with pytest.raises(NotFound):
            order_fulfil(actor=actor, order=order)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PLACED


def test_vouchers_are_not_fulfilled_by_staff(staff, resident_user, rich_dzj, window, haircut):
    order = redemption_place(
        actor=resident_user, resident=rich_dzj, reward=haircut, idempotency_key=key()
    )
    with pytest.raises(Conflict):
        order_fulfil(actor=staff, order=order)


def test_sponsor_confirms_a_voucher_by_code_once(
    sponsor_user, resident_user, rich_dzj, window, haircut
):
    order = redemption_place(
        actor=resident_user, resident=rich_dzj, reward=haircut, idempotency_key=key()
    )
    typed = " " + order.voucher_code[:4].lower() + "-" + order.voucher_code[4:] + " "
    done = voucher_confirm(actor=sponsor_user, code=typed)
    assert done.status == OrderStatus.CONFIRMED and done.closed_by == sponsor_user
    with pytest.raises(Conflict, match=r"已于 .* 确认过"):
        voucher_confirm(actor=sponsor_user, code=order.voucher_code)
    assert resident_balance(rich_dzj) == 150


def test_wrong_sponsor_staff_and_resident_cannot_confirm(
    other_sponsor_user, staff, resident_user, rich_dzj, window, haircut, sponsor_user, tree
):
    order = redemption_place(
        actor=resident_user, resident=rich_dzj, reward=haircut, idempotency_key=key()
    )
    for actor in (other_sponsor_user, staff, resident_user):
        with pytest.raises(NotFound):
            voucher_confirm(actor=actor, code=order.voucher_code)
        with pytest.raises(NotFound):
            voucher_confirm(actor=actor, order=order)
    with pytest.raises(NotFound):
        voucher_confirm(actor=sponsor_user, code="ACDEFGHJ")
    # The sponsor's role revoked: its user no longer confirms.
    sponsor_user.grants.update(revoked_at=timezone.now())
    sponsor_user.__dict__.pop("_linli_grants", None)
    with pytest.raises(NotFound):
        voucher_confirm(actor=sponsor_user, code=order.voucher_code)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.VOUCHER


def test_cancel_refunds_by_a_posting_that_names_the_original(
    resident_user, rich_dzj, window, haircut
):
    order = redemption_place(
        actor=resident_user, resident=rich_dzj, reward=haircut, idempotency_key=key()
    )
    assert resident_balance(rich_dzj) == 150
    done = order_cancel(actor=resident_user, order=order, reason="临时有事")
    assert done.status == OrderStatus.CANCELLED
    refund = Posting.objects.get(pk=done.refund_posting_id)
    assert refund.kind == PostingKind.REFUND and refund.reverses_id == order.posting_id
    assert sorted(refund.entries.values_list("account__kind", "amount")) == [
        ("redemption", -30),
        ("resident", 30),
    ]
    assert resident_balance(rich_dzj) == 180
    assert Reward.objects.get(pk=haircut.pk).stock == 5
    with pytest.raises(Conflict, match="已取消"):
        order_cancel(actor=resident_user, order=order)
    with pytest.raises(Conflict):
        voucher_confirm(actor=haircut.sponsor.user, code=order.voucher_code)
    assert resident_balance(rich_dzj) == 180
    assert ledger_verify() == []


def test_neighbour_and_outsider_cannot_cancel(
    resident_user, leader, outsider, rich_dzj, window, masks
):
    order = redemption_place(
        actor=resident_user, resident=rich_dzj, reward=masks, idempotency_key=key()
    )
    for actor in (leader, outsider):
        with pytest.raises(NotFound):
            order_cancel(actor=actor, order=order)
    assert resident_balance(rich_dzj) == 160


def test_expiry_after_the_grace_period_is_idempotent(
    tree, resident_user, staff, rich_dzj, masks, haircut
):
    now = timezone.now()
    w = make_window(tree.heping, opens=now - dt.timedelta(days=3), closes=now + dt.timedelta(1))
    placed = redemption_place(
        actor=resident_user, resident=rich_dzj, reward=masks, idempotency_key=key()
    )
    voucher = redemption_place(
        actor=resident_user, resident=rich_dzj, reward=haircut, idempotency_key=key()
    )
    fulfilled = redemption_place(
        actor=resident_user, resident=rich_dzj, reward=masks, idempotency_key=key()
    )
    order_fulfil(actor=staff, order=fulfilled)
    assert resident_balance(rich_dzj) == 110
    # Not yet: the window closed less than the grace period ago.
    assert orders_expire(now=w.closes_at + EXPIRY_GRACE - dt.timedelta(minutes=1)) == 0
    later = w.closes_at + EXPIRY_GRACE + dt.timedelta(minutes=1)
    assert orders_expire(actor=SYSTEM, now=later) == 2
    assert orders_expire(actor=SYSTEM, now=later) == 0
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses[placed.pk] == statuses[voucher.pk] == OrderStatus.EXPIRED
    assert statuses[fulfilled.pk] == OrderStatus.FULFILLED
    assert resident_balance(rich_dzj) == 160
    assert Reward.objects.get(pk=masks.pk).stock == 9
    assert Reward.objects.get(pk=haircut.pk).stock == 5
    refunds = Posting.objects.filter(kind=PostingKind.REFUND)
    assert {p.reverses_id for p in refunds} == {placed.posting_id, voucher.posting_id}
    assert ledger_verify() == []


def test_expire_command(tree, resident_user, rich_dzj, masks, capsys):
    now = timezone.now()
    make_window(tree.heping, opens=now - dt.timedelta(days=30), closes=now + dt.timedelta(1))
    redemption_place(actor=resident_user, resident=rich_dzj, reward=masks, idempotency_key=key())
    call_command("shop", "expire", "--as-of", (now + dt.timedelta(days=9)).isoformat())
    assert capsys.readouterr().out.startswith("1 ")
    call_command("shop", "expire", "--as-of", (now + dt.timedelta(days=9)).isoformat())
    assert capsys.readouterr().out.startswith("0")
    assert resident_balance(rich_dzj) == 180


def test_staff_expiry_scoped_to_their_community(tree, staff, outsider):
    assert orders_expire(actor=staff, community=tree.heping) == 0
    with pytest.raises(NotFound):
        orders_expire(actor=outsider, community=tree.heping)
    with pytest.raises(NotFound):
        orders_expire(actor=staff)


def test_transition_table_guards_every_actor(resident_user, rich_dzj, window, masks):
    from linli.points import workflows

    with pytest.raises(Forbidden):
        workflows.transition(workflows.ORDER, OrderStatus.PLACED, "fulfil", workflows.RESIDENT)


# --- sponsors, pledges and rewards -----------------------------------------------------------


def test_sponsor_lifecycle_and_thanks_list(secretary, tree, sponsor_user, barber):
    from linli.points.selectors_shop import thanks_list

    with pytest.raises(Conflict, match="已有名为"):
        sponsor_create(actor=secretary, community=tree.heping, name="好邻居理发店")
    hidden = sponsor_create(
        actor=secretary, community=tree.heping, name="匿名爱心人士", thanks_public=False
    )
    pledge = pledge_create(
        actor=secretary,
        sponsor=barber,
        year=2023,
        quarter=4,
        description="上门理发 20 次",
        value_yuan="600",
    )
    pledge_create(
        actor=secretary, sponsor=hidden, year=2023, quarter=4, description="水杯", value_yuan=50
    )
    delivered = pledge_deliver(actor=secretary, pledge=pledge, note="已到社区")
    assert delivered.delivered_at is not None
    with pytest.raises(Conflict, match="已于"):
        pledge_deliver(actor=secretary, pledge=pledge)
    rows = thanks_list(tree.heping, 2023, 4)
    assert [s.name for s in rows] == ["好邻居理发店"]
    assert [p.description for p in rows[0].quarter_pledges] == ["上门理发 20 次"]
    assert thanks_list(tree.heping, 2023, 3) == []
    updated = sponsor_update(actor=secretary, sponsor=barber, contact_name="王二")
    assert updated.contact_name == "王二"


def test_sponsor_user_must_hold_the_sponsor_role(secretary, tree, resident_user):
    with pytest.raises(ValidationFailed, match="辖区企业"):
        sponsor_create(actor=secretary, community=tree.heping, name="某店", user=resident_user)


@pytest.mark.parametrize(
    ("field", "value"), [("value_yuan", "-1"), ("value_yuan", "abc"), ("quarter", 5)]
)
def test_bad_pledges(secretary, barber, field, value):
    kwargs = {"year": 2023, "quarter": 4, "description": "理发", "value_yuan": "10"}
    kwargs[field] = value
    with pytest.raises(ValidationFailed):
        pledge_create(actor=secretary, sponsor=barber, **kwargs)


def test_only_staff_of_the_community_manage_the_shop(
    outsider, leader, resident_user, sponsor_user, tree, barber, masks
):
    for actor in (outsider, leader, resident_user, sponsor_user):
        with pytest.raises(NotFound):
            reward_create(
                actor=actor, community=tree.heping, kind="goods", name="x", price=1, stock=1
            )
        with pytest.raises(NotFound):
            reward_restock(actor=actor, reward=masks, add=5)
        with pytest.raises(NotFound):
            sponsor_update(actor=actor, sponsor=barber, name="改名")
        with pytest.raises(NotFound):
            pledge_create(
                actor=actor, sponsor=barber, year=2023, quarter=4, description="x", value_yuan=1
            )


def test_reward_validation_and_restock(secretary, tree, masks):
    for bad in ({"price": 0}, {"price": "x"}, {"stock": -1}, {"name": " "}, {"kind": "cash"}):
        with pytest.raises(ValidationFailed):
            reward_update(actor=secretary, reward=masks, **bad)
    assert reward_restock(actor=secretary, reward=masks, add=5).stock == 15
    with pytest.raises(ValidationFailed):
        reward_restock(actor=secretary, reward=masks, add=0)
    other = reward_create(
        actor=secretary, community=tree.heping, kind="goods", name="抽纸", price=5, stock=0
    )
    assert other.stock == 0 and other.sponsor is None


def test_reward_from_another_communitys_sponsor_is_refused(secretary, outsider, tree):
    theirs = sponsor_create(actor=outsider, community=tree.other, name="胜利商店")
    with pytest.raises(ValidationFailed, match="不属于本社区"):
        reward_create(
            actor=secretary,
            community=tree.heping,
            kind="goods",
            name="水杯",
            price=5,
            stock=1,
            sponsor=theirs,
        )
