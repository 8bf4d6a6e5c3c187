"""Who may do what, and which rows an actor may see.

One table, ``PERMISSIONS``, maps an action to the roles that allow it. A role granted on a
place allows the action on that place and on everything below it. Every page, export and
endpoint asks ``can()`` (a single object) or ``scope_q()`` (a queryset filter). Objects the
actor may not see are *not found* for them (404), never "forbidden".

Supervisors oversee matters and figures below them, not residents' personal data: they can
browse places but do not see resident lists (PIPL: minimum necessary).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from linli.core.actors import is_system
from linli.places.models import Place
from linli.places.models.place import within_any_q

from .choices import Role
from .models import RoleGrant

STAFF = frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.OPERATOR})
ALL_ROLES = frozenset(Role)


class Action:
    PLACE_VIEW = "place.view"
    PLACE_ADD = "place.add"
    RESIDENT_VIEW = "resident.view"
    RESIDENT_VIEW_PHONE = "resident.view_phone"
    RESIDENT_MANAGE = "resident.manage"
    RESIDENT_IMPORT = "resident.import"
    RESIDENT_EXPORT = "resident.export"
    ACCOUNT_MANAGE = "account.manage"
    ROLE_GRANT = "role.grant"
    GROUP_MANAGE = "group.manage"


PERMISSIONS: dict[str, frozenset[str]] = {
    Action.PLACE_VIEW: ALL_ROLES - {Role.SPONSOR},
    Action.PLACE_ADD: STAFF,
    Action.RESIDENT_VIEW: STAFF | {Role.BUILDING_LEADER},
    Action.RESIDENT_VIEW_PHONE: STAFF | {Role.BUILDING_LEADER},
    Action.RESIDENT_MANAGE: STAFF,
    Action.RESIDENT_IMPORT: STAFF,
    Action.RESIDENT_EXPORT: STAFF,
    Action.ACCOUNT_MANAGE: STAFF,
    Action.ROLE_GRANT: frozenset({Role.COMMUNITY_SECRETARY, Role.OPERATOR}),
    Action.GROUP_MANAGE: STAFF,
}


@dataclass(frozen=True)
class Grant:
    role: str
    place: Place
    department_id: int | None


def grants(user: Any) -> list[Grant]:
    """The actor's active grants, loaded once per user object (i.e. once per request)."""
    if is_system(user):
        return []
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_linli_grants", None)
    if cached is None:
        rows = RoleGrant.objects.filter(user=user, revoked_at__isnull=True).select_related("place")
        cached = [Grant(g.role, g.place, g.department_id) for g in rows]
        user._linli_grants = cached
    return list(cached)


def forget_grants(user: Any) -> None:
    if hasattr(user, "_linli_grants"):
        del user._linli_grants


def roles(user: Any) -> set[str]:
    return {g.role for g in grants(user)}


def places_for(user: Any, action: str) -> list[Place]:
    """Places on which ``user`` holds a role that allows ``action``."""
    return places_for_roles(user, PERMISSIONS[action])


def places_for_roles(user: Any, allowed: Iterable[str]) -> list[Place]:
    """Places on which ``user`` holds one of ``allowed`` roles. Apps above people (points,
    matters …) keep their own action → roles tables and answer through these primitives."""
    allowed = set(allowed)
    return [g.place for g in grants(user) if g.role in allowed]


def can_roles(user: Any, allowed: Iterable[str], place: Place | None) -> bool:
    if place is None:
        return False
    if is_system(user):
        return True
    return any(place.is_within(p) for p in places_for_roles(user, allowed))


def scope_q_roles(user: Any, allowed: Iterable[str], prefix: str = "") -> Q:
    if is_system(user):
        return Q()
    return within_any_q(places_for_roles(user, allowed), prefix)


def can(user: Any, action: str, place: Place | None) -> bool:
    """May ``user`` do ``action`` to something at ``place``?"""
    if place is None:
        return False
    if is_system(user):
        return True
    return any(place.is_within(p) for p in places_for(user, action))


def role_allows(role: str, action: str) -> bool:
    """Whether a grant of ``role`` allows ``action`` (a page that shows one card per grant
    asks this for the card's buttons)."""
    return role in PERMISSIONS[action]


def can_anywhere(user: Any, action: str) -> bool:
    if is_system(user):
        return True
    return bool(places_for(user, action))


def scope_q(user: Any, action: str, prefix: str = "") -> Q:
    """Filter for rows whose place (reached through ``prefix``) the actor may ``action``."""
    if is_system(user):
        return Q()
    return within_any_q(places_for(user, action), prefix)


def visible_places(user: Any) -> Iterable[Place]:
    return places_for(user, Action.PLACE_VIEW)
