"""Reads for the shop, its orders and sponsors: scoped to the actor, related rows fetched up
front. Outside one's places is NotFound."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from linli.core.actors import Actor
from linli.core.errors import NotFound
from linli.people.models import Resident
from linli.people.selectors import resident_search_q
from linli.places.models import Place

from . import policies, workflows
from .models import Order, Pledge, RedemptionWindow, Reward, Sponsor
from .policies import PointsAction
from .services.shop.orders import _quarter_bounds, open_window


def current_window(community_id: int, now: dt.datetime) -> RedemptionWindow | None:
    return open_window(community_id, now)


def next_window(community_id: int, now: dt.datetime) -> RedemptionWindow | None:
    return (
        RedemptionWindow.objects.filter(community_id=community_id, opens_at__gt=now)
        .order_by("opens_at")
        .first()
    )


def last_window(community_id: int, now: dt.datetime) -> RedemptionWindow | None:
    return (
        RedemptionWindow.objects.filter(community_id=community_id, closes_at__lte=now)
        .order_by("-closes_at")
        .first()
    )


def shop_rewards(community_id: int) -> QuerySet[Reward]:
    """What residents see: active rewards, goods first, cheapest first."""
    return (
        Reward.objects.filter(community_id=community_id, active=True)
        .select_related("sponsor")
        .order_by("kind", "price", "name")
    )


def used_this_quarter(resident: Resident, community_id: int, now: dt.datetime) -> dict[int, int]:
    """reward id → quantity the resident has redeemed in the current quarter."""
    start, end = _quarter_bounds(community_id, now)
    rows = (
        Order.objects.filter(
            resident=resident,
            placed_at__gte=start,
            placed_at__lt=end,
            status__in=list(workflows.ORDER_COUNTS),
        )
        .values("reward_id")
        .annotate(n=Sum("quantity"))
    )
    return {row["reward_id"]: int(row["n"] or 0) for row in rows}


def resident_orders(resident: Resident) -> QuerySet[Order]:
    return (
        Order.objects.filter(resident=resident)
        .select_related("reward", "reward__sponsor")
        .order_by("-placed_at", "-pk")
    )


def order_get_for_actor(actor: Actor | None, pk: int) -> Order:
    """An order its resident, the community's staff, or the reward's sponsor may see."""
    order = (
        Order.objects.select_related(
            "reward",
            "reward__sponsor",
            "resident",
            "resident__household",
            "resident__household__building",
            "closed_by",
            "placed_by",
        )
        .filter(pk=pk)
        .first()
    )
    if order is None:
        raise NotFound(_("找不到该订单"))
    user_id = getattr(actor, "pk", None)
    if user_id is not None and order.resident.user_id == user_id:
        return order
    if policies.can(actor, PointsAction.ORDER_MANAGE, order.resident.household):
        return order
    raise NotFound(_("找不到该订单"))


def orders_for_staff(
    actor: Actor | None,
    community: Place,
    *,
    status: str = "",
    reward_id: int | None = None,
    query: str = "",
) -> QuerySet[Order]:
    if not policies.can(actor, PointsAction.ORDER_MANAGE, community):
        raise NotFound(_("找不到该社区"))
    qs = Order.objects.filter(community=community)
    if status:
        qs = qs.filter(status=status)
    if reward_id:
        qs = qs.filter(reward_id=reward_id)
    if query:
        ids = Resident.objects.filter(resident_search_q(query), household__community=community)
        qs = qs.filter(resident__in=ids)
    return qs.select_related(
        "reward", "resident", "resident__household", "resident__household__building"
    ).order_by("-placed_at", "-pk")


def rewards_for_staff(actor: Actor | None, community: Place) -> QuerySet[Reward]:
    if not policies.can(actor, PointsAction.SHOP_MANAGE, community):
        raise NotFound(_("找不到该社区"))
    return (
        Reward.objects.filter(community=community)
        .select_related("sponsor")
        .order_by("-active", "kind", "name")
    )


def reward_get_for_staff(actor: Actor | None, pk: int) -> Reward:
    reward = Reward.objects.select_related("sponsor").filter(pk=pk).first()
    if reward is None or not policies.can(
        actor, PointsAction.SHOP_MANAGE, Place.objects.get(pk=reward.community_id)
    ):
        raise NotFound(_("找不到该兑换商品"))
    return reward


def sponsors_for_staff(actor: Actor | None, community: Place) -> QuerySet[Sponsor]:
    if not policies.can(actor, PointsAction.SHOP_MANAGE, community):
        raise NotFound(_("找不到该社区"))
    return (
        Sponsor.objects.filter(community=community)
        .select_related("user")
        .prefetch_related(
            Prefetch("pledges", queryset=Pledge.objects.order_by("-year", "-quarter"))
        )
        .order_by("name")
    )


def sponsor_get_for_staff(actor: Actor | None, pk: int) -> Sponsor:
    sponsor = Sponsor.objects.filter(pk=pk).first()
    if sponsor is None or not policies.can(
        actor, PointsAction.SHOP_MANAGE, Place.objects.get(pk=sponsor.community_id)
    ):
        raise NotFound(_("找不到该赞助方"))
    return sponsor


def pledge_get_for_staff(actor: Actor | None, pk: int) -> Pledge:
    pledge = Pledge.objects.select_related("sponsor").filter(pk=pk).first()
    if pledge is None or not policies.can(
        actor, PointsAction.SHOP_MANAGE, Place.objects.get(pk=pledge.sponsor.community_id)
    ):
        raise NotFound(_("找不到该赞助承诺"))
    return pledge


def sponsors_of_user(actor: Actor | None) -> QuerySet[Sponsor]:
    """The shops a sponsor user runs, in communities where they hold the sponsor role."""
    user_id = getattr(actor, "pk", None)
    if not user_id:
        return Sponsor.objects.none()
    places = policies.places_for(actor, PointsAction.VOUCHER_CONFIRM)
    if not places:
        return Sponsor.objects.none()
    return Sponsor.objects.filter(user_id=user_id, community__in=places).order_by("name")


def sponsor_orders(sponsors: QuerySet[Sponsor], *, open_only: bool) -> QuerySet[Order]:
    qs = Order.objects.filter(reward__sponsor__in=sponsors)
    statuses = workflows.ORDER_OPEN if open_only else {"confirmed"}
    return (
        qs.filter(status__in=list(statuses), voucher_code__isnull=False)
        .select_related("reward", "resident")
        .order_by("-closed_at" if not open_only else "placed_at", "-pk")
    )


def thanks_list(community: Place, year: int, quarter: int) -> list[Sponsor]:
    """The public thanks list: sponsors that agreed to be thanked publicly and pledged for
    the quarter, each with ``quarter_pledges`` (what they gave). No contact details."""
    pledges = Pledge.objects.filter(year=year, quarter=quarter).order_by("pk")
    return list(
        Sponsor.objects.filter(community=community, thanks_public=True)
        .filter(Q(pledges__year=year) & Q(pledges__quarter=quarter))
        .distinct()
        .prefetch_related(Prefetch("pledges", queryset=pledges, to_attr="quarter_pledges"))
        .only("pk", "name", "kind", "community_id")
        .order_by("name")
    )
