"""Volunteer activity pages (phone first): the list (upcoming, mine, organised), publishing,
the activity with sign-up and withdrawal, the organiser's screen (the QR code that changes
every minute, the attendance list with manual sign-in/out, approvals, closing), the scan
landing page the QR code opens, the volunteer record with the certificate and corrections,
staff's hours pages and export, the public certificate check, and the team page.

Reads through activities.selectors, writes through activities.services; an activity, a
record or a team outside one's places is 404. Refusals come back as a message and change
nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.activities import policies, selectors, services
from linli.activities.choices import ActivityStatus, Direction, HoursKind, SignupStatus
from linli.activities.geo import RADIUS_DEFAULT_M, LocationRejected, Position
from linli.activities.hours import format_hours
from linli.activities.models import Activity, Certificate, ServiceHours, Signup
from linli.activities.pdf import certificate_pdf, source_label
from linli.activities.policies import ActivityAction
from linli.activities.services.closing import unpaid
from linli.activities.tokens import TokenRejected, check_token, make_token, scan_moment
from linli.core.errors import DomainError, NotFound, ValidationFailed
from linli.core.masking import mask_name
from linli.core.quarters import CHINA
from linli.core.text import parse_int
from linli.people.models import Resident
from linli.people.selectors import resident_search_q
from linli.places.models import Place
from linli.web.common.files import serve_stored

from .common.forms import add_domain_error
from .common.middleware import PERMISSIONS_POLICY, permissions_policy_with
from .common.params import query_date, query_int, query_text
from .forms_activities import (
    ActivityForm,
    CheckinForm,
    CorrectionForm,
    HoursAddForm,
    SettingsForm,
    SettleForm,
)

SCAN_SESSION_KEY = "linli_activity_scan"


# --- helpers ---------------------------------------------------------------------------


def _activity(request: HttpRequest, pk: int) -> Activity:
    try:
        return selectors.activity_get_for_actor(request.user, pk)
    except NotFound:
        raise Http404 from None


def _managed(request: HttpRequest, pk: int) -> Activity:
    try:
        return selectors.activity_get_to_manage(request.user, pk)
    except NotFound:
        raise Http404 from None


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment, CHINA)


def _qr_svg(url: str) -> SafeString:
    """The code as inline SVG with a viewBox (no fixed size): CSS makes it as wide as the
    screen allows."""
    svg = segno.make(url, error="m").svg_inline(omitsize=True, dark="#111", light="#fff")
    return mark_safe(svg)  # noqa: S308 - segno's own SVG markup; the URL is encoded as modules


def _scan_url(request: HttpRequest, activity: Activity, direction: str, now: dt.datetime) -> str:
    token = make_token(activity.pk, direction, now)
    path = reverse("web:activity_scan", args=[activity.pk, direction, token])
    return request.build_absolute_uri(path)


def _error(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, str(exc))


def _map() -> dict[str, str]:
    """The map settings for the check-in point's picker (no tiles: no map, the fields stay)."""
    lat, lng = settings.LINLI_MAP_CENTER
    return {
        "tiles": settings.LINLI_MAP_TILE_URL,
        "attribution": settings.LINLI_MAP_ATTRIBUTION,
        "center": f"{lat},{lng}",
    }


def _allow_geolocation(response: HttpResponse) -> HttpResponse:
    """Pages that ask the phone for its position say so (a default policy elsewhere may
    forbid it when the response does not set one)."""
    response[PERMISSIONS_POLICY] = permissions_policy_with(geolocation="self")
    return response


# --- list, publish, detail --------------------------------------------------------------


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
        "web/activity_list.html",
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
            "actor": user,
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
        try:
            if d["repeat_weekly"]:
                _series, created = services.series_create(
                    **kwargs,
                    first_date=d["day"],
                    last_date=d["repeat_until"],
                    start_time=d["start_time"],
                    end_time=d["end_time"],
                )
                messages.success(request, _("已发布每周活动，共 %(n)d 次") % {"n": len(created)})
                return (
                    redirect("web:activity_detail", pk=created[0].pk)
                    if created
                    else redirect("web:activity_list")
                )
            activity = services.activity_publish(
                **kwargs,
                starts_at=dt.datetime.combine(d["day"], d["start_time"], tzinfo=CHINA),
                ends_at=dt.datetime.combine(d["day"], d["end_time"], tzinfo=CHINA),
            )
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("活动已发布"))
            return redirect("web:activity_detail", pk=activity.pk)
    response = render(
        request,
        "web/activity_form.html",
        {"form": form, "community": community, "communities": communities, "map": _map()},
        status=400 if form.errors else 200,
    )
    return _allow_geolocation(response)  # "use my location" for the check-in point


