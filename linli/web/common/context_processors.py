"""What the base template needs on every page: which menu items the person may see, the
unread notifications, 长辈版. Each answer comes from the areas' policies."""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest

from linli.matters import policies as matter_policies
from linli.matters.selectors_boards import has_board
from linli.matters.selectors_ratings import supervises
from linli.notifications.selectors import unread_count
from linli.people import policies
from linli.people.models import Resident
from linli.points import policies as points_policies
from linli.points.policies import PointsAction

# The home page saves how many things wait for the person (今天要办) here; the menu shows it
# on 首页 while it is fresh, without a query (the session is already loaded for the user).
TODAY_SESSION_KEY = "linli_today"
TODAY_FRESH_SECONDS = 15 * 60


def today_badge(request: HttpRequest) -> int:
    """The count the home page last saw, if it saw it in the last quarter of an hour."""
    session = getattr(request, "session", None)
    saved = session.get(TODAY_SESSION_KEY) if session is not None else None
    if not isinstance(saved, dict):
        return 0
    n, at = saved.get("n"), saved.get("at")
    if not isinstance(n, int) or not isinstance(at, int):
        return 0
    return n if 0 <= time.time() - at < TODAY_FRESH_SECONDS else 0


def linli(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    can_see_points = signed_in and (
        points_policies.can_anywhere(user, PointsAction.LEDGER_VIEW)
        or points_policies.can_anywhere(user, PointsAction.PROPOSE)
        or Resident.objects.filter(user_id=getattr(user, "pk", None) or 0).exists()
    )
    can_see_places = policies.can_anywhere(user, policies.Action.PLACE_VIEW) if signed_in else False
    handles_referrals = bool(signed_in and matter_policies.handler_department_ids(user))
    supervisor = bool(signed_in and supervises(user))
    sponsor = bool(signed_in and points_policies.can_anywhere(user, PointsAction.VOUCHER_CONFIRM))
    return {
        "can_see_matters": bool(
            signed_in and (can_see_points or can_see_places or handles_referrals)
        ),
        "can_see_board": bool(signed_in and has_board(user)),
        "is_supervisor": supervisor,
        # Activities: residents (sign up, their record) and staff / team leaders (organise).
        "can_see_activities": bool(can_see_points or supervisor),
        "can_see_points": can_see_points,
        "can_see_shop": bool(signed_in and (can_see_points or sponsor)),
        "elder_mode": getattr(request, "elder_mode", False),
        "can_see_residents": policies.can_anywhere(user, policies.Action.RESIDENT_VIEW)
        if user is not None and user.is_authenticated
        else False,
        "can_see_places": can_see_places,
        # The bell's badge in the header: one COUNT on an indexed (user, read_at) pair.
        "unread_notifications": unread_count(user) if signed_in else 0,
        "today_count": today_badge(request) if signed_in else 0,
    }
