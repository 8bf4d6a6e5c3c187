"""Volunteer activities (phone first): the list (upcoming, mine, organised), publishing an
activity (once or weekly), and the activity's page with sign-up and withdrawal. Reads through
activities.selectors, writes through activities.services; an activity outside one's places
is 404, and a refusal comes back as a message and changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from linli.activities import policies, selectors, services
from linli.activities.choices import ActivityStatus, SignupStatus
from linli.activities.geo import RADIUS_DEFAULT_M
from linli.activities.hours import format_hours
from linli.activities.models import Signup
from linli.activities.policies import ActivityAction
from linli.core.quarters import CHINA
from linli.places.models import Place
from linli.web.common.door import run_service
from linli.web.common.middleware import with_features
from linli.web.common.pages import map_settings
from linli.web.common.params import query_int

from ..forms import (
    ActivityForm,
)


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    """Upcoming activities of one's community, one's own sign-ups and attendance, and the
    activities one organises."""
    user = request.user
    upcoming = list(selectors.activities_upcoming(user)[:100])
    mine = selectors.activities_mine(user)[:50]
    managed = list(selectors.activities_managed(user)[:50])
    to_close = list(selectors.activities_to_close(user)[:50])
    signed = {m.activity.pk: m for m in mine}
    for a in upcoming:
        a.mine = signed.get(a.pk)  # type: ignore[attr-defined]
    return render(
        request,
        "web/activities/activity_list.html",
        {
            "upcoming": upcoming,
            "mine": mine,
            "managed": managed,
            "to_close": to_close,
            "can_publish": bool(policies.publish_communities(user)),
            "is_resident": bool(policies.own_residents(user)),
            "is_records_staff": policies.can_anywhere(user, ActivityAction.RECORDS),
            "teams": list(selectors.teams_for_actor(user)[:20]),
        },
    )


def _publish_community(request: HttpRequest) -> tuple[Place, list[Place]]:
    communities = policies.publish_communities(request.user)
    if not communities:
        raise Http404
    wanted = request.GET.get("community") or request.POST.get("community") or ""
    chosen = next((c for c in communities if str(c.pk) == wanted), None)
    if wanted and chosen is None:
        raise Http404
    return chosen or communities[0], communities


@login_required
@require_http_methods(["GET", "POST"])
def activity_new(request: HttpRequest) -> HttpResponse:
    """Publish an activity (staff: any; a team leader: their team's), once or weekly."""
    community, communities = _publish_community(request)
    user = request.user
    teams = policies.publish_teams(user, community)
    rules = services.rules_for_activities(community, timezone.localdate())
    staff = policies.can(user, ActivityAction.PUBLISH, community)
    initial: dict[str, Any] = {
        "day": timezone.localdate() + dt.timedelta(days=1),
        "checkin_radius_m": RADIUS_DEFAULT_M,
    }
    team_id = query_int(request.GET, "team")
    if team_id is not None and any(t.pk == team_id for t in teams):
        initial["team"] = team_id
    elif not staff and teams:
        initial["team"] = teams[0].pk
    form = ActivityForm(
        request.POST or None, community=community, teams=teams, rules=rules, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        kwargs: dict[str, Any] = {
            "community": community,
            "place": d["place"],
            "team": d["team"],
            "team_only": d["team_only"],
            "title": d["title"],
            "description": d["description"],
            "capacity": d["capacity"],
            "signup_required": d["signup_required"],
            "needs_approval": d["needs_approval"],
            "rule": d["rule"],
            "points_basis": d["points_basis"],
            "points": d["points"] or 0,
            "checkin_lat": d["checkin"][0],
            "checkin_lng": d["checkin"][1],
            "checkin_radius_m": d["checkin"][2],
        }
        if d["repeat_weekly"]:
            series = run_service(
                request,
                services.series_create,
                form=form,
                ok=lambda done: _("已发布每周活动，共 %(n)d 次") % {"n": len(done[1])},
                **kwargs,
                first_date=d["day"],
                last_date=d["repeat_until"],
                start_time=d["start_time"],
                end_time=d["end_time"],
            )
            if series:
                created = series.value[1]
                return (
                    redirect("web:activity_detail", pk=created[0].pk)
                    if created
                    else redirect("web:activity_list")
                )
        else:
            published = run_service(
                request,
                services.activity_publish,
                form=form,
                ok=_("活动已发布"),
                **kwargs,
                starts_at=dt.datetime.combine(d["day"], d["start_time"], tzinfo=CHINA),
                ends_at=dt.datetime.combine(d["day"], d["end_time"], tzinfo=CHINA),
            )
            if published:
                return redirect("web:activity_detail", pk=published.value.pk)
    response = render(
        request,
        "web/activities/activity_form.html",
        {"form": form, "community": community, "communities": communities, "map": map_settings()},
        status=400 if form.errors else 200,
    )
    return with_features(response, geolocation="self")  # "use my location" for the check-in point


@login_required
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get_for_actor(request.user, pk)
    user = request.user
    signup = selectors.my_signup(user, activity)
    if signup is not None and signup.status not in (
        SignupStatus.CONFIRMED,
        SignupStatus.PENDING,
        SignupStatus.WAITING,
    ):
        ended_signup: Signup | None = signup
        signup = None
    else:
        ended_signup = None
    attendance = selectors.my_attendance(user, activity)
    resident = policies.own_resident_in(user, activity.community_id)
    now = timezone.now()
    seats = selectors.seats(activity)
    can_sign_up = (
        resident is not None
        and activity.status == ActivityStatus.OPEN
        and now < activity.starts_at
        and signup is None
        and attendance is None
    )
    if activity.status != ActivityStatus.OPEN:
        phase = activity.get_status_display()
    elif now < activity.starts_at:
        phase = _("报名中")
    elif now < activity.ends_at:
        phase = _("进行中")
    else:
        phase = _("待组织者结束")
    summary = None
    if activity.status == ActivityStatus.CLOSED:
        rows = list(activity.attendances.all())
        summary = {
            "attended": len(rows),
            "counted": sum(1 for a in rows if a.counts),
            "points": sum(a.points for a in rows if a.award_id),
        }
    return render(
        request,
        "web/activities/activity_detail.html",
        {
            "activity": activity,
            "phase": phase,
            "signup": signup,
            "ended_signup": ended_signup,
            "attendance": attendance,
            "seats": seats,
            "can_sign_up": can_sign_up,
            "can_withdraw": signup is not None
            and attendance is None
            and activity.status == ActivityStatus.OPEN
            and now < activity.starts_at,
            "can_manage": policies.can_manage(user, activity),
            "is_resident": resident is not None,
            "started": now >= activity.starts_at,
            "summary": summary,
            "hours": format_hours(attendance.half_hours or 0) if attendance else "",
            "team_member": bool(
                resident
                and activity.team_id
                and policies.is_team_member(resident, activity.team_id)
            ),
        },
    )


@login_required
@require_POST
def activity_signup(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get_for_actor(request.user, pk)
    run_service(
        request,
        services.signup_create,
        ok=lambda signup: {
            SignupStatus.CONFIRMED: _("报名成功"),
            SignupStatus.PENDING: _("已报名，等待组织者审核"),
            SignupStatus.WAITING: _("名额已满，您已进入候补名单；有人取消时会自动补上并通知您"),
        }[SignupStatus(signup.status)],
        activity=activity,
    )
    return redirect("web:activity_detail", pk=pk)


@login_required
@require_POST
def activity_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get_for_actor(request.user, pk)
    run_service(request, services.signup_withdraw, ok=_("已取消报名"), activity=activity)
    return redirect("web:activity_detail", pk=pk)
