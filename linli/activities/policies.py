"""Who may do what with activities and volunteer records; which activities an actor sees.

Seeing an activity: residents of its community (every activity there, open to all or not),
staff of the community, and supervisors above it (oversight: activities, not people's
records). Anyone else does not find it (404, never 403).

Publishing: staff of the community, for any team or none; a team's current leader, for their
team. Managing one activity (organiser screen and QR, sign-ups, manual sign-in, closing): its
organiser, the current leaders of its team, and staff of its community.

Records (民政部令第67号: whoever organises records and certifies): a volunteer sees their own;
staff of the community see everyone's, add hours with evidence, settle corrections and export;
a team leader sees the hours of their team's members on the team page.
"""

from __future__ import annotations

from typing import TypeGuard

from django.db.models import Q

from linli.core.actors import Actor, actor_memo, is_system
from linli.people import policies as people_policies
from linli.people.choices import Role
from linli.people.models import Resident, Team, TeamMember
from linli.places.models import Place

from .models import Activity

STAFF = frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.OPERATOR})


class ActivityAction:
    VIEW = "activities.view"  # every activity of the communities below one's places
    PUBLISH = "activities.publish"  # any activity of the community
    MANAGE = "activities.manage"  # every activity of the community
    RECORDS = "activities.records"  # volunteers' records: see, add hours, corrections, export
    SETTINGS = "activities.settings"  # the community's attendance share


PERMISSIONS: dict[str, frozenset[str]] = {
    ActivityAction.VIEW: STAFF | {Role.SUPERVISOR},
    ActivityAction.PUBLISH: STAFF,
    ActivityAction.MANAGE: STAFF,
    ActivityAction.RECORDS: STAFF,
    ActivityAction.SETTINGS: frozenset({Role.COMMUNITY_SECRETARY, Role.OPERATOR}),
}


def can(actor: Actor | None, action: str, place: Place | None) -> bool:
    return people_policies.can_roles(actor, PERMISSIONS[action], place)


def can_anywhere(actor: Actor | None, action: str) -> bool:
    if is_system(actor):
        return True
    return bool(people_policies.places_for_roles(actor, PERMISSIONS[action]))


def places_for(actor: Actor | None, action: str) -> list[Place]:
    return people_policies.places_for_roles(actor, PERMISSIONS[action])


def scope_q(actor: Actor | None, action: str, prefix: str = "") -> Q:
    return people_policies.scope_q_roles(actor, PERMISSIONS[action], prefix)


def _signed_in(actor: Actor | None) -> TypeGuard[Actor]:
    return bool(getattr(actor, "pk", None)) and bool(getattr(actor, "is_authenticated", False))


def own_residents(actor: Actor | None) -> list[Resident]:
    """The actor's current resident rows (cached on the user object for the request)."""
    if not _signed_in(actor):
        return []
    pk = actor.pk
    if pk is None:
        return []

    def load() -> list[Resident]:
        rows = Resident.objects.filter(user_id=pk, moved_out__isnull=True)
        return list(rows.select_related("household"))

    return list(actor_memo(actor, "_linli_activity_residents", load))


def own_resident_in(actor: Actor | None, community_id: int) -> Resident | None:
    return next((r for r in own_residents(actor) if r.household.community_id == community_id), None)


def own_community_ids(actor: Actor | None) -> list[int]:
    return sorted(
        {r.household.community_id for r in own_residents(actor) if r.household.community_id}
    )


def led_team_ids(actor: Actor | None) -> list[int]:
    """Teams whose current leader the actor is (as a current resident)."""
    residents = own_residents(actor)
    if not residents:
        return []

    def load() -> list[int]:
        rows = TeamMember.objects.filter(
            resident__in=residents, is_leader=True, left_on__isnull=True
        )
        return sorted(set(rows.values_list("team_id", flat=True)))

    return list(actor_memo(actor, "_linli_led_teams", load))


def is_team_member(resident: Resident, team_id: int) -> bool:
    return TeamMember.objects.filter(
        team_id=team_id, resident=resident, left_on__isnull=True
    ).exists()


def visible_q(actor: Actor | None, prefix: str = "") -> Q:
    """Filter for the activities ``actor`` may see (``prefix`` reaches an Activity)."""
    if is_system(actor):
        return Q()
    if not _signed_in(actor):
        return Q(pk__in=[])
    q = scope_q(actor, ActivityAction.VIEW, f"{prefix}community__")
    communities = own_community_ids(actor)
    if communities:
        q |= Q(**{f"{prefix}community_id__in": communities})
    return q


def can_view(actor: Actor | None, activity: Activity) -> bool:
    if is_system(actor):
        return True
    if can(actor, ActivityAction.VIEW, activity.community):
        return True
    return activity.community_id in own_community_ids(actor)


def can_manage(actor: Actor | None, activity: Activity) -> bool:
    if is_system(actor):
        return True
    if not _signed_in(actor):
        return False
    if activity.organiser_id == actor.pk:
        return True
    if activity.team_id is not None and activity.team_id in led_team_ids(actor):
        return True
    return can(actor, ActivityAction.MANAGE, activity.community)


def can_publish(actor: Actor | None, community: Place, team: Team | None) -> bool:
    """May ``actor`` publish an activity of ``community`` (for ``team``, or open to all)?"""
    if can(actor, ActivityAction.PUBLISH, community):
        return True
    return team is not None and team.community_id == community.pk and team.pk in led_team_ids(actor)


def publish_communities(actor: Actor | None) -> list[Place]:
    """Communities where ``actor`` may publish something (staff's, or a led team's)."""
    from linli.places.choices import PlaceKind

    out: dict[int, Place] = {}
    staff_places = places_for(actor, ActivityAction.PUBLISH)
    if staff_places:
        for p in Place.objects.filter(kind=PlaceKind.COMMUNITY).filter(
            people_policies.scope_q_roles(actor, PERMISSIONS[ActivityAction.PUBLISH])
        ):
            out[p.pk] = p
    teams = led_team_ids(actor)
    if teams:
        for t in Team.objects.filter(pk__in=teams).select_related("community"):
            out.setdefault(t.community_id, t.community)
    return sorted(out.values(), key=lambda p: p.pk)


def publish_teams(actor: Actor | None, community: Place) -> list[Team]:
    """The teams ``actor`` may publish for in ``community`` (all of them for staff)."""
    qs = Team.objects.filter(community=community).order_by("name")
    if can(actor, ActivityAction.PUBLISH, community):
        return list(qs)
    return list(qs.filter(pk__in=led_team_ids(actor)))


def can_see_record(actor: Actor | None, resident: Resident) -> bool:
    """A volunteer's own record, or staff of their community."""
    if is_system(actor):
        return True
    if _signed_in(actor) and (
        resident.user_id == actor.pk or any(r.pk == resident.pk for r in own_residents(actor))
    ):
        return True
    return can(actor, ActivityAction.RECORDS, resident.household)


def can_see_team(actor: Actor | None, team: Team) -> bool:
    """The team page (its activities and its members' hours): its members, staff."""
    if is_system(actor):
        return True
    if can(actor, ActivityAction.RECORDS, team.community):
        return True
    residents = own_residents(actor)
    return (
        bool(residents)
        and TeamMember.objects.filter(
            team=team, resident__in=residents, left_on__isnull=True
        ).exists()
    )


def can_see_team_hours(actor: Actor | None, team: Team) -> bool:
    return can(actor, ActivityAction.RECORDS, team.community) or team.pk in led_team_ids(actor)