@login_required
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
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
        "web/activity_detail.html",
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
    activity = _activity(request, pk)
    try:
        signup = services.signup_create(actor=request.user, activity=activity)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        _error(request, exc)
    else:
        text = {
            SignupStatus.CONFIRMED: _("报名成功"),
            SignupStatus.PENDING: _("已报名，等待组织者审核"),
            SignupStatus.WAITING: _("名额已满，您已进入候补名单；有人取消时会自动补上并通知您"),
        }[SignupStatus(signup.status)]
        messages.success(request, text)
    return redirect("web:activity_detail", pk=pk)


@login_required
@require_POST
def activity_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    try:
        services.signup_withdraw(actor=request.user, activity=activity)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("已取消报名"))
    return redirect("web:activity_detail", pk=pk)


# --- the organiser's screen -------------------------------------------------------------


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
        "qr": _qr_svg(url),
        "scan_url": url,
        "shown_at": _local(now),
        "live": activity.status == ActivityStatus.OPEN,
    }


@login_required
def activity_organise(request: HttpRequest, pk: int) -> HttpResponse:
    """The organiser's screen: the QR code (sign-in or sign-out, changing every minute), the
    attendance list with manual sign-in/out, pending approvals, closing."""
    activity = _managed(request, pk)
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
        "map": _map(),
    }
    response = render(request, "web/activity_organise.html", context)
    return _allow_geolocation(response)  # "use my location" for the check-in point


@login_required
@require_POST
def activity_checkin_place(request: HttpRequest, pk: int) -> HttpResponse:
    """The organiser asks for the phone's position near a point when scanning, changes the
    point or radius, or stops asking."""
    activity = _managed(request, pk)
    form = CheckinForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("web:activity_organise", pk=pk)
    lat, lng, radius = form.cleaned_data["checkin"]
    try:
        services.activity_checkin_set(
            actor=request.user, activity=activity, lat=lat, lng=lng, radius_m=radius
        )
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        _error(request, exc)
    else:
        if radius is None:
            messages.success(request, _("已取消定位要求：扫码即可签到签退"))
        else:
            messages.success(request, _("已设置：扫码时须在活动地点 %(n)d 米内") % {"n": radius})
    return redirect("web:activity_organise", pk=pk)


def _signup_candidates(user: Any, activity: Activity, query: str) -> list[Resident]:
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
    activity = _managed(request, pk)
    return render(request, "web/activity_qr.html", _qr_context(request, activity, direction))


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
    activity = _managed(request, pk)
    resident = _resident_of(activity, request.POST.get("resident", ""))
    try:
        services.attendance_mark(
            actor=request.user,
            activity=activity,
            resident=resident,
            direction=direction,
            at=_at(activity, request.POST.get("at", "")),
        )
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        _error(request, exc)
    else:
        text = _("已为 %(name)s 代签到") if direction == Direction.IN else _("已为 %(name)s 代签退")
        messages.success(request, text % {"name": resident.name})
    return redirect(reverse("web:activity_organise", args=[pk]) + f"?d={direction}")


@login_required
@require_POST
def activity_sign_out_all(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _managed(request, pk)
    try:
        n = services.attendance_sign_out_all(
            actor=request.user, activity=activity, at=_at(activity, request.POST.get("at", ""))
        )
    except DomainError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("已为 %(n)d 人代签退") % {"n": n})
    return redirect(reverse("web:activity_organise", args=[pk]) + "?d=out")


@login_required
@require_POST
def activity_signup_for(request: HttpRequest, pk: int) -> HttpResponse:
    """The organiser signs up a resident without a phone."""
    activity = _managed(request, pk)
    resident = _resident_of(activity, request.POST.get("resident", ""))
    if not policies.can(request.user, ActivityAction.MANAGE, activity.community) and not (
        activity.team_id and policies.is_team_member(resident, activity.team_id)
    ):
        raise Http404  # a leader who is not staff signs up the team's members only
    try:
        signup = services.signup_create(actor=request.user, activity=activity, resident=resident)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        _error(request, exc)
    else:
        messages.success(
            request,
            _("已为 %(name)s 报名（%(status)s）")
            % {"name": resident.name, "status": signup.get_status_display()},
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
    _managed(request, signup.activity_id)
    try:
        services.signup_decide(
            actor=request.user,
            signup=signup,
            approve=decision == "approve",
            reason=request.POST.get("reason", ""),
        )
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("已通过") if decision == "approve" else _("已不通过"))
    return redirect("web:activity_organise", pk=signup.activity_id)


