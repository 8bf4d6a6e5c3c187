"""The organiser's screen: the QR code that changes every minute (sign-in or sign-out), the
attendance list with manual sign-in and sign-out (代签), sign-ups on a resident's behalf and
approvals, the check-in point, closing (which pays the points) and cancelling."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.activities import policies, selectors, services
from linli.activities.choices import ActivityStatus, Direction, SignupStatus
from linli.activities.geo import RADIUS_DEFAULT_M
from linli.activities.models import Activity, Signup
from linli.activities.policies import ActivityAction
from linli.activities.services.closing import unpaid
from linli.activities.tokens import make_token
from linli.core.actors import Actor
from linli.core.errors import DomainError
from linli.core.quarters import CHINA
from linli.core.text import parse_int
from linli.people.models import Resident
from linli.people.selectors import resident_search_q
from linli.web.common.door import run_service
from linli.web.common.middleware import with_features
from linli.web.common.pages import map_settings
from linli.web.common.params import query_text
from linli.web.common.qr import qr_svg

from ..forms import (
    CheckinForm,
)


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment, CHINA)


def _scan_url(request: HttpRequest, activity: Activity, direction: str, now: dt.datetime) -> str:
    token = make_token(activity.pk, direction, now)
    path = reverse("web:activity_scan", args=[activity.pk, direction, token])
    return request.build_absolute_uri(path)


def _default_direction(activity: Activity, now: dt.datetime) -> str:
    middle = activity.starts_at + (activity.ends_at - activity.starts_at) / 2
    return Direction.OUT if now >= middle else Direction.IN


def _direction(request: HttpRequest, activity: Activity, now: dt.datetime) -> str:
    d = request.GET.get("d", "")
    return d if d in Direction.values else _default_direction(activity, now)


def _qr_context(request: HttpRequest, activity: Activity, direction: str) -> dict[str, Any]:
    now = timezone.now()
    url = _scan_url(request, activity, direction, now)
    return {
        "activity": activity,
        "direction": direction,
        "direction_label": Direction(direction).label,
        "qr": qr_svg(url, omitsize=True),
        "scan_url": url,
        "shown_at": _local(now),
        "live": activity.status == ActivityStatus.OPEN,
    }


@login_required
def activity_organise(request: HttpRequest, pk: int) -> HttpResponse:
    """The organiser's screen: the QR code (sign-in or sign-out, changing every minute), the
    attendance list with manual sign-in/out, pending approvals, closing."""
    activity = selectors.activity_get_to_manage(request.user, pk)
    user = request.user
    now = timezone.now()
    direction = _direction(request, activity, now)
    rows = selectors.attendance_sheet(activity)
    pending = [s for s in selectors.signups_of(activity) if s.status == SignupStatus.PENDING]
    waiting = [s for s in selectors.signups_of(activity) if s.status == SignupStatus.WAITING]
    query = query_text(request.GET, "q", limit=20)
    found: list[Resident] = []
    if query and activity.status == ActivityStatus.OPEN:
        found = _signup_candidates(user, activity, query)
    still_in = sum(1 for r in rows if r.attendance and not r.attendance.signed_out_at)
    signed_in = sum(1 for r in rows if r.attendance)
    context = {
        **_qr_context(request, activity, direction),
        "rows": rows,
        "pending": pending,
        "waiting": waiting,
        "seats": selectors.seats(activity),
        "still_in": still_in,
        "signed_in": signed_in,
        "query": query,
        "found": found,
        "started": now >= activity.starts_at,
        "unpaid": unpaid(activity) if activity.status == ActivityStatus.CLOSED else [],
        "can_cancel": activity.status == ActivityStatus.OPEN and not signed_in,
        "directions": Direction.choices,
        "checkin_form": CheckinForm(
            initial={
                "checkin_required": activity.requires_location,
                "checkin_lat": activity.checkin_lat or "",
                "checkin_lng": activity.checkin_lng or "",
                "checkin_radius_m": activity.checkin_radius_m or RADIUS_DEFAULT_M,
            }
        ),
        "map": map_settings(),
    }
    response = render(request, "web/activities/activity_organise.html", context)
    return with_features(response, geolocation="self")  # "use my location" for the check-in point


@login_required
@require_POST
def activity_checkin_place(request: HttpRequest, pk: int) -> HttpResponse:
    """The organiser asks for the phone's position near a point when scanning, changes the
    point or radius, or stops asking."""
    activity = selectors.activity_get_to_manage(request.user, pk)
    form = CheckinForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("web:activity_organise", pk=pk)
    lat, lng, radius = form.cleaned_data["checkin"]
    run_service(
        request,
        services.activity_checkin_set,
        ok=_("已取消定位要求：扫码即可签到签退")
        if radius is None
        else _("已设置：扫码时须在活动地点 %(n)d 米内") % {"n": radius},
        activity=activity,
        lat=lat,
        lng=lng,
        radius_m=radius,
    )
    return redirect("web:activity_organise", pk=pk)


def _signup_candidates(user: Actor, activity: Activity, query: str) -> list[Resident]:
    """Residents the organiser may sign up: staff search the community; a team leader or
    organiser who is not staff searches the team's members only (no resident register)."""
    qs = Resident.objects.filter(
        household__community_id=activity.community_id, moved_out__isnull=True
    ).filter(resident_search_q(query))
    if not policies.can(user, ActivityAction.MANAGE, activity.community):
        if activity.team_id is None:
            return []
        qs = qs.filter(team_memberships__team_id=activity.team_id, team_memberships__left_on=None)
    return list(qs.select_related("household").order_by("pk")[:10])


