"""Reads for activities and volunteer records: scoped to the actor, related rows fetched up
front. Fetching and authorising are one step (``activity_get_for_actor``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.actors import Actor
from linli.core.errors import NotFound
from linli.people.models import Resident, Team, TeamMember
from linli.places.models import Place

from . import policies
from .choices import ACTIVE_SIGNUPS, SEATED_SIGNUPS, ActivityStatus, CorrectionStatus, HoursKind
from .models import (
    Activity,
    ActivitySettings,
    Attendance,
    Certificate,
    Correction,
    ServiceHours,
    Signup,
)
from .models.activity import DEFAULT_MIN_SHARE, DEFAULT_SIGNIN_OPEN_MINUTES


def settings_for(community_id: int) -> ActivitySettings:
    """The community's settings, or the defaults (unsaved) when it has none."""
    row = ActivitySettings.objects.filter(community_id=community_id).first()
    if row is not None:
        return row
    return ActivitySettings(
        community_id=community_id,
        min_share_percent=DEFAULT_MIN_SHARE,
        signin_open_minutes=DEFAULT_SIGNIN_OPEN_MINUTES,
    )


def _base() -> QuerySet[Activity]:
    return Activity.objects.select_related("community", "place", "team", "rule", "organiser")


def activities_visible(actor: Actor | None) -> QuerySet[Activity]:
    return _base().filter(policies.visible_q(actor))


def activity_get_for_actor(actor: Actor | None, pk: int) -> Activity:
    activity = _base().filter(pk=pk).first()
    if activity is None or not policies.can_view(actor, activity):
        raise NotFound(_("找不到该活动"))
    return activity


def activity_get_to_manage(actor: Actor | None, pk: int) -> Activity:
    activity = activity_get_for_actor(actor, pk)
    if not policies.can_manage(actor, activity):
        raise NotFound(_("找不到该活动"))
    return activity


def with_seats(qs: QuerySet[Activity]) -> QuerySet[Activity]:
    return qs.annotate(
        seated=Count("signups", filter=Q(signups__status__in=SEATED_SIGNUPS), distinct=True),
        waiting=Count("signups", filter=Q(signups__status="waiting"), distinct=True),
    )


def activities_upcoming(
    actor: Actor | None, *, now: dt.datetime | None = None
) -> QuerySet[Activity]:
    """Open activities that have not ended, soonest first."""
    now = now or timezone.now()
    return with_seats(
        activities_visible(actor).filter(status=ActivityStatus.OPEN, ends_at__gt=now)
    ).order_by("starts_at", "pk")


def activities_managed(
    actor: Actor | None, *, now: dt.datetime | None = None
) -> QuerySet[Activity]:
    """Activities the actor organises or leads (as organiser or team leader); staff's are the
    whole community's, so this lists only the actor's own and their teams'."""
    pk = getattr(actor, "pk", None) or 0
    q = Q(organiser_id=pk)
    teams = policies.led_team_ids(actor)
    if teams:
        q |= Q(team_id__in=teams)
    return with_seats(activities_visible(actor).filter(q)).order_by("-starts_at", "-pk")


def activities_to_close(
    actor: Actor | None, *, now: dt.datetime | None = None
) -> QuerySet[Activity]:
    """Activities that have ended but are still open, which the actor may close: their own
    and their teams', and every one of the communities they manage as staff."""
    now = now or timezone.now()
    pk = getattr(actor, "pk", None) or 0
    q = Q(organiser_id=pk) | policies.scope_q(actor, policies.ActivityAction.MANAGE, "community__")
    teams = policies.led_team_ids(actor)
    if teams:
        q |= Q(team_id__in=teams)
    return with_seats(
        activities_visible(actor).filter(q, status=ActivityStatus.OPEN, ends_at__lte=now)
    ).order_by("-ends_at", "-pk")


def activities_of_community(community: Place) -> QuerySet[Activity]:
    return with_seats(_base().filter(community=community)).order_by("-starts_at", "-pk")


@dataclass
class MyActivity:
    activity: Activity
    signup: Signup | None
    attendance: Attendance | None


def activities_mine(actor: Actor | None) -> list[MyActivity]:
    """The actor's sign-ups and attendances (as a resident), newest first."""
    residents = policies.own_residents(actor)
    if not residents:
        return []
    signups = {
        s.activity_id: s
        for s in Signup.objects.filter(resident__in=residents, status__in=ACTIVE_SIGNUPS)
    }
    attendances = {a.activity_id: a for a in Attendance.objects.filter(resident__in=residents)}
    ids = set(signups) | set(attendances)
    rows = _base().filter(pk__in=ids).order_by("-starts_at", "-pk")
    return [MyActivity(a, signups.get(a.pk), attendances.get(a.pk)) for a in rows]