@login_required
@require_POST
def activity_close(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _managed(request, pk)
    try:
        result = services.activity_close(actor=request.user, activity=activity)
    except DomainError as exc:
        _error(request, exc)
        return redirect(reverse("web:activity_organise", args=[pk]) + "?d=out")
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
    activity = _managed(request, pk)
    try:
        services.activity_cancel(
            actor=request.user, activity=activity, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        _error(request, exc)
        return redirect("web:activity_organise", pk=pk)
    messages.success(request, _("活动已取消，已通知报名的居民"))
    return redirect("web:activity_detail", pk=pk)


# --- scanning ---------------------------------------------------------------------------
#
# Opening the QR code's URL (a GET: what the phone's camera does) is the *scan*: it checks
# the code and shows a confirmation page, and changes nothing. Signing in or out is the POST
# from that page (CSRF-protected), with the phone's position when the activity asks for it.
# The session remembers the scan (activity, direction, token, when) so that the POST, or the
# GET after signing in to Linli, counts at the moment of the scan — for that session only,
# at most ten minutes later (tokens.SCAN_GRACE, enforced by the service).


def _stashed_scan(request: HttpRequest, pk: int, direction: str, token: str) -> dt.datetime | None:
    """When this session scanned exactly this code, if it did."""
    stash = request.session.get(SCAN_SESSION_KEY)
    if not isinstance(stash, dict) or (
        stash.get("activity"),
        stash.get("direction"),
        stash.get("token"),
    ) != (pk, direction, token):
        return None
    return parse_datetime(str(stash.get("at", "")))


def _stash_scan(request: HttpRequest, pk: int, direction: str, token: str, at: dt.datetime) -> None:
    stash = {"activity": pk, "direction": direction, "token": token, "at": at.isoformat()}
    if request.session.get(SCAN_SESSION_KEY) != stash:
        request.session[SCAN_SESSION_KEY] = stash


def _scan_before_login(
    request: HttpRequest, pk: int, direction: str, token: str, now: dt.datetime
) -> HttpResponse:
    """Not signed in: check the code, remember the scan, sign in first and come back to the
    confirmation (which counts at the time of this scan)."""
    activity = Activity.objects.filter(pk=pk).first()
    scanned_at = scan_moment(_stashed_scan(request, pk, direction, token), now)
    try:
        if activity is None:
            raise NotFound(_("找不到该活动"))
        check_token(token, activity_id=pk, direction=direction, now=scanned_at)
    except DomainError as exc:
        return _scan_result(request, None, direction, error=str(exc), status=400)
    _stash_scan(request, pk, direction, token, scanned_at)
    return redirect_to_login(reverse("web:activity_scan", args=[pk, direction, token]))


@require_GET
def activity_scan(request: HttpRequest, pk: int, direction: str, token: str) -> HttpResponse:
    """The URL in the QR code: a big confirmation page (or a clear refusal). Changes no
    attendance; the page's button posts to ``activity_scan_confirm``."""
    if direction not in Direction.values:
        raise Http404
    now = timezone.now()
    if not request.user.is_authenticated:
        return _scan_before_login(request, pk, direction, token, now)
    activity = _activity(request, pk)
    scanned_at = scan_moment(_stashed_scan(request, pk, direction, token), now)
    try:
        resident = services.attendance_scan_check(
            actor=request.user,
            activity=activity,
            direction=direction,
            token=token,
            scanned_at=scanned_at,
            now=now,
        )
    except NotFound:
        raise Http404 from None
    except TokenRejected as exc:
        return _scan_result(request, activity, direction, error=str(exc), status=400)
    except DomainError as exc:
        return _scan_result(request, activity, direction, error=str(exc), status=409)
    _stash_scan(request, pk, direction, token, scanned_at)
    return _scan_confirm_page(request, activity, direction, token, resident)


@require_POST
def activity_scan_confirm(request: HttpRequest, pk: int, direction: str) -> HttpResponse:
    """The confirmation: sign in or out now (counting at the time of this session's scan,
    within the grace), with the phone's position when the activity asks for it."""
    if direction not in Direction.values:
        raise Http404
    token = request.POST.get("token", "")[:200]
    now = timezone.now()
    if not request.user.is_authenticated:
        return _scan_before_login(request, pk, direction, token, now)
    activity = _activity(request, pk)
    try:
        position = Position.parse(
            request.POST.get("lat"), request.POST.get("lng"), request.POST.get("accuracy")
        )
        services.attendance_scan(
            actor=request.user,
            activity=activity,
            direction=direction,
            token=token,
            position=position,
            scanned_at=_stashed_scan(request, pk, direction, token),
            now=now,
        )
    except NotFound:
        raise Http404 from None
    except TokenRejected as exc:
        return _scan_result(request, activity, direction, error=str(exc), status=400)
    except (LocationRejected, ValidationFailed) as exc:
        # The position is missing, unreadable or too far: the same page again, to retry.
        resident = policies.own_resident_in(request.user, activity.community_id)
        return _scan_confirm_page(
            request, activity, direction, token, resident, error=str(exc), status=400
        )
    except DomainError as exc:
        return _scan_result(request, activity, direction, error=str(exc), status=409)
    request.session.pop(SCAN_SESSION_KEY, None)
    return redirect("web:activity_scan_done", pk=pk, direction=direction)


@login_required
def activity_scan_done(request: HttpRequest, pk: int, direction: str) -> HttpResponse:
    """After the confirmation: the big result, read from the attendance as it stands."""
    if direction not in Direction.values:
        raise Http404
    activity = _activity(request, pk)
    attendance = selectors.my_attendance(request.user, activity)
    if attendance is None or (direction == Direction.OUT and attendance.signed_out_at is None):
        return redirect("web:activity_detail", pk=pk)
    return _scan_result(request, activity, direction, attendance=attendance)


def _scan_confirm_page(
    request: HttpRequest,
    activity: Activity,
    direction: str,
    token: str,
    resident: Resident | None,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    response = render(
        request,
        "web/activity_scan_confirm.html",
        {
            "activity": activity,
            "direction": direction,
            "direction_label": Direction(direction).label,
            "token": token,
            "resident": resident,
            "error": error,
            "place": activity.place.full_name(),
        },
        status=status,
    )
    return _allow_geolocation(response)


def _scan_result(
    request: HttpRequest,
    activity: Activity | None,
    direction: str,
    *,
    attendance: Any = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "web/activity_scan.html",
        {
            "activity": activity,
            "direction": direction,
            "direction_label": Direction(direction).label,
            "attendance": attendance,
            "error": error,
            "hours": format_hours(attendance.half_hours or 0) if attendance else "",
        },
        status=status,
    )


# --- volunteer records ------------------------------------------------------------------


def _record_context(request: HttpRequest, resident: Resident) -> dict[str, Any]:
    lines = list(selectors.record_lines(resident))
    for line in lines:
        line.source = source_label(line)  # type: ignore[attr-defined]
        line.hours_text = format_hours(line.half_hours)  # type: ignore[attr-defined]
    totals = selectors.record_totals(resident)
    own = resident.user_id == request.user.pk
    attended = (
        [
            a
            for a in (m.activity for m in selectors.activities_mine(request.user))
            if a.status == ActivityStatus.CLOSED
        ][:30]
        if own
        else []
    )
    return {
        "resident": resident,
        "lines": lines,
        "totals": totals,
        "total_hours": format_hours(totals.half_hours),
        "corrections": list(selectors.corrections_of(resident)),
        "own": own,
        "is_staff": policies.can(request.user, ActivityAction.RECORDS, resident.household),
        "form": CorrectionForm(),
        "attended": attended,
    }


@login_required
def volunteer_record(request: HttpRequest) -> HttpResponse:
    """My volunteer record: hours, activities, certificate, corrections."""
    residents = policies.own_residents(request.user)
    if not residents:
        raise Http404
    return render(request, "web/volunteer_record.html", _record_context(request, residents[0]))


@login_required
def volunteer_record_of(request: HttpRequest, pk: int) -> HttpResponse:
    """A volunteer's record, for staff of their community (and themselves)."""
    try:
        resident = selectors.record_resident_for_actor(request.user, pk)
    except NotFound:
        raise Http404 from None
    return render(request, "web/volunteer_record.html", _record_context(request, resident))


@login_required
@require_POST
def volunteer_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue the certificate of service hours (or reuse the one for an unchanged record),
    then download it. A POST: issuing writes a row, and a GET never writes."""
    try:
        resident = selectors.record_resident_for_actor(request.user, pk)
        cert = services.certificate_issue(actor=request.user, resident=resident)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        _error(request, exc)
        if resident.user_id == request.user.pk:
            return redirect("web:volunteer_record")
        return redirect("web:volunteer_record_of", pk=pk)
    return redirect("web:volunteer_certificate_pdf", pk=pk, code=cert.code)


@login_required
def volunteer_certificate_pdf(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """An issued certificate as A4 PDF (free), for the volunteer and staff."""
    try:
        resident = selectors.record_resident_for_actor(request.user, pk)
    except NotFound:
        raise Http404 from None
    cert = Certificate.objects.filter(resident=resident, code=code).first()
    if cert is None:
        raise Http404
    lines = list(selectors.record_lines(resident).filter(pk__lte=cert.last_line_id or 0))
    lines.reverse()
    check = request.build_absolute_uri(reverse("web:volunteer_check") + f"?code={cert.code}")
    body = certificate_pdf(cert, lines, check)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="volunteer-{cert.code}.pdf"'
    return response


def volunteer_check(request: HttpRequest) -> HttpResponse:
    """Public (no sign-in): check a certificate by the code printed on it."""
    raw = request.GET.get("code", "")
    code = selectors.normalise_code(raw)
    cert = None
    error = ""
    newer = False
    if raw.strip():
        if not selectors.is_code(code):
            error = _("核验码应为 12 位字母和数字（如 ABCD-EFGH-JKMN），请核对输入。")
        else:
            cert = selectors.certificate_by_code(code)
            if cert is None:
                error = _(
                    "查无此证明：没有任何证明使用这个核验码。该证明可能是伪造的，或核验码输入有误。"
                )
            else:
                newer = Certificate.objects.filter(
                    resident_id=cert.resident_id, issued_at__gt=cert.issued_at
                ).exists()
    return render(
        request,
        "web/volunteer_check.html",
        {
            "raw": raw[:40],
            "cert": cert,
            "code": selectors.format_code(code) if cert else "",
            "name": mask_name(cert.resident.name) if cert else "",
            "hours": format_hours(cert.half_hours) if cert else "",
            "error": error,
            "newer": newer,
        },
    )


@login_required
@require_POST
def volunteer_correction_new(request: HttpRequest) -> HttpResponse:
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请写明需要更正的内容"))
        return redirect("web:volunteer_record")
    activity = None
    if form.cleaned_data.get("activity"):
        try:
            activity = selectors.activity_get_for_actor(request.user, form.cleaned_data["activity"])
        except NotFound:
            raise Http404 from None
    try:
        services.correction_request(
            actor=request.user, text=form.cleaned_data["text"], activity=activity
        )
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("已提交更正申请，社区核实后会通知您"))
    return redirect("web:volunteer_record")


def _records_community(request: HttpRequest) -> tuple[Place, list[Place]]:
    from linli.places.choices import PlaceKind

    places = policies.places_for(request.user, ActivityAction.RECORDS)
    if not places:
        raise Http404
    q = policies.scope_q(request.user, ActivityAction.RECORDS)
    communities = list(Place.objects.filter(kind=PlaceKind.COMMUNITY).filter(q).order_by("name"))
    if not communities:
        raise Http404
    wanted = request.GET.get("community") or request.POST.get("community") or ""
    chosen = next((c for c in communities if str(c.pk) == wanted), None)
    if wanted and chosen is None:
        raise Http404
    return chosen or communities[0], communities


def _period(request: HttpRequest) -> tuple[dt.date | None, dt.date | None]:
    return query_date(request.GET, "start"), query_date(request.GET, "end")


@login_required
@require_http_methods(["GET", "POST"])
def volunteer_hours(request: HttpRequest) -> HttpResponse:
    """Staff: the community's volunteers and their hours (a period), export, settings."""
    community, communities = _records_community(request)
    start, end = _period(request)
    can_settings = policies.can(request.user, ActivityAction.SETTINGS, community)
    current = selectors.settings_for(community.pk)
    form = SettingsForm(
        request.POST or None,
        initial={
            "min_share_percent": current.min_share_percent,
            "signin_open_minutes": current.signin_open_minutes,
        },
    )
    if request.method == "POST":
        if not can_settings:
            raise Http404
        if form.is_valid():
            try:
                services.activity_settings_update(
                    actor=request.user, community=community, **form.cleaned_data
                )
            except DomainError as exc:
                _error(request, exc)
            else:
                messages.success(request, _("已保存"))
                return redirect(reverse("web:volunteer_hours") + f"?community={community.pk}")
    rows = selectors.community_hours(community, start=start, end=end)
    for r in rows:
        r.hours_text = format_hours(r.half_hours)  # type: ignore[attr-defined]
    return render(
        request,
        "web/volunteer_hours.html",
        {
            "community": community,
            "communities": communities,
            "rows": rows,
            "start": start,
            "end": end,
            "open_corrections": selectors.corrections_open(request.user)
            .filter(community=community)
            .count(),
            "settings_form": form if can_settings else None,
            "settings": current,
        },
    )


@login_required
def volunteer_export(request: HttpRequest) -> HttpResponse:
    community, _communities = _records_community(request)
    start, end = _period(request)
    try:
        body, _n = services.hours_export_xlsx(
            actor=request.user, community=community, start=start, end=end
        )
    except NotFound:
        raise Http404 from None
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="volunteer-hours-{community.pk}.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def volunteer_hours_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff add hours served but not scanned, with evidence (marked 补录)."""
    try:
        resident = selectors.record_resident_for_actor(request.user, pk)
    except NotFound:
        raise Http404 from None
    if not policies.can(request.user, ActivityAction.RECORDS, resident.household):
        raise Http404
    form = HoursAddForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and form.cleaned_data.get("half_hours"):
        d = form.cleaned_data
        try:
            services.hours_add(
                actor=request.user,
                resident=resident,
                served_on=d["served_on"],
                title=d["title"],
                half_hours=d["half_hours"],
                evidence_note=d["evidence_note"],
                evidence_file=d.get("evidence_file"),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("已补录"))
            return redirect("web:volunteer_record_of", pk=resident.pk)
    return render(
        request,
        "web/volunteer_add.html",
        {"form": form, "resident": resident},
        status=400 if form.errors else 200,
    )


@login_required
def volunteer_evidence(request: HttpRequest, pk: int) -> HttpResponseBase:
    """An evidence file, for the volunteer and staff of their community."""
    line = ServiceHours.objects.select_related("resident__household").filter(pk=pk).first()
    if (
        line is None
        or not line.evidence_file
        or not policies.can_see_record(request.user, line.resident)
    ):
        raise Http404
    return serve_stored(line.evidence_file.name, download_name=f"evidence-{line.pk}")


@login_required
def volunteer_corrections(request: HttpRequest) -> HttpResponse:
    """Staff: the open correction requests of their communities, oldest first."""
    if not policies.can_anywhere(request.user, ActivityAction.RECORDS):
        raise Http404
    rows = list(selectors.corrections_open(request.user)[:200])
    return render(request, "web/volunteer_corrections.html", {"rows": rows})


@login_required
@require_POST
def volunteer_correction_settle(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        correction = selectors.correction_get_for_staff(request.user, pk)
    except NotFound:
        raise Http404 from None
    form = SettleForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, str(e))
        return redirect("web:volunteer_corrections")
    d = form.cleaned_data
    try:
        services.correction_settle(
            actor=request.user,
            correction=correction,
            accept=d["decision"] == "accept",
            answer=d.get("answer") or "",
            half_hours=d.get("half_hours"),
        )
    except DomainError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("已处理"))
    return redirect("web:volunteer_corrections")


# --- teams ------------------------------------------------------------------------------


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    teams = list(selectors.teams_for_actor(request.user)[:100])
    if not teams:
        raise Http404
    return render(request, "web/activity_teams.html", {"teams": teams})


@login_required
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A team's activities and (for its leaders and staff) its members' hours."""
    try:
        team = selectors.team_get_for_actor(request.user, pk)
    except NotFound:
        raise Http404 from None
    now = timezone.now()
    activities = list(selectors.team_activities(team)[:200])
    upcoming = [a for a in activities if a.ends_at > now and a.status == ActivityStatus.OPEN]
    upcoming.reverse()
    past = [a for a in activities if a not in upcoming][:60]
    show_hours = policies.can_see_team_hours(request.user, team)
    members = selectors.team_member_hours(team) if show_hours else []
    return render(
        request,
        "web/activity_team.html",
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
