"""今天要办 for points (see ``linli.core.today``): proposals to approve, objections in an
open 公示期, orders to hand over and vouchers about to expire (staff); proposals returned
(a building leader); an open redemption window with her balance and a 公示期 in which her
line can be questioned (a resident); vouchers to confirm (a sponsor). One aggregate per
item, scoped through ``policies``."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Min, Q

from linli.core.actors import Actor
from linli.core.today import TodayItem
from linli.people.models import Resident

from . import policies
from .choices import AwardStatus, ObjectionStatus, OrderStatus, PublicationStatus
from .models import Account, Award, Objection, Order, PublicationLine, RedemptionWindow
from .policies import PointsAction
from .services.shop import EXPIRY_GRACE

PROPOSALS = "points.proposals"
OBJECTIONS = "points.objections"
HAND_OVER = "points.hand_over"
VOUCHERS_EXPIRING = "points.vouchers_expiring"
RETURNED = "points.returned"
REDEEM = "points.redeem"
MY_LINE = "points.my_line"
VOUCHERS_CONFIRM = "points.vouchers_confirm"

# A voucher or an order not collected expires EXPIRY_GRACE after its window closes; staff
# are told this long before.
EXPIRY_WARNING = dt.timedelta(days=3)
# A leader's returned proposal stays on her list this long after it was returned.
RETURNED_SHOWN = dt.timedelta(days=14)


def _first(agg: dict[str, int | None]) -> int | None:
    return agg["first"] if agg["n"] == 1 else None


def today_for_staff(actor: Actor | None, now: dt.datetime) -> list[TodayItem]:
    items: list[TodayItem] = []
    if policies.places_for(actor, PointsAction.APPROVE):
        n = Award.objects.filter(
            policies.scope_q(actor, PointsAction.APPROVE, "resident__household__"),
            status=AwardStatus.PROPOSED,
        ).count()
        items.append(TodayItem(PROPOSALS, n))
    if policies.places_for(actor, PointsAction.PUBLISH):
        agg = Objection.objects.filter(
            policies.scope_q(actor, PointsAction.PUBLISH, "publication__community__"),
            status=ObjectionStatus.OPEN,
            publication__status=PublicationStatus.PUBLIC,
        ).aggregate(n=Count("pk"), first=Min("publication_id"))
        # One publication at a time is in its 公示期: link to its objection queue.
        items.append(TodayItem(OBJECTIONS, agg["n"], first=agg["first"]))
    if policies.places_for(actor, PointsAction.ORDER_MANAGE):
        scope = policies.scope_q(actor, PointsAction.ORDER_MANAGE, "community__")
        expiring = Q(status=OrderStatus.VOUCHER) & Q(
            window__closes_at__lte=now - EXPIRY_GRACE + EXPIRY_WARNING,
            window__closes_at__gt=now - EXPIRY_GRACE,
        )
        agg = Order.objects.filter(scope).aggregate(
            hand=Count("pk", filter=Q(status=OrderStatus.PLACED)),
            expiring=Count("pk", filter=expiring),
            soonest=Min("window__closes_at", filter=expiring),
        )
        items.append(TodayItem(HAND_OVER, agg["hand"]))
        items.append(
            TodayItem(
                VOUCHERS_EXPIRING,
                agg["expiring"],
                due=agg["soonest"] + EXPIRY_GRACE if agg["soonest"] else None,
            )
        )
    return items


def today_for_leader(actor: Actor | None, now: dt.datetime) -> list[TodayItem]:
    user_id = getattr(actor, "pk", None)
    if not user_id or not policies.places_for(actor, PointsAction.PROPOSE):
        return []
    n = Award.objects.filter(
        proposed_by_id=user_id,
        status=AwardStatus.REJECTED,
        decided_at__gte=now - RETURNED_SHOWN,
    ).count()
    return [TodayItem(RETURNED, n)]


def today_for_resident(residents: list[Resident], now: dt.datetime) -> list[TodayItem]:
    """An open redemption window of her community while she has points to spend, and a
    list in its 公示期 that carries her line (she may question it until it closes)."""
    if not residents:
        return []
    items: list[TodayItem] = []
    communities = {r.household.community_id for r in residents}
    window = (
        RedemptionWindow.objects.filter(
            community_id__in=communities, opens_at__lte=now, closes_at__gt=now
        )
        .order_by("closes_at")
        .only("pk", "closes_at", "community_id")
        .first()
    )
    if window is not None:
        there = [r for r in residents if r.household.community_id == window.community_id]
        balance = (
            Account.objects.filter(resident__in=there).values_list("balance", flat=True).first()
        )
        if balance:
            items.append(
                TodayItem(REDEEM, 1, due=window.closes_at, extra={"balance": int(balance)})
            )
    line = (
        PublicationLine.objects.filter(
            resident__in=residents,
            publication__status=PublicationStatus.PUBLIC,
            publication__public_until__gt=now,
        )
        .select_related("publication")
        .only("position", "publication__id", "publication__public_until")
        .order_by("publication__public_until")
        .first()
    )
    if line is not None:
        items.append(
            TodayItem(
                MY_LINE,
                1,
                first=line.publication.pk,
                due=line.publication.public_until,
                extra={"position": line.position},
            )
        )
    return items


def today_for_sponsor(actor: Actor | None) -> list[TodayItem]:
    user_id = getattr(actor, "pk", None)
    places = policies.places_for(actor, PointsAction.VOUCHER_CONFIRM)
    if not user_id or not places:
        return []
    n = Order.objects.filter(
        policies.scope_q(actor, PointsAction.VOUCHER_CONFIRM, "community__"),
        reward__sponsor__user_id=user_id,
        status=OrderStatus.VOUCHER,
    ).count()
    return [TodayItem(VOUCHERS_CONFIRM, n)]