def my_signup(actor: Actor | None, activity: Activity) -> Signup | None:
    resident = policies.own_resident_in(actor, activity.community_id)
    if resident is None:
        return None
    return (
        Signup.objects.filter(activity=activity, resident=resident)
        .order_by("-created_at", "-pk")
        .first()
    )


def my_attendance(actor: Actor | None, activity: Activity) -> Attendance | None:
    resident = policies.own_resident_in(actor, activity.community_id)
    if resident is None:
        return None
    return Attendance.objects.filter(activity=activity, resident=resident).first()


def seats(activity: Activity) -> dict[str, int]:
    rows = dict(
        Signup.objects.filter(activity=activity, status__in=ACTIVE_SIGNUPS)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    seated = rows.get("confirmed", 0) + rows.get("pending", 0)
    return {
        "confirmed": rows.get("confirmed", 0),
        "pending": rows.get("pending", 0),
        "waiting": rows.get("waiting", 0),
        "free": max(0, activity.capacity - seated),
    }


def signups_of(activity: Activity) -> QuerySet[Signup]:
    """Active sign-ups: confirmed and pending first, then the waiting list in its order."""
    return (
        Signup.objects.filter(activity=activity, status__in=ACTIVE_SIGNUPS)
        .select_related("resident", "resident__household")
        .order_by("created_at", "pk")
    )


@dataclass
class Row:
    """One line of the organiser's list: a sign-up and/or an attendance."""

    resident: Resident
    signup: Signup | None
    attendance: Attendance | None


def attendance_sheet(activity: Activity) -> list[Row]:
    """Everyone signed up (confirmed) or signed in, in sign-up order, walk-ins last."""
    attendances = {
        a.resident_id: a
        for a in Attendance.objects.filter(activity=activity).select_related(
            "resident", "resident__household", "award"
        )
    }
    rows: list[Row] = []
    for s in signups_of(activity).filter(status="confirmed"):
        rows.append(Row(s.resident, s, attendances.pop(s.resident_id, None)))
    for a in sorted(attendances.values(), key=lambda a: (a.signed_in_at, a.pk)):
        rows.append(Row(a.resident, None, a))
    return rows


# --- volunteer records -------------------------------------------------------------------


def record_lines(resident: Resident) -> QuerySet[ServiceHours]:
    return (
        ServiceHours.objects.filter(resident=resident)
        .select_related("activity", "created_by", "correction")
        .order_by("-served_on", "-pk")
    )


@dataclass(frozen=True)
class Totals:
    half_hours: int
    activities: int
    lines: int
    last_line_id: int | None
    first_on: dt.date | None
    last_on: dt.date | None

    @property
    def hours(self) -> float:
        return self.half_hours / 2


def record_totals(resident: Resident) -> Totals:
    from django.db.models import Max, Min

    row = ServiceHours.objects.filter(resident=resident).aggregate(
        half=Sum("half_hours"),
        lines=Count("id"),
        last=Max("id"),
        first_on=Min("served_on"),
        last_on=Max("served_on"),
        activities=Count("activity", distinct=True, filter=Q(kind=HoursKind.ATTENDANCE)),
    )
    return Totals(
        half_hours=row["half"] or 0,
        activities=row["activities"] or 0,
        lines=row["lines"] or 0,
        last_line_id=row["last"],
        first_on=row["first_on"],
        last_on=row["last_on"],
    )


def record_resident_for_actor(actor: Actor | None, pk: int) -> Resident:
    resident = (
        Resident.objects.select_related("household", "household__community").filter(pk=pk).first()
    )
    if resident is None or not policies.can_see_record(actor, resident):
        raise NotFound(_("找不到该居民"))
    return resident


def corrections_of(resident: Resident) -> QuerySet[Correction]:
    return (
        Correction.objects.filter(resident=resident)
        .select_related("activity", "settled_by")
        .order_by("-created_at", "-pk")
    )


def corrections_open(actor: Actor | None) -> QuerySet[Correction]:
    return (
        Correction.objects.filter(status=CorrectionStatus.OPEN)
        .filter(policies.scope_q(actor, policies.ActivityAction.RECORDS, "resident__household__"))
        .select_related("resident", "resident__household", "activity")
        .order_by("created_at", "pk")
    )


def correction_get_for_staff(actor: Actor | None, pk: int) -> Correction:
    row = Correction.objects.select_related("resident", "resident__household").filter(pk=pk).first()
    if row is None or not policies.can(
        actor, policies.ActivityAction.RECORDS, row.resident.household
    ):
        raise NotFound(_("找不到该更正申请"))
    return row


def certificate_by_code(code: str) -> Certificate | None:
    return (
        Certificate.objects.select_related("resident", "community")
        .filter(code=normalise_code(code))
        .first()
    )


CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L


def normalise_code(raw: str) -> str:
    """Typed codes: case, spaces and dashes do not matter; O→0 style slips are not guessed."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())[:16]


def is_code(code: str) -> bool:
    return len(code) == 12 and all(ch in CODE_ALPHABET for ch in code)


def format_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


@dataclass
class VolunteerHours:
    resident: Resident
    half_hours: int
    activities: int
    added: int


def community_hours(
    community: Place, *, start: dt.date | None = None, end: dt.date | None = None
) -> list[VolunteerHours]:
    """Each volunteer's hours in the community (in the period), most hours first."""
    qs = ServiceHours.objects.filter(community=community)
    if start:
        qs = qs.filter(served_on__gte=start)
    if end:
        qs = qs.filter(served_on__lte=end)
    grouped = (
        qs.values("resident_id")
        .annotate(
            half=Sum("half_hours"),
            acts=Count("activity", distinct=True, filter=Q(kind=HoursKind.ATTENDANCE)),
            added=Count("id", filter=~Q(kind=HoursKind.ATTENDANCE)),
        )
        .order_by("-half", "resident_id")
    )
    rows = list(grouped)
    residents = Resident.objects.select_related("household").in_bulk(
        [r["resident_id"] for r in rows]
    )
    return [
        VolunteerHours(residents[r["resident_id"]], r["half"] or 0, r["acts"], r["added"])
        for r in rows
    ]


def community_hour_lines(
    community: Place, *, start: dt.date | None = None, end: dt.date | None = None
) -> QuerySet[ServiceHours]:
    qs = ServiceHours.objects.filter(community=community)
    if start:
        qs = qs.filter(served_on__gte=start)
    if end:
        qs = qs.filter(served_on__lte=end)
    return qs.select_related(
        "resident",
        "resident__household",
        "resident__household__compound",
        "resident__household__building",
        "activity",
        "created_by",
    ).order_by("served_on", "pk")


# --- teams -------------------------------------------------------------------------------


def team_get_for_actor(actor: Actor | None, pk: int) -> Team:
    team = Team.objects.select_related("community").filter(pk=pk).first()
    if team is None or not policies.can_see_team(actor, team):
        raise NotFound(_("找不到该队伍"))
    return team


def teams_for_actor(actor: Actor | None) -> QuerySet[Team]:
    """Teams the actor is in, and every team of the communities they keep records for."""
    residents = policies.own_residents(actor)
    q = policies.scope_q(actor, policies.ActivityAction.RECORDS, "community__")
    if residents:
        q |= Q(members__resident__in=residents, members__left_on__isnull=True)
    return Team.objects.filter(q).distinct().select_related("community").order_by("name")


def team_members(team: Team) -> QuerySet[TeamMember]:
    return (
        TeamMember.objects.filter(team=team, left_on__isnull=True)
        .select_related("resident")
        .order_by("-is_leader", "joined_on", "pk")
    )


def team_activities(team: Team) -> QuerySet[Activity]:
    return with_seats(_base().filter(team=team)).order_by("-starts_at", "-pk")


def team_member_hours(team: Team) -> list[tuple[TeamMember, int, int]]:
    """Each current member with their hours at the team's activities and in all."""
    members = list(team_members(team))
    ids = [m.resident_id for m in members]
    in_team = dict(
        ServiceHours.objects.filter(resident_id__in=ids, activity__team=team)
        .values("resident_id")
        .annotate(s=Sum("half_hours"))
        .values_list("resident_id", "s")
    )
    total = dict(
        ServiceHours.objects.filter(resident_id__in=ids)
        .values("resident_id")
        .annotate(s=Sum("half_hours"))
        .values_list("resident_id", "s")
    )
    return [(m, in_team.get(m.resident_id) or 0, total.get(m.resident_id) or 0) for m in members]


def prefetch_attendances(qs: QuerySet[Activity]) -> QuerySet[Activity]:
    return qs.prefetch_related(
        Prefetch("attendances", queryset=Attendance.objects.select_related("resident"))
    )
