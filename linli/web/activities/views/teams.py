"""Volunteer teams: the teams one belongs to or oversees, and a team's activities and (for
its leaders and staff) its members' hours."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from linli.activities import policies, selectors
from linli.activities.choices import ActivityStatus, HoursKind
from linli.activities.hours import format_hours


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    teams = list(selectors.teams_for_actor(request.user)[:100])
    if not teams:
        raise Http404
    return render(request, "web/activities/activity_teams.html", {"teams": teams})


@login_required
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A team's activities and (for its leaders and staff) its members' hours."""
    team = selectors.team_get_for_actor(request.user, pk)
    now = timezone.now()
    activities = list(selectors.team_activities(team)[:200])
    upcoming = [a for a in activities if a.ends_at > now and a.status == ActivityStatus.OPEN]
    upcoming.reverse()
    past = [a for a in activities if a not in upcoming][:60]
    show_hours = policies.can_see_team_hours(request.user, team)
    members = selectors.team_member_hours(team) if show_hours else []
    return render(
        request,
        "web/activities/activity_team.html",
        {
            "team": team,
            "upcoming": upcoming[:20],
            "past": past,
            "show_hours": show_hours,
            "members": [
                {
                    "member": m,
                    "in_team": format_hours(in_team),
                    "total": format_hours(total),
                }
                for m, in_team, total in members
            ],
            "member_count": selectors.team_members(team).count(),
            "can_publish": policies.can_publish(request.user, team.community, team),
            "added_kinds": (HoursKind.ADDED, HoursKind.CORRECTION),
        },
    )
