"""Pages. One view per screen; htmx requests get the page's partial. Every read goes through
a selector that scopes to the actor; every write through a service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from linli.core.errors import DomainError, NotFound
from linli.people import policies, selectors
from linli.people.choices import ResidentGroup
from linli.people.policies import Action
from linli.people.services import (
    account_create,
    account_reset_password,
    resident_register,
)
from linli.places.choices import PlaceKind
from linli.places.models import Place
from linli.places.selectors import place_children, places_roots

from .common.pages import render_page
from .common.params import query_int, query_text
from .people.forms import ResidentForm


@login_required
def place_tree(request: HttpRequest) -> HttpResponse:
    roots = places_roots(places=policies.visible_places(request.user))
    if not roots:
        raise Http404
    if len(roots) == 1:
        return redirect("web:place_detail", pk=roots[0].pk)
    return render(request, "web/place_tree.html", {"roots": roots})


@login_required
def place_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        place = selectors.place_get_for_actor(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    crumbs = [p for p in place.path() if policies.can(request.user, Action.PLACE_VIEW, p)]
    children = place_children(place=place)
    residents = None
    if place.kind in (PlaceKind.BUILDING, PlaceKind.HOUSEHOLD) and policies.can(
        request.user, Action.RESIDENT_VIEW, place
    ):
        residents = selectors.resident_list(request.user, place=place)
    counts = selectors.community_counts(place) if place.kind == PlaceKind.COMMUNITY else None
    return render(
        request,
        "web/place_detail.html",
        {
            "place": place,
            "crumbs": crumbs,
            "children": children,
            "residents": residents,
            "counts": counts,
            "kind_label": PlaceKind(place.kind).label,
        },
    )


@login_required
def resident_list(request: HttpRequest) -> HttpResponse:
    if not policies.can_anywhere(request.user, Action.RESIDENT_VIEW):
        raise Http404
    query = query_text(request.GET, "q", limit=40)
    group = request.GET.get("group", "")
    if group not in ResidentGroup.values:
        group = ""
    place = None
    place_id = query_int(request.GET, "place")
    if place_id is not None:
        try:
            place = selectors.place_get_for_actor(request.user, place_id)
        except NotFound as exc:
            raise Http404 from exc
    qs = selectors.resident_list(request.user, query=query, place=place, group=group)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    show_phone = policies.can_anywhere(request.user, Action.RESIDENT_VIEW_PHONE)
    can_manage = policies.can_anywhere(request.user, Action.RESIDENT_MANAGE)
    return render_page(
        request,
        "web/resident_list.html",
        {
            "page": page,
            "query": query,
            "group": group,
            "groups": ResidentGroup.choices,
            "place": place,
            "show_phone": show_phone,
            "can_manage": can_manage,
            "can_import": policies.can_anywhere(request.user, Action.RESIDENT_IMPORT),
        },
        partial="results",
    )


@login_required
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        resident = selectors.resident_get_for_actor(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    household = resident.household
    can_manage = policies.can(request.user, Action.ACCOUNT_MANAGE, household)
    memberships = resident.memberships.order_by("-ended_on", "group")
    teams = resident.team_memberships.select_related("team").filter(left_on__isnull=True)
    return render(
        request,
        "web/resident_detail.html",
        {
            "resident": resident,
            "path": household.path()[4:],
            "memberships": memberships,
            "teams": teams,
            "can_manage": can_manage,
            "show_phone": can_manage
            or resident.user_id == request.user.pk
            or policies.can(request.user, Action.RESIDENT_VIEW_PHONE, household),
            "temp_password": request.session.pop("linli_temp_password", None)
            if can_manage
            else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def resident_new(request: HttpRequest) -> HttpResponse:
    places = policies.places_for(request.user, Action.RESIDENT_MANAGE)
    if not places:
        raise Http404
    buildings = (
        Place.objects.filter(kind=PlaceKind.BUILDING)
        .filter(policies.scope_q(request.user, Action.RESIDENT_MANAGE))
        .select_related("compound")
        .order_by("compound__name", "name")
    )
    form = ResidentForm(request.POST or None, buildings=buildings)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            resident = resident_register(
                actor=request.user,
                building=data["building"],
                unit=data["unit"],
                room=data["room"],
                name=data["name"],
                phone=data["phone"],
                gender=data["gender"] or "",
                birth_year=data["birth_year"],
                moved_in=data["moved_in"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已登记居民 %(name)s。") % {"name": resident.name})
            return redirect("web:resident_detail", pk=resident.pk)
    return render(request, "web/resident_form.html", {"form": form})


@login_required
@require_POST
def resident_account(request: HttpRequest, pk: int) -> HttpResponse:
    """Create an account for a resident, or reset its password. The temporary password is
    shown once, on the next page, to the staff member who handed it over."""
    try:
        resident = selectors.resident_get_for_actor(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    if not policies.can(request.user, Action.ACCOUNT_MANAGE, resident.household):
        raise Http404
    try:
        if resident.user_id is None:
            _user, secret = account_create(actor=request.user, resident=resident)
            messages.success(request, _("账号已开通。"))
        else:
            secret = account_reset_password(actor=request.user, user=resident.user)  # type: ignore[arg-type]
            messages.success(request, _("密码已重置。"))
        request.session["linli_temp_password"] = secret
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("web:resident_detail", pk=resident.pk)
