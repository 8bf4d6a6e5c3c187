"""Yearly points figures (issue 4, item 7): a page for community staff with tables and
charts, and a public headline for a closed year.

Staff page: those who may view a community's ledger (points LEDGER_VIEW on the community);
anyone else gets 404, as everywhere outside one's places. The public page shows only the
community's aggregate headline — the sentence the seed printed in the newspaper, and how
many points were awarded — for years that have ended; nothing about any one resident.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.quarters import CHINA
from linli.core.text import parse_int
from linli.places.choices import PlaceKind
from linli.places.models import Place
from linli.points import policies
from linli.points.policies import PointsAction
from linli.points.selectors import communities_for
from linli.points.selectors_stats import (
    MIN_YEAR,
    YearFigures,
    year_figures,
    years_with_postings,
)
from linli.web.common.params import query_int


def _this_year() -> int:
    return timezone.now().astimezone(CHINA).year


def _chart_data(f: YearFigures) -> dict[str, Any]:
    return {
        "categories": [c.label for c in f.by_category],
        "categoryPoints": [c.points for c in f.by_category],
        "months": [_("%(m)d 月") % {"m": m.month} for m in f.by_month],
        "awarded": [m.awarded for m in f.by_month],
        "redeemed": [m.redeemed for m in f.by_month],
        "labels": {
            "points": _("积分"),
            "awarded": _("发放积分"),
            "redeemed": _("兑换积分"),
        },
    }


@login_required
def stats_year(request: HttpRequest) -> HttpResponse:
    communities = communities_for(request.user, PointsAction.LEDGER_VIEW)
    if request.GET.get("community", ""):
        wanted = query_int(request.GET, "community")
        community = communities.filter(pk=wanted).first() if wanted is not None else None
    else:
        community = communities.first()
    if community is None or not policies.can(request.user, PointsAction.LEDGER_VIEW, community):
        raise Http404
    years = years_with_postings(community)
    asked = parse_int(request.GET.get("year", ""))
    year = asked if asked is not None else _this_year()
    if year not in years:
        raise Http404
    figures = year_figures(community=community, year=year)
    return render(
        request,
        "web/points/stats_year.html",
        {
            "community": community,
            "communities": communities,
            "years": years,
            "year": year,
            "f": figures,
            "chart": _chart_data(figures),
            "public": year < _this_year(),
        },
    )


def stats_public(request: HttpRequest, community: int, year: int) -> HttpResponse:
    """The headline of a year that has ended, for anyone (no sign-in)."""
    place = get_object_or_404(Place, pk=community, kind=PlaceKind.COMMUNITY)
    if not MIN_YEAR <= year < _this_year():
        raise Http404
    figures = year_figures(community=place, year=year)
    return render(request, "web/points/stats_public.html", {"community": place, "f": figures})