@login_required
def activity_qr(request: HttpRequest, pk: int, direction: str) -> HttpResponse:
    """htmx partial: the current minute's QR code (polled every 15 seconds)."""
    if direction not in Direction.values:
        raise Http404
    activity = selectors.activity_get_to_manage(request.user, pk)
    return render(
        request, "web/activities/activity_qr.html", _qr_context(request, activity, direction)
    )


def _resident_of(activity: Activity, raw: str) -> Resident:
    resident = (
        Resident.objects.select_related("household")
        .filter(pk=parse_int(raw) or 0, household__community_id=activity.community_id)
        .first()
    )
    if resident is None:
        raise Http404
    return resident


def _at(activity: Activity, raw: str) -> dt.datetime | None:
    """A manual time as typed (HH:MM on the activity's day), or None for now."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        t = dt.time.fromisoformat(raw)
    except ValueError:
        raise DomainError(_("时间格式应为 时:分，如 21:30")) from None
    return dt.datetime.combine(_local(activity.starts_at).date(), t, tzinfo=CHINA)


@login_required
@require_POST
def activity_attend(request: HttpRequest, pk: int, direction: str) -> HttpResponse:
    """The organiser signs one person in or out from the list (marked 代签)."""
    if direction not in Direction.values:
        raise Http404
    activity = selectors.activity_get_to_manage(request.user, pk)
    resident = _resident_of(activity, request.POST.get("resident", ""))

    def mark(*, actor: Actor) -> None:  # the typed time is read inside: a bad one is a refusal
        services.attendance_mark(
            actor=actor,
            activity=activity,
            resident=resident,
            direction=direction,
            at=_at(activity, request.POST.get("at", "")),
        )

    text = _("已为 %(name)s 代签到") if direction == Direction.IN else _("已为 %(name)s 代签退")
    run_service(request, mark, ok=text % {"name": resident.name})
    return redirect(reverse("web:activity_organise", args=[pk]) + f"?d={direction}")


@login_required
@require_POST
def activity_sign_out_all(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get_to_manage(request.user, pk)

    def sign_out_all(*, actor: Actor) -> int:
        at = _at(activity, request.POST.get("at", ""))
        return services.attendance_sign_out_all(actor=actor, activity=activity, at=at)

    run_service(request, sign_out_all, ok=lambda n: _("已为 %(n)d 人代签退") % {"n": n})
    return redirect(reverse("web:activity_organise", args=[pk]) + "?d=out")


@login_required
@require_POST
def activity_signup_for(request: HttpRequest, pk: int) -> HttpResponse:
    """The organiser signs up a resident without a phone."""
    activity = selectors.activity_get_to_manage(request.user, pk)
    resident = _resident_of(activity, request.POST.get("resident", ""))
    if not policies.can(request.user, ActivityAction.MANAGE, activity.community) and not (
        activity.team_id and policies.is_team_member(resident, activity.team_id)
    ):
        raise Http404  # a leader who is not staff signs up the team's members only
    run_service(
        request,
        services.signup_create,
        ok=lambda signup: (
            _("已为 %(name)s 报名（%(status)s）")
            % {"name": resident.name, "status": signup.get_status_display()}
        ),
        activity=activity,
        resident=resident,
    )
    return redirect("web:activity_organise", pk=pk)


@login_required
@require_POST
def activity_signup_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    if decision not in ("approve", "reject"):
        raise Http404
    signup = Signup.objects.select_related("activity").filter(pk=pk).first()
    if signup is None:
        raise Http404
    selectors.activity_get_to_manage(request.user, signup.activity_id)
    run_service(
        request,
        services.signup_decide,
        ok=_("已通过") if decision == "approve" else _("已不通过"),
        signup=signup,
        approve=decision == "approve",
        reason=request.POST.get("reason", ""),
    )
    return redirect("web:activity_organise", pk=signup.activity_id)


@login_required
@require_POST
def activity_close(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get_to_manage(request.user, pk)
    closed = run_service(request, services.activity_close, activity=activity)
    if not closed:
        return redirect(reverse("web:activity_organise", args=[pk]) + "?d=out")
    result = closed.value
    if result.closed_now:
        messages.success(
            request,
            _("活动已结束：%(n)d 人签到，%(c)d 人计入时长，%(a)d 人获得积分（共 %(p)d 分）")
            % {"n": result.attended, "c": result.counted, "a": result.awarded, "p": result.points},
        )
    elif result.awarded:
        messages.success(
            request,
            _("已补发积分：%(a)d 人，共 %(p)d 分") % {"a": result.awarded, "p": result.points},
        )
    else:
        messages.info(request, _("活动已结束，积分已全部发放，无需重复操作"))
    for problem in result.pending:
        messages.error(request, _("部分积分未能发放：%(why)s") % {"why": problem})
    return redirect("web:activity_organise", pk=pk)


@login_required
@require_POST
def activity_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get_to_manage(request.user, pk)
    cancelled = run_service(
        request,
        services.activity_cancel,
        ok=_("活动已取消，已通知报名的居民"),
        activity=activity,
        reason=request.POST.get("reason", ""),
    )
    if not cancelled:
        return redirect("web:activity_organise", pk=pk)
    return redirect("web:activity_detail", pk=pk)
