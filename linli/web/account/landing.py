"""The landing page: what a visitor (not signed in) meets at ``/`` instead of a bare sign-in
wall — what Linli does for the community in plain words, the public lists, the sponsors'
thanks, last year's figures, how to get an account, and, when the server runs the demo, the
demo's sign-ins. A signed-in person gets their home, as before."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.quarters import CHINA, quarter_of
from linli.people.choices import Role
from linli.places.choices import PlaceKind
from linli.places.models import Place
from linli.points.selectors_shop import thanks_list
from linli.points.selectors_stats import MIN_YEAR, year_figures, years_with_postings

# At most this many communities are shown with their figures (each costs a few aggregate
# queries); a city with more lists them on the public pages it links to.
MAX_COMMUNITIES = 6


def _communities() -> list[dict[str, Any]]:
    now = timezone.now().astimezone(CHINA)
    last_year = now.year - 1
    quarter = quarter_of(now.date())
    rows = []
    for community in Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("name")[
        :MAX_COMMUNITIES
    ]:
        figures = None
        if last_year >= MIN_YEAR and last_year in years_with_postings(community):
            figures = year_figures(community=community, year=last_year)
        rows.append(
            {
                "community": community,
                "figures": figures if figures is not None and figures.points_awarded else None,
                "year": last_year,
                "sponsors": thanks_list(community, quarter.year, quarter.number),
                "quarter": quarter,
            }
        )
    return rows


def demo_signins() -> list[dict[str, Any]]:
    """The demo's sign-ins (only when serving the demo, and the database holds it)."""
    if not getattr(settings, "LINLI_DEMO", False) or not apps.is_installed("linli.demo"):
        return []
    signins: list[dict[str, Any]] = apps.get_app_config("demo").landing_signins()  # type: ignore[attr-defined]
    for row in signins:
        row["role_label"] = Role(row["role"]).label if row["role"] else _("居民")
    return signins


def landing(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/account/landing.html",
        {"communities": _communities(), "demo_signins": demo_signins()},
    )


def visitors_see_landing(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """In place of ``login_required`` on the home page: a visitor gets the landing page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return landing(request)
        return view(request, *args, **kwargs)

    return wrapper
