"""Scanning an activity's QR code.

Opening the QR code's URL (a GET: what the phone's camera does) is the *scan*: it checks the
code and shows a confirmation page, and changes nothing. Signing in or out is the POST from
that page (CSRF-protected), with the phone's position when the activity asks for it. The
session remembers the scan (activity, direction, token, when) so that the POST, or the GET
after signing in to Linli, counts at the moment of the scan — for that session only, at most
ten minutes later (tokens.SCAN_GRACE, enforced by the service).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from linli.activities import policies, selectors, services
from linli.activities.choices import Direction
from linli.activities.geo import LocationRejected, Position
from linli.activities.hours import format_hours
from linli.activities.models import Activity
from linli.activities.tokens import TokenRejected, check_token, scan_moment
from linli.core.errors import DomainError, NotFound, ValidationFailed
from linli.people.models import Resident
from linli.web.common.middleware import with_features

SCAN_SESSION_KEY = "linli_activity_scan"


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
    activity = selectors.activity_get_for_actor(request.user, pk)
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
        raise  # the door: 404 (before DomainError below, which would take it for a refusal)
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
    activity = selectors.activity_get_for_actor(request.user, pk)
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
        raise  # the door: 404 (before DomainError below, which would take it for a refusal)
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
    activity = selectors.activity_get_for_actor(request.user, pk)
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
        "web/activities/activity_scan_confirm.html",
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
    return with_features(response, geolocation="self")


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
        "web/activities/activity_scan.html",
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
