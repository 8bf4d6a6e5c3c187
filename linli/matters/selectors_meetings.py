"""Reads for deliberation meetings (小区议事会). Fetching and authorising are one step.

Who sees a meeting, in which capacity (``meeting_capacities``):
- ``staff``: community staff / secretary of the meeting's community — everything, and act;
- ``supervisor``: street/district/city supervisors above it — everything, read only;
- ``member``: an invited representative or deliberator (signed in as the user linked to their
  resident row) — the meeting, its agenda and their own voting screen;
- ``resident``: a resident living in the compound — the published results only.
Anyone else does not find it (404). Who voted how in a secret ballot is on no page: the
``VoteCast`` rows of a secret ballot carry no choice and ``Ballot`` rows carry no voter.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from linli.core.actors import Actor, is_system
from linli.core.errors import NotFound
from linli.people import policies as people_policies
from linli.people.choices import ResidentGroup, Role
from linli.places.models import Place

from . import policies
from .choices import MatterState
from .models import (
    AgendaItem,
    AgendaOutcome,
    Matter,
    Meeting,
    MeetingMember,
    MeetingState,
    Motion,
    MotionState,
    VoteCast,
)

STAFF = "staff"
SUPERVISOR = "supervisor"
MEMBER = "member"
RESIDENT = "resident"

MEMBER_GROUPS = (ResidentGroup.REPRESENTATIVE, ResidentGroup.DELIBERATOR)
HELD_STATES = (MatterState.ACCEPTED, MatterState.IN_HAND)
ACTIVE_STATES = (MeetingState.SCHEDULED, MeetingState.OPEN)
SUPERVISORS = frozenset({Role.SUPERVISOR})


# --- quorum ------------------------------------------------------------------------------------


def has_quorum(present: int, members: int, percent: int) -> bool:
    """More than ``percent`` % of the invited members present (50 → more than half: exactly
    half is not a quorum). A meeting without members has no quorum."""
    return members > 0 and present * 100 > members * percent


def quorum_needed(members: int, percent: int) -> int:
    """The fewest members present that make a quorum."""
    return members * percent // 100 + 1


@dataclass(frozen=True)
class Attendance:
    present: int
    members: int
    percent: int

    @property
    def quorum(self) -> bool:
        return has_quorum(self.present, self.members, self.percent)

    @property
    def needed(self) -> int:
        return quorum_needed(self.members, self.percent)


def meeting_attendance(meeting: Meeting) -> Attendance:
    row = MeetingMember.objects.filter(meeting_id=meeting.pk).aggregate(
        members=Count("id"), present=Count("id", filter=Q(present=True))
    )
    return Attendance(row["present"] or 0, row["members"] or 0, meeting.quorum_percent)


# --- capacities and fetching ------------------------------------------------------------------


def member_of(actor: Actor | None, meeting: Meeting) -> MeetingMember | None:
    """The actor's own member row in ``meeting`` (through the resident linked to their user)."""
    user_id = getattr(actor, "pk", None)
    if not user_id or is_system(actor) or not getattr(actor, "is_authenticated", False):
        return None
    return (
        MeetingMember.objects.filter(meeting_id=meeting.pk, resident__user_id=user_id)
        .select_related("resident")
        .first()
    )


def is_meeting_staff(actor: Actor | None, meeting: Meeting) -> bool:
    return people_policies.can_roles(actor, policies.STAFF, meeting.compound)


def lives_in(actor: Actor | None, compound_id: int) -> bool:
    return any(r.household.compound_id == compound_id for r in policies.own_residents(actor))


def meeting_capacities(actor: Actor | None, meeting: Meeting) -> set[str]:
    if is_system(actor):
        return {STAFF}
    if actor is None or not getattr(actor, "is_authenticated", False):
        return set()
    kinds: set[str] = set()
    if is_meeting_staff(actor, meeting):
        kinds.add(STAFF)
    if people_policies.can_roles(actor, SUPERVISORS, meeting.compound):
        kinds.add(SUPERVISOR)
    if member_of(actor, meeting) is not None:
        kinds.add(MEMBER)
    if lives_in(actor, meeting.compound_id):
        kinds.add(RESIDENT)
    return kinds


def can_see_meeting(kinds: set[str], meeting: Meeting) -> bool:
    """Staff, supervisors and members see the meeting; residents its published results."""
    return bool(kinds & {STAFF, SUPERVISOR, MEMBER}) or (
        RESIDENT in kinds and meeting.published_at is not None
    )


def meeting_get_for_actor(actor: Actor | None, pk: int) -> Meeting:
    meeting = (
        Meeting.objects.filter(pk=pk).select_related("community", "compound", "called_by").first()
    )
    if meeting is None or not can_see_meeting(meeting_capacities(actor, meeting), meeting):
        raise NotFound(_("找不到该议事会"))
    return meeting


