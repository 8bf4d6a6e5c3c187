"""Who may do what with points. Same primitives as people.policies: a role on a place holds
for everything below it; outside one's places is NotFound."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

from django.db.models import Q

from linli.core.actors import Actor
from linli.people import policies as people_policies
from linli.people.choices import Role
from linli.places.models import Place

from .choices import Awarders

if TYPE_CHECKING:
    from .models import Rule

STAFF = frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.OPERATOR})


class PointsAction:
    AWARD = "points.award"  # post an award directly
    PROPOSE = "points.propose"  # propose an award for staff approval
    APPROVE = "points.approve"
    REVERSE = "points.reverse"
    RULES_MANAGE = "points.rules_manage"
    LEDGER_VIEW = "points.ledger_view"
    RESIDENT_POINTS_VIEW = "points.resident_view"
    EXPORT = "points.export"
    PUBLISH = "points.publish"  # the quarterly publication (一季度一公示)
    SHOP_MANAGE = "points.shop_manage"  # rewards, sponsors, pledges
    ORDER_MANAGE = "points.order_manage"  # see, fulfil, cancel, place on a resident's behalf
    VOUCHER_CONFIRM = "points.voucher_confirm"  # a sponsor confirms its own vouchers


PERMISSIONS: dict[str, frozenset[str]] = {
    PointsAction.AWARD: STAFF,
    PointsAction.PROPOSE: frozenset({Role.BUILDING_LEADER}),
    PointsAction.APPROVE: STAFF,
    PointsAction.REVERSE: STAFF,
    PointsAction.RULES_MANAGE: frozenset({Role.COMMUNITY_SECRETARY, Role.OPERATOR}),
    PointsAction.LEDGER_VIEW: STAFF,
    PointsAction.RESIDENT_POINTS_VIEW: STAFF | {Role.BUILDING_LEADER},
    PointsAction.EXPORT: STAFF,
    PointsAction.PUBLISH: STAFF,
    PointsAction.SHOP_MANAGE: STAFF,
    PointsAction.ORDER_MANAGE: STAFF,
    PointsAction.VOUCHER_CONFIRM: frozenset({Role.SPONSOR}),
}


def can(actor: Actor | None, action: str, place: Place | None) -> bool:
    return people_policies.can_roles(actor, PERMISSIONS[action], place)


def can_anywhere(actor: Actor | None, action: str) -> bool:
    if getattr(actor, "is_system", False):
        return True
    return bool(people_policies.places_for_roles(actor, PERMISSIONS[action]))


ANYWHERE: Final = "anywhere"


def award_mode(actor: Actor | None, where: Place | Literal["anywhere"]) -> str | None:
    """How ``actor`` may give points at ``where`` (a resident's household; or ``ANYWHERE``,
    for which form a page offers): ``PointsAction.AWARD`` (posted at once: staff),
    ``PointsAction.PROPOSE`` (a proposal staff approve: building leaders), or None. The award
    page and ``points_award`` both ask this, so the two never disagree."""
    for action in (PointsAction.AWARD, PointsAction.PROPOSE):
        if isinstance(where, Place):
            allowed = can(actor, action, where)
        else:
            allowed = can_anywhere(actor, action)
        if allowed:
            return action
    return None


def rules_usable_q(mode: str | None) -> Q:
    """Filter for the rules one may use in ``mode`` (``award_mode``'s answer): staff award by
    any rule; a building leader proposes only by a rule open to leaders; no mode, none. The
    award page's rule menu and ``points_award`` both ask this."""
    if mode == PointsAction.AWARD:
        return Q()
    if mode == PointsAction.PROPOSE:
        return Q(awarders=Awarders.STAFF_AND_LEADERS)
    return Q(pk__in=[])


def rule_usable(mode: str | None, rule: Rule) -> bool:
    """``rules_usable_q`` for one rule in hand."""
    if mode == PointsAction.AWARD:
        return True
    return mode == PointsAction.PROPOSE and rule.awarders == Awarders.STAFF_AND_LEADERS


def places_for(actor: Actor | None, action: str) -> list[Place]:
    return people_policies.places_for_roles(actor, PERMISSIONS[action])


def scope_q(actor: Actor | None, action: str, prefix: str = "") -> Q:
    return people_policies.scope_q_roles(actor, PERMISSIONS[action], prefix)
