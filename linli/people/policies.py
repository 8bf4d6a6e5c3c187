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

from django.db.models import Q
from django.utils.translation import gettext as _

from linli.core.actors import Actor, actor_forget, actor_memo, is_system
from linli.core.errors import Forbidden
from linli.places.models import Place
from linli.places.models.place import within_any_q

from .choices import Role
from .models import RoleGrant, User

GRANTS_KEY = "_linli_grants"  # where an actor's grants are kept for the request
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


def acting_user(actor: Actor | None) -> User | None:
    """The signed-in user behind ``actor`` (to record who did something): None for SYSTEM,
    an anonymous visitor or no actor at all."""
    return actor if isinstance(actor, User) and actor.pk is not None else None


def signed_in_user(actor: Actor) -> User:
    """The user behind ``actor``, for a step only a signed-in person takes (rating, flagging,
    appealing); anyone else is refused."""
    user = acting_user(actor)
    if user is None:
        raise Forbidden(_("您不能进行此操作"))
    return user


@dataclass(frozen=True)
class Grant:
    role: str
    place: Place
    department_id: int | None


def grants(user: Actor | None) -> list[Grant]:
    """The actor's active grants, loaded once per user object (i.e. once per request)."""
    if is_system(user):
        return []
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []

    pk = user.pk
    if pk is None:
        return []

    def load() -> list[Grant]:
        rows = RoleGrant.objects.filter(user_id=pk, revoked_at__isnull=True)
        return [Grant(g.role, g.place, g.department_id) for g in rows.select_related("place")]

    return list(actor_memo(user, GRANTS_KEY, load))


def forget_grants(user: Actor | None) -> None:
    actor_forget(user, GRANTS_KEY)


def roles(user: Actor | None) -> set[str]:
    return {g.role for g in grants(user)}


def places_for(user: Actor | None, action: str) -> list[Place]:
    """Places on which ``user`` holds a role that allows ``action``."""
    return places_for_roles(user, PERMISSIONS[action])


def places_for_roles(user: Actor | None, allowed: Iterable[str]) -> list[Place]:
    """Places on which ``user`` holds one of ``allowed`` roles. Apps above people (points,
    matters …) keep their own action → roles tables and answer through these primitives."""
    allowed = set(allowed)
    return [g.place for g in grants(user) if g.role in allowed]


def can_roles(user: Actor | None, allowed: Iterable[str], place: Place | None) -> bool:
    if place is None:
        return False
    if is_system(user):
        return True
    return any(place.is_within(p) for p in places_for_roles(user, allowed))


def scope_q_roles(user: Actor | None, allowed: Iterable[str], prefix: str = "") -> Q:
    if is_system(user):
        return Q()
    return within_any_q(places_for_roles(user, allowed), prefix)


def can(user: Actor | None, action: str, place: Place | None) -> bool:
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


def can_anywhere(user: Actor | None, action: str) -> bool:
    if is_system(user):
        return True
    return bool(places_for(user, action))


def scope_q(user: Actor | None, action: str, prefix: str = "") -> Q:
    """Filter for rows whose place (reached through ``prefix``) the actor may ``action``."""
    if is_system(user):
        return Q()
    return within_any_q(places_for(user, action), prefix)


def visible_places(user: Actor | None) -> Iterable[Place]:
    return places_for(user, Action.PLACE_VIEW)
