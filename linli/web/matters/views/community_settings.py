"""A community's matter settings (community staff, secretaries, operators) and its
working-day calendar overrides (secretaries and operators). The community is the one asked
for (?community=) among the actor's, else their first; another community's is 404."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from linli.core.actors import Actor
from linli.core.errors import DomainError, ValidationFailed
from linli.core.text import parse_int
from linli.core.workdays import FIRST_COVERED_YEAR, LAST_COVERED_YEAR, covered
from linli.matters.selectors import matter_settings_for
from linli.matters.services.community_settings import (
    CALENDAR_ROLES,
    FIELDS,
    SETTINGS_ROLES,
    calendar_day_add,
    calendar_day_remove,
    calendar_days_for_year,
    can_edit_calendar,
    can_edit_global_calendar,
    matter_settings_update,
)
from linli.people import policies as people_policies
from linli.places.choices import PlaceKind, depth_of
from linli.places.models import Place
from linli.places.models.place import within_any_q
from linli.web.common.door import run_service
from linli.web.common.params import query_int

from ..forms import CalendarDayForm, MatterSettingsForm


def _communities(user: Actor, roles: Iterable[str]) -> QuerySet[Place]:
    """Communities at or below a place where ``user`` holds one of ``roles``."""
    depth = depth_of(PlaceKind.COMMUNITY)
    places = [p for p in people_policies.places_for_roles(user, roles) if depth_of(p.kind) <= depth]
    return (
        Place.objects.filter(kind=PlaceKind.COMMUNITY).filter(within_any_q(places)).order_by("name")
    )


def _community(request: HttpRequest, roles: Iterable[str]) -> tuple[Place, QuerySet[Place]]:
    communities = _communities(request.user, roles)
    wanted = query_int(request.GET, "community") or query_int(request.POST, "community")
    community = None
    if wanted is not None:
        community = communities.filter(pk=wanted).first()
        if community is None:
            raise Http404
    community = community or communities.first()
    if community is None:
        raise Http404
    return community, communities


def _show_refusal(form: MatterSettingsForm, exc: DomainError | None) -> None:
    """Each problem on its field (the service checks every number at once)."""
    if isinstance(exc, ValidationFailed) and exc.errors:
        for field, problems in exc.errors.items():
            for problem in problems:
                form.add_error(field if field in form.fields else None, problem)
    elif exc is not None:
        form.add_error(None, str(exc.message))


@require_http_methods(["GET", "POST"])
@login_required
def matter_settings(request: HttpRequest) -> HttpResponse:
    community, communities = _community(request, SETTINGS_ROLES)
    current = matter_settings_for(community.pk)
    initial = {f: getattr(current, f) for f in FIELDS}
    form = MatterSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            request,
            matter_settings_update,
            quiet=True,
            ok=_("已保存%(community)s的事项设置；新的期限从下一件事项起生效。")
            % {"community": community.name},
            community=community,
            values=form.cleaned_data,
        )
        if saved:
            return redirect(f"{reverse('web:matter_settings')}?community={community.pk}")
        _show_refusal(form, saved.error)
    return render(
        request,
        "web/matters/settings_matters.html",
        {
            "form": form,
            "community": community,
            "communities": communities,
            "saved": current.pk is not None,
            "can_calendar": can_edit_calendar(request.user, community),
        },
    )


def _year(raw: str | None) -> int:
    year = parse_int(raw or "")
    if year is not None and 2000 <= year <= 2100:
        return year
    return timezone.localdate().year


@require_http_methods(["GET", "POST"])
@login_required
def calendar_days(request: HttpRequest) -> HttpResponse:
    community, communities = _community(request, CALENDAR_ROLES)
    can_global = can_edit_global_calendar(request.user)
    year = _year(request.GET.get("year"))
    form = CalendarDayForm(request.POST or None, can_global=can_global)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        day: dt.date = data["day"]
        added = run_service(
            request,
            calendar_day_add,
            form=form,
            ok=_("已添加 %(day)s 的调整") % {"day": day.isoformat()},
            community=None if data.get("everywhere") else community,
            day=day,
            is_workday=data["kind"] == CalendarDayForm.WORK,
            note=data["note"],
        )
        if added:
            return redirect(
                f"{reverse('web:calendar_days')}?community={community.pk}&year={day.year}"
            )
    rows = calendar_days_for_year(community, year)
    return render(
        request,
        "web/matters/settings_calendar.html",
        {
            "form": form,
            "community": community,
            "communities": communities,
            "year": year,
            "years": [year - 1, year + 1],
            "rows": rows,
            "covered": covered(year),
            "first_covered": FIRST_COVERED_YEAR,
            "last_covered": LAST_COVERED_YEAR,
            "can_global": can_global,
            "holidays": sum(1 for r in rows if not r.is_workday),
            "workdays": sum(1 for r in rows if r.is_workday),
        },
    )


@require_POST
@login_required
def calendar_day_delete(request: HttpRequest, pk: int) -> HttpResponse:
    community = _community(request, CALENDAR_ROLES)[0]
    year = _year(request.POST.get("year"))
    run_service(request, calendar_day_remove, ok=_("已删除该调整"), community=community, pk=pk)
    return redirect(f"{reverse('web:calendar_days')}?community={community.pk}&year={year}")
