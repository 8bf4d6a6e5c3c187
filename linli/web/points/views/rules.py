"""The rule catalogue (积分细则): the rules of a community, and adding or revising one under
a catalogue version with its adopting decision."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from linli.core.actors import Actor
from linli.people.models import Resident
from linli.places.models import Place
from linli.points import policies, selectors
from linli.points.models import CatalogVersion, Rule
from linli.points.policies import PointsAction
from linli.points.selectors import communities_for
from linli.points.services import catalog_version_create, rule_create, rule_revise
from linli.web.common.door import run_service
from linli.web.common.params import query_int
from linli.web.common.scoping import community_from_request

from ..forms import RuleForm


@login_required
def points_rules(request: HttpRequest) -> HttpResponse:
    """The rule catalogue: staff and leaders of the community, and its residents."""
    communities = communities_for(
        request.user, PointsAction.RESIDENT_POINTS_VIEW, from_lower_grants=True
    )
    resident = (
        Resident.objects.filter(user_id=request.user.pk or 0).select_related("household").first()
    )
    ids = set(communities.values_list("pk", flat=True))
    if resident is not None and resident.household.community_id:
        ids.add(resident.household.community_id)
    wanted = query_int(request.GET, "community")
    if wanted is not None:
        if wanted not in ids:
            raise Http404
        community_id = wanted
    elif ids:
        community_id = min(ids)
    else:
        raise Http404
    community = Place.objects.get(pk=community_id)
    rules = selectors.rules_for_community(community)
    return render(
        request,
        "web/points/points_rules.html",
        {
            "community": community,
            "rules": rules,
            "today": timezone.localdate(),
            "can_manage": policies.can(request.user, PointsAction.RULES_MANAGE, community),
        },
    )


def _rule_form_page(request: HttpRequest, community: Place, rule: Rule | None) -> HttpResponse:
    versions = CatalogVersion.objects.filter(community=community).order_by("-number")
    initial: dict[str, Any] = {}
    if rule is not None:
        initial = {f: getattr(rule, f) for f in RULE_FIELDS}
        initial["key"] = rule.key
    form = RuleForm(
        request.POST or None, versions=versions, revising=rule is not None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {f: data.get(f) for f in RULE_FIELDS}

        def save(*, actor: Actor) -> Rule:
            version = data["version"] or catalog_version_create(
                actor=actor,
                community=community,
                decision=data["decision"],
                decided_on=data["decided_on"],
            )
            if rule is None:
                return rule_create(actor=actor, version=version, key=data["key"], **fields)
            return rule_revise(actor=actor, rule=rule, version=version, **fields)

        if run_service(request, save, form=form, ok=_("积分细则已保存。")):
            return redirect(f"{reverse('web:points_rules')}?community={community.pk}")
    return render(
        request, "web/points/rule_form.html", {"form": form, "community": community, "rule": rule}
    )


RULE_FIELDS = (
    "name",
    "category",
    "description",
    "points_min",
    "points_max",
    "cap_day",
    "cap_month",
    "cap_quarter",
    "awarders",
    "evidence",
    "active_from",
    "active_until",
)


@login_required
@require_http_methods(["GET", "POST"])
def points_rule_new(request: HttpRequest) -> HttpResponse:
    community = community_from_request(
        request, from_lower_grants=True, action=PointsAction.RULES_MANAGE
    )[0]
    return _rule_form_page(request, community, None)


@login_required
@require_http_methods(["GET", "POST"])
def points_rule_revise(request: HttpRequest, pk: int) -> HttpResponse:
    rule = Rule.objects.filter(pk=pk).first()
    if rule is None:
        raise Http404
    community = Place.objects.get(pk=rule.community_id)
    if not policies.can(request.user, PointsAction.RULES_MANAGE, community):
        raise Http404
    return _rule_form_page(request, community, rule)
