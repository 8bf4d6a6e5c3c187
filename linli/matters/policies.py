"""Who may do what with matters, and which matters an actor may see.

Seeing (``visible_q``): a resident sees the matters at their own building and at their own
compound (the compound-wide ones), and every matter they raised or follow; a building leader
sees every matter in their building; community staff their community; supervisors everything
below the street/district/city they oversee. Anyone else (an outsider, another community's
staff) does not find them: 404, never 403. Timelines carry public notes only, so a resident
who sees a matter sees its whole timeline.

Acting: ``actor_kinds`` says in which capacities the actor acts on one matter (raiser, leader
while it is at building level, staff of its community, system); the transition table in
``workflows`` says which capacities may take each step.
"""

from __future__ import annotations

from django.db.models import Q

from linli.core.actors import Actor, actor_memo, is_system
from linli.people import policies as people_policies
from linli.people.choices import Role
from linli.people.models import Resident
from linli.places.choices import PlaceKind
from linli.places.models import Place

from . import workflows
from .choices import REFERRAL_OPEN_STATES, MatterLevel, MatterSource
from .models import Matter, MatterFollower, Referral

STAFF = frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.OPERATOR})
LEADER = frozenset({Role.BUILDING_LEADER})


class MatterAction:
    VIEW = "matters.view"  # see every matter below one's places
    HANDLE = "matters.handle"  # the building level: accept, settle, carry up
    RAISE_FOR = "matters.raise_for"  # raise on residents' behalf (楼栋长代报)
    ENTER = "matters.enter"  # enter from the 微议事 group or a visit
    MANAGE = "matters.manage"  # decide, decline, merge, reopen, close
    SETTINGS = "matters.settings"  # a community's matter settings (quorum, deadlines …)
    CALENDAR = "matters.calendar"  # a community's working-day overrides


PERMISSIONS: dict[str, frozenset[str]] = {
    MatterAction.VIEW: STAFF | LEADER | {Role.SUPERVISOR},
    MatterAction.HANDLE: STAFF | LEADER,
    MatterAction.RAISE_FOR: LEADER,
    MatterAction.ENTER: STAFF,
    MatterAction.MANAGE: STAFF,
    MatterAction.SETTINGS: STAFF,
    MatterAction.CALENDAR: frozenset({Role.COMMUNITY_SECRETARY, Role.OPERATOR}),
}


def can(actor: Actor | None, action: str, place: Place | None) -> bool:
    return people_policies.can_roles(actor, PERMISSIONS[action], place)


def can_anywhere(actor: Actor | None, action: str) -> bool:
    if is_system(actor):
        return True
    return bool(people_policies.places_for_roles(actor, PERMISSIONS[action]))


def places_for(actor: Actor | None, action: str) -> list[Place]:
    return people_policies.places_for_roles(actor, PERMISSIONS[action])


def own_residents(actor: Actor | None) -> list[Resident]:
    """The actor's current resident rows (cached on the user object for the request)."""
    user_id = getattr(actor, "pk", None)
    if not user_id or not getattr(actor, "is_authenticated", False):
        return []

    def load() -> list[Resident]:
        rows = Resident.objects.filter(user_id=user_id, moved_out__isnull=True)
        return list(rows.select_related("household"))

    return list(actor_memo(actor, "_linli_matter_residents", load))


def own_places(actor: Actor | None) -> list[Place]:
    """The buildings and compounds a resident may raise matters for (their own)."""
    ids: list[int] = []
    for r in own_residents(actor):
        for pk in (r.household.building_id, r.household.compound_id):
            if pk is not None and pk not in ids:
                ids.append(pk)
    by_id = Place.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def visible_q(actor: Actor | None) -> Q:
    """Filter for the matters ``actor`` may see."""
    if is_system(actor):
        return Q()
    if actor is None or not getattr(actor, "is_authenticated", False):
        return Q(pk__in=[])
    q = people_policies.scope_q_roles(actor, PERMISSIONS[MatterAction.VIEW], "place__")
    places = [p.pk for p in own_places(actor)]
    if places:
        q |= Q(place_id__in=places)
    q |= Q(raised_by=actor)
    followed = MatterFollower.objects.filter(user=people_policies.acting_user(actor))
    q |= Q(pk__in=followed.values("matter_id"))
    departments = handler_department_ids(actor)
    if departments:
        # A department's handlers see the matters ever referred to their department.
        q |= Q(pk__in=Referral.objects.filter(department_id__in=departments).values("matter_id"))
    return q


def handler_department_ids(actor: Actor | None) -> list[int]:
    """The departments ``actor`` handles referrals for (role 部门经办人 with a department)."""
    return sorted(
        {
            g.department_id
            for g in people_policies.grants(actor)
            if g.role == Role.DEPARTMENT_HANDLER and g.department_id is not None
        }
    )


def handles_referral(actor: Actor | None, referral: Referral) -> bool:
    """Whether ``actor`` acts for the department a referral was sent to (the system too)."""
    return is_system(actor) or referral.department_id in handler_department_ids(actor)


def can_see(actor: Actor | None, matter: Matter) -> bool:
    return Matter.objects.filter(visible_q(actor), pk=matter.pk).exists()


def actor_kinds(actor: Actor | None, matter: Matter) -> set[str]:
    """The capacities in which ``actor`` may act on ``matter`` (see ``workflows``)."""
    if is_system(actor):
        # Scheduled jobs act as the system; operators' commands (and the demo) also as staff.
        return {workflows.SYSTEM, workflows.STAFF}
    kinds: set[str] = set()
    if actor is None or not getattr(actor, "is_authenticated", False):
        return kinds
    place = matter.place
    if people_policies.can_roles(actor, STAFF, place):
        kinds.add(workflows.STAFF)
    if matter.level == MatterLevel.BUILDING and people_policies.can_roles(actor, LEADER, place):
        kinds.add(workflows.LEADER)
    # The raiser is the resident who raised it; whoever entered it for residents (a leader
    # on their behalf, staff from the group or a visit) is not (they follow it instead).
    departments = handler_department_ids(actor)
    if (
        departments
        and Referral.objects.filter(
            matter_id=matter.pk,
            department_id__in=departments,
            state__in=sorted(REFERRAL_OPEN_STATES),
        ).exists()
    ):
        kinds.add(workflows.DEPARTMENT)
    if (matter.source == MatterSource.RESIDENT and matter.raised_by_id == actor.pk) or (
        matter.resident_id is not None
        and any(r.pk == matter.resident_id for r in own_residents(actor))
    ):
        kinds.add(workflows.RAISER)
    return kinds


def raise_places(actor: Actor | None) -> list[Place]:
    """Buildings and compounds where ``actor`` may raise a matter: their own as a resident,
    their buildings (and compounds) as a leader, any in their community as staff."""
    out: dict[int, Place] = {p.pk: p for p in own_places(actor)}
    leader_buildings = places_for(actor, MatterAction.RAISE_FOR)
    if leader_buildings:
        ids = [b.pk for b in leader_buildings] + [
            b.compound_id for b in leader_buildings if b.compound_id
        ]
        for p in Place.objects.filter(pk__in=ids):
            out.setdefault(p.pk, p)
    communities = places_for(actor, MatterAction.ENTER)
    if communities:
        rows = Place.objects.within_any(communities).filter(
            kind__in=[PlaceKind.BUILDING, PlaceKind.COMPOUND]
        )
        for p in rows:
            out.setdefault(p.pk, p)
    return sorted(out.values(), key=lambda p: (p.compound_id or 0, p.kind == "compound", p.pk))
