"""Pages. One view per screen; htmx requests get the page's partial. Every read goes through
a selector that scopes to the actor; every write through a service."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from linli.core.errors import DomainError, NotFound
from linli.matters import policies as matter_policies
from linli.matters.selectors_ratings import appeals_pending, flag_queue
from linli.people import policies, selectors
from linli.people.choices import ResidentGroup, Role
from linli.people.models import Resident
from linli.people.policies import Action
from linli.people.services import (
    account_create,
    account_reset_password,
    resident_register,
    user_set_preferences,
)
from linli.places.choices import PlaceKind
from linli.places.models import Place
from linli.places.selectors import place_children, places_roots
from linli.points import policies as points_policies
from linli.points.policies import PointsAction
from linli.points.selectors import proposals_for_actor, resident_balance

from .forms import PhoneLoginForm, ResidentForm
from .middleware import set_preference_cookies
from .params import query_int, query_text
from .redirects import safe_next


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], partial: str | None = None
) -> HttpResponse:
    """Render the page, or only ``template#partial`` for an htmx request."""
    if partial and getattr(request, "htmx", False):
        return render(request, f"{template}#{partial}", context)
    return render(request, template, context)


class SafeNextMixin:
    """Django's sign-in and sign-out views read ``next`` through our one check."""

    request: HttpRequest

    def get_redirect_url(self) -> str:
        return safe_next(self.request, "")


class LoginView(SafeNextMixin, auth_views.LoginView):
    form_class = PhoneLoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: PhoneLoginForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        user = form.get_user()
        if user.language or user.elder_mode:
            set_preference_cookies(
                response, language=user.language or None, elder=user.elder_mode or None
            )
        if getattr(user, "must_change_password", False):
            messages.info(self.request, _("这是临时密码，请先设置您自己的新密码。"))
            return HttpResponseRedirect(reverse("web:password_change"))
        return response


class LogoutView(SafeNextMixin, auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "label_suffix": ""}

    def get_success_url(self) -> str:
        return reverse("web:home")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.user
        if user.must_change_password:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        messages.success(self.request, _("密码已修改。"))
        return response


@require_POST
def set_preferences(request: HttpRequest) -> HttpResponse:
    """Language and 长辈模式 switch: a cookie for everyone, saved on the account if signed in."""
    language = request.POST.get("language")
    if language and not (check_for_language(language) and language in dict(settings.LANGUAGES)):
        language = None
    elder_raw = request.POST.get("elder")
    elder = None if elder_raw is None else elder_raw == "1"
    response = HttpResponseRedirect(safe_next(request, reverse("web:home")))
    set_preference_cookies(response, language=language, elder=elder)
    if request.user.is_authenticated:
        user_set_preferences(user=request.user, language=language, elder_mode=elder)
    return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    grants = policies.grants(user)
    resident = Resident.objects.filter(user_id=user.pk or 0).select_related("household").first()
    cards = []
    for grant in grants:
        card: dict[str, Any] = {"grant": grant, "role_label": Role(grant.role).label}
        if grant.role == Role.SPONSOR:
            card["sponsor"] = True  # a shop sees its vouchers, not the community's figures
        elif grant.place.kind == PlaceKind.COMMUNITY:
            card["counts"] = selectors.community_counts(grant.place)
        elif grant.place.kind == PlaceKind.BUILDING:
            card["residents"] = Resident.objects.filter(
                household__building=grant.place, moved_out__isnull=True
            ).count()
            card["households"] = Place.objects.filter(
                building=grant.place, kind=PlaceKind.HOUSEHOLD
            ).count()
        cards.append(card)
    memberships = resident.memberships.filter(ended_on__isnull=True) if resident is not None else []
    balance = resident_balance(resident) if resident is not None else None
    pending = (
        proposals_for_actor(user).count()
        if points_policies.can_anywhere(user, PointsAction.APPROVE)
        else None
    )
    return render(
        request,
        "web/home.html",
        {
            "cards": cards,
            "resident": resident,
            "memberships": memberships,
            "balance": balance,
            "pending_proposals": pending,
            "can_propose": pending is None
            and points_policies.can_anywhere(user, PointsAction.PROPOSE),
            "handles_referrals": bool(matter_policies.handler_department_ids(user)),
            "open_flags": sum(1 for f in flag_queue(user, answered=0) if f.state == "open")
            if Role.SUPERVISOR in {g.role for g in grants}
            else 0,
            "pending_appeals": len(appeals_pending(user)),
        },
    )


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