def meetings_for(actor: Actor | None) -> dict[str, list[Meeting]]:
    """The meetings an actor has business with: ``managed`` (staff: their communities'),
    ``overseen`` (supervisors), ``invited`` (a member), ``published`` (results of meetings
    of the compounds they live in)."""
    base = Meeting.objects.select_related("compound", "community").order_by("-scheduled_at", "-id")
    out: dict[str, list[Meeting]] = {"managed": [], "overseen": [], "invited": [], "published": []}
    if not getattr(actor, "is_authenticated", False):
        return out
    staff_places = people_policies.places_for_roles(actor, policies.STAFF)
    if staff_places or is_system(actor):
        q = people_policies.scope_q_roles(actor, policies.STAFF, "compound__")
        out["managed"] = list(base.filter(q)[:200])
    sup_places = people_policies.places_for_roles(actor, SUPERVISORS)
    if sup_places:
        seen = {m.pk for m in out["managed"]}
        q = people_policies.scope_q_roles(actor, SUPERVISORS, "compound__")
        out["overseen"] = [m for m in base.filter(q)[:200] if m.pk not in seen]
    user_id = getattr(actor, "pk", None)
    if user_id:
        out["invited"] = list(
            base.filter(members__resident__user_id=user_id)
            .exclude(state=MeetingState.CANCELLED)
            .distinct()[:100]
        )
    compounds = {
        r.household.compound_id
        for r in policies.own_residents(actor)
        if r.household.compound_id is not None
    }
    if compounds:
        out["published"] = list(
            base.filter(compound_id__in=compounds, published_at__isnull=False)[:100]
        )
    return out


# --- the meeting's parts ---------------------------------------------------------------------


def meeting_members(meeting: Meeting) -> QuerySet[MeetingMember]:
    return (
        MeetingMember.objects.filter(meeting_id=meeting.pk)
        .select_related("resident", "resident__household")
        .order_by("resident__household__building_id", "resident__name", "id")
    )


def meeting_items(meeting: Meeting) -> QuerySet[AgendaItem]:
    return (
        AgendaItem.objects.filter(meeting_id=meeting.pk)
        .select_related("matter", "matter__place")
        .order_by("position")
    )


def meeting_motions(meeting: Meeting) -> QuerySet[Motion]:
    return (
        Motion.objects.filter(meeting_id=meeting.pk)
        .select_related("item", "item__matter", "catalog_version")
        .annotate(cast=Count("casts"))
        .order_by("id")
    )


def motion_voted_member_ids(motion: Motion) -> set[int]:
    """Who has voted on a motion (not how): for the staff's "still to vote" list."""
    return set(VoteCast.objects.filter(motion_id=motion.pk).values_list("member_id", flat=True))


def open_choices(motion: Motion) -> dict[int, str]:
    """member id → choice, for an OPEN ballot only (a secret ballot has none to give)."""
    if motion.meeting.secret_ballot:
        return {}
    return dict(VoteCast.objects.filter(motion_id=motion.pk).values_list("member_id", "choice"))


def member_votes(member: MeetingMember) -> dict[int, VoteCast]:
    """motion id → the member's own VoteCast (whose choice is empty in a secret ballot)."""
    return {v.motion_id: v for v in VoteCast.objects.filter(member_id=member.pk)}


def motion_failed_for_quorum(motion: Motion, members: int) -> bool:
    """A closed motion that failed because too few members were present."""
    return motion.state == MotionState.FAILED and not has_quorum(
        motion.present, members, motion.meeting.quorum_percent
    )


def agenda_candidates(meeting: Meeting) -> QuerySet[Matter]:
    """Matters of the meeting's compound that may be put on its agenda: held at their level
    (accepted or in hand) and at the compound or one of its buildings."""
    return (
        Matter.objects.filter(place__compound_id=meeting.compound_id, state__in=HELD_STATES)
        .select_related("place")
        .order_by("raised_at", "id")
    )


def matter_agenda_items(matter: Matter) -> list[AgendaItem]:
    """The meetings a matter is or was on, newest first."""
    return list(
        AgendaItem.objects.filter(matter_id=matter.pk)
        .select_related("meeting", "meeting__compound")
        .order_by("-meeting__scheduled_at", "-id")
    )


def upcoming_meetings(compound_id: int | None) -> list[Meeting]:
    """Meetings of a compound still to be held or in progress, soonest first."""
    if compound_id is None:
        return []
    return list(
        Meeting.objects.filter(compound_id=compound_id, state__in=ACTIVE_STATES).order_by(
            "scheduled_at", "id"
        )
    )


def compounds_for_staff(actor: Actor | None) -> list[Place]:
    """Compounds where the actor may call a meeting (those of their communities)."""
    places = people_policies.places_for_roles(actor, policies.STAFF)
    if not places and not is_system(actor):
        return []
    q = people_policies.scope_q_roles(actor, policies.STAFF)
    return list(Place.objects.filter(q, kind="compound").order_by("community_id", "name", "id"))


def outcome_label(item: AgendaItem) -> str:
    return str(AgendaOutcome(item.outcome).label)
