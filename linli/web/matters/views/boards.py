"""The board (看板, issue 5 items 9–10): one page that adapts to who looks at it — a building
leader's buildings, community staff's community, a department's referrals, a supervisor's
street/district/city with a row per community — filtered by place and period, with tiles,
ECharts charts and the overdue referrals linked to their matters.

Who may see it: whoever has a board (``selectors_boards.board_scope``); anyone else — a
resident, a sponsor — gets 404 as on the staff stats page, and a place or department outside
one's board is 404 too. The figures' definitions are in the selectors' docstring and
docs/boards.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from linli.core.quarters import local_date
from linli.matters import policies
from linli.matters.selectors_boards import (
    AGE_BUCKETS,
    DEPARTMENT,
    BoardFigures,
    BoardScope,
    board_figures_for,
    board_places,
    board_scope,
)
from linli.people.models import Department
from linli.web.common.params import query_int

from ..forms import CUSTOM, BoardFilterForm, preset_choices


def age_labels() -> dict[str, str]:
    return {
        "d7": _("7 天以内"),
        "d30": _("8–30 天"),
        "d90": _("31–90 天"),
        "older": _("90 天以上"),
    }


def _chart_data(f: BoardFigures) -> dict[str, Any]:
    labels = age_labels()
    return {
        "levels": [lv.label for lv in f.by_level],
        "ages": [
            {"name": labels[key], "data": [getattr(lv.open, key) for lv in f.by_level]}
            for key, _first, _last in AGE_BUCKETS
        ],
        "months": [
            _("%(year)s 年 %(month)s 月") % {"year": m.month.year, "month": m.month.month}
            for m in f.by_month
        ],
        "raised": [m.raised for m in f.by_month],
        "finished": [m.finished for m in f.by_month],
        "ratingLevels": [c.label for c in f.rating_levels],
        "ratingCounts": [c.count for c in f.rating_levels],
        "labels": {
            "raised": pgettext("board", "提出"),
            "finished": pgettext("board", "办结"),
            "ratings": _("评价数"),
        },
    }


def _today() -> dt.date:
    return local_date(timezone.now())


def _id_param(request: HttpRequest, name: str) -> int | None:
    if not request.GET.get(name, "").strip():
        return None
    found = query_int(request.GET, name)
    if found is None:
        raise Http404
    return found


def _switch_links(request: HttpRequest, scope: BoardScope) -> list[dict[str, str]]:
    """For someone with both an area and departments: links between their boards."""
    user = request.user
    handled = policies.handler_department_ids(user)
    has_area = bool(policies.places_for(user, policies.MatterAction.VIEW))
    links: list[dict[str, str]] = []
    base = reverse("web:board")
    if scope.kind == DEPARTMENT and has_area:
        links.append({"url": base, "label": _("辖区看板")})
    if has_area or len(handled) > 1:
        current = {d.pk for d in scope.departments}
        for d in Department.objects.filter(pk__in=handled).order_by("pk"):
            if {d.pk} != current:
                links.append(
                    {
                        "url": f"{base}?{urlencode({'department': d.pk})}",
                        "label": _("%(dept)s 看板") % {"dept": d},
                    }
                )
    return links


@login_required
def board(request: HttpRequest) -> HttpResponse:
    today = _today()
    scope = board_scope(
        request.user,
        place=_id_param(request, "place"),
        department=_id_param(request, "department"),
    )
    form = BoardFilterForm(request.GET or None, today=today)
    period = form.chosen_period()
    figures = board_figures_for(scope, start=period.start, end=period.end, today=today)
    choices = preset_choices(today)
    if period.key not in {value for value, _label in choices}:
        choices.insert(0, (period.key, period.label))  # an older year or quarter, by link
    keep: dict[str, Any] = {"period": period.key}
    if period.key == CUSTOM:
        keep.update(start=period.start.isoformat(), end=period.end.isoformat())
    if scope.kind == DEPARTMENT and request.GET.get("department"):
        keep["department"] = request.GET["department"]
    return render(
        request,
        "web/matters/board.html",
        {
            "f": figures,
            "scope": scope,
            "form": form,
            "period": period,
            "period_choices": choices,
            "places": board_places(scope),
            "is_department": scope.kind == DEPARTMENT,
            "switch_links": _switch_links(request, scope),
            "age_labels": age_labels(),
            "chart": _chart_data(figures),
            # The filters without the place: the per-community rows add their own.
            "keep": urlencode(keep),
        },
    )
