"""Signing in and out, the password, the display preferences (language, 长辈版) and the home
page, which gathers what the person may do in every area (their own record, their roles'
cards, the queues waiting for them)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.matters import policies as matter_policies
from linli.matters.policies import MatterAction
from linli.people import policies, selectors
from linli.people.choices import Role
from linli.people.models import Resident
from linli.people.policies import Action
from linli.people.services import user_set_preferences
from linli.places.choices import PlaceKind
from linli.places.models import Place
from linli.points import policies as points_policies
from linli.points.policies import PointsAction
from linli.points.selectors import proposals_for_actor, resident_balance
from linli.web.common.middleware import set_preference_cookies
from linli.web.common.redirects import safe_next

from .forms import PhoneLoginForm
from .landing import visitors_see_landing
from .today import todo_list


class SafeNextMixin:
    """Django's sign-in and sign-out views read ``next`` through our one check."""

    request: HttpRequest

    def get_redirect_url(self) -> str:
        return safe_next(self.request, "")


class LoginView(SafeNextMixin, auth_views.LoginView):
    form_class = PhoneLoginForm
    template_name = "web/account/login.html"
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
    template_name = "web/account/password_change.html"

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
    """Language and 长辈版 switch: a cookie for everyone, saved on the account if signed in."""
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


def _card(grant: policies.Grant) -> dict[str, Any]:
    """One card per grant: the place's figures and the buttons the grant's role allows."""
    card: dict[str, Any] = {"grant": grant, "role_label": Role(grant.role).label}
    if grant.role == Role.SPONSOR:
        card["sponsor"] = True  # a shop sees its vouchers, not the community's figures
        return card
    if grant.place.kind == PlaceKind.COMMUNITY:
        card["counts"] = selectors.community_counts(grant.place)
    elif grant.place.kind == PlaceKind.BUILDING:
        card["residents"] = Resident.objects.filter(
            household__building=grant.place, moved_out__isnull=True
        ).count()
        card["households"] = Place.objects.filter(
            building=grant.place, kind=PlaceKind.HOUSEHOLD
        ).count()
    card["can_list_residents"] = policies.role_allows(grant.role, Action.RESIDENT_VIEW)
    card["can_import"] = policies.role_allows(grant.role, Action.RESIDENT_IMPORT)
    return card


@visitors_see_landing
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    residents = list(
        Resident.objects.filter(user_id=user.pk or 0).select_related("household").order_by("pk")
    )
    resident = residents[0] if residents else None
    memberships = resident.memberships.filter(ended_on__isnull=True) if resident is not None else []
    balance = resident_balance(resident) if resident is not None else None
    pending = (
        proposals_for_actor(user).count()
        if points_policies.can_anywhere(user, PointsAction.APPROVE)
        else None
    )
    return render(
        request,
        "web/account/home.html",
        {
            "cards": [_card(grant) for grant in policies.grants(user)],
            "resident": resident,
            "memberships": memberships,
            "balance": balance,
            "pending_proposals": pending,
            "can_propose": pending is None
            and points_policies.can_anywhere(user, PointsAction.PROPOSE),
            "handles_referrals": bool(matter_policies.handler_department_ids(user)),
            "manages_matters": matter_policies.can_anywhere(user, MatterAction.MANAGE),
            "can_matter_settings": matter_policies.can_anywhere(user, MatterAction.SETTINGS),
            "can_calendar": matter_policies.can_anywhere(user, MatterAction.CALENDAR),
            "todos": todo_list(request, [r for r in residents if r.moved_out is None]),
        },
    )
