"""今天要办 for points: proposals, objections, orders and vouchers, a redemption window with
her balance, her line in a 公示期. Each appears when due, goes when done, and rows outside
the actor's places are never counted."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from linli.core.today import TodayItem
from linli.people.models import Resident
from linli.points import selectors_today as today
from linli.points.choices import OrderStatus
from linli.points.models import Objection, Order
from linli.points.services import award_reject, points_award
from linli.points.services.publication import (
    objection_raise,
    objection_settle,
    publication_create,
    publication_publish,
)
from linli.points.services.shop import (
    EXPIRY_GRACE,
    order_fulfil,
    redemption_place,
    voucher_confirm,
)
from linli.points.tests.shop_fixtures import *  # noqa: F403 - fixtures
from linli.points.tests.shop_fixtures import fund
from linli.points.tests.test_publication import end_public_period

pytestmark = pytest.mark.django_db


def count(items: list[TodayItem], kind: str) -> int:
    return sum(i.count for i in items if i.kind == kind)


def one(items: list[TodayItem], kind: str) -> TodayItem:
    (found,) = [i for i in items if i.kind == kind]
    return found


def mine(user) -> list[Resident]:
    return list(Resident.objects.filter(user=user).select_related("household"))


def test_proposals_and_returned(secretary, leader, outsider, neighbour, suggestion_rule):
    now = timezone.now()
    assert count(today.today_for_staff(secretary, now), today.PROPOSALS) == 0
    award = points_award(
        actor=leader, resident=neighbour, rule=suggestion_rule, points=10, idempotency_key="p1"
    )
    assert count(today.today_for_staff(secretary, now), today.PROPOSALS) == 1
    assert count(today.today_for_staff(outsider, now), today.PROPOSALS) == 0
    assert count(today.today_for_leader(leader, now), today.RETURNED) == 0
    award_reject(actor=secretary, award=award, reason="请附上照片")
    assert count(today.today_for_staff(secretary, now), today.PROPOSALS) == 0
    assert count(today.today_for_leader(leader, timezone.now()), today.RETURNED) == 1
    # Not another leader's, and not forever.
    assert today.today_for_leader(secretary, now) == []
    later = timezone.now() + today.RETURNED_SHOWN + dt.timedelta(minutes=1)
    assert count(today.today_for_leader(leader, later), today.RETURNED) == 0


def test_objections_and_my_line(
    secretary, outsider, resident_user, dzj, neighbour, stranger, suggestion_rule
):
    when = dt.datetime(2023, 8, 1, 10, tzinfo=timezone.get_default_timezone())
    points_award(
        actor=secretary,
        resident=dzj,
        rule=suggestion_rule,
        points=10,
        idempotency_key="q3",
        occurred_at=when,
    )
    publication = publication_create(
        actor=secretary, community=dzj.household.community, year=2023, quarter=3
    )
    now = timezone.now()
    assert today.today_for_resident(mine(resident_user), now) == []
    publication = publication_publish(actor=secretary, publication=publication)
    line = one(today.today_for_resident(mine(resident_user), now), today.MY_LINE)
    assert (line.first, line.due) == (publication.pk, publication.public_until)
    assert line.extra["position"] == 1
    # A resident elsewhere has no line to check.
    assert today.today_for_resident([stranger], now) == []
    objection_raise(
        actor=resident_user, publication=publication, subject_resident=dzj, reason="少记了巡逻"
    )
    item = one(today.today_for_staff(secretary, now), today.OBJECTIONS)
    assert (item.count, item.first) == (1, publication.pk)
    assert count(today.today_for_staff(outsider, now), today.OBJECTIONS) == 0
    objection_settle(
        actor=secretary,
        objection=Objection.objects.get(),
        upheld=False,
        response="巡逻记在九月",
    )
    assert count(today.today_for_staff(secretary, now), today.OBJECTIONS) == 0
    end_public_period(publication)
    assert today.today_for_resident(mine(resident_user), timezone.now()) == []


def test_window_orders_and_vouchers(
    secretary,
    outsider,
    resident_user,
    rich_dzj,
    window,
    masks,
    haircut,
    sponsor_user,
    other_sponsor_user,
):
    now = timezone.now()
    redeem = one(today.today_for_resident(mine(resident_user), now), today.REDEEM)
    assert (redeem.extra["balance"], redeem.due) == (180, window.closes_at)
    goods = redemption_place(
        actor=resident_user, resident=rich_dzj, reward=masks, idempotency_key=uuid.uuid4().hex
    )
    voucher = redemption_place(
        actor=resident_user, resident=rich_dzj, reward=haircut, idempotency_key=uuid.uuid4().hex
    )
    assert voucher.status == OrderStatus.VOUCHER
    staff = today.today_for_staff(secretary, now)
    assert count(staff, today.HAND_OVER) == 1
    assert count(staff, today.VOUCHERS_EXPIRING) == 0
    assert count(today.today_for_staff(outsider, now), today.HAND_OVER) == 0
    assert count(today.today_for_sponsor(sponsor_user), today.VOUCHERS_CONFIRM) == 1
    # Another sponsor of the community (the grocer: goods only) has no voucher to confirm.
    assert count(today.today_for_sponsor(other_sponsor_user), today.VOUCHERS_CONFIRM) == 0
    # Two days before the voucher expires (a week after the window closes): staff are told.
    soon = window.closes_at + EXPIRY_GRACE - dt.timedelta(days=2)
    item = one(today.today_for_staff(secretary, soon), today.VOUCHERS_EXPIRING)
    assert (item.count, item.due) == (1, window.closes_at + EXPIRY_GRACE)
    assert count(today.today_for_staff(secretary, window.closes_at), today.VOUCHERS_EXPIRING) == 0
    # After the window closes there is nothing to redeem.
    assert today.today_for_resident(mine(resident_user), window.closes_at) == []
    order_fulfil(actor=secretary, order=goods)
    voucher_confirm(actor=sponsor_user, order=Order.objects.get(pk=voucher.pk))
    assert count(today.today_for_staff(secretary, now), today.HAND_OVER) == 0
    assert count(today.today_for_staff(secretary, soon), today.VOUCHERS_EXPIRING) == 0
    assert count(today.today_for_sponsor(sponsor_user), today.VOUCHERS_CONFIRM) == 0


def test_no_redeem_item_without_points(secretary, resident_user, dzj, window, bonus_rule):
    assert today.today_for_resident(mine(resident_user), timezone.now()) == []
    fund(secretary, dzj, bonus_rule, 5)
    assert count(today.today_for_resident(mine(resident_user), timezone.now()), today.REDEEM) == 1
