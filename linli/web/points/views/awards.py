"""Giving points: the award form (staff award, building leaders propose), the approval queue,
a resident's points with reversal, and an award's evidence. Reads through points.selectors,
writes through points.services; outside one's places is 404."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from linli.people import selectors as people_selectors
from linli.people.models import Resident
from linli.points import policies, selectors
from linli.points.models import Award
from linli.points.policies import PointsAction
from linli.points.services import award_approve, award_reject, award_reverse, points_award
from linli.web.common.door import run_service
from linli.web.common.files import serve_stored
from linli.web.common.params import query_int, query_text
from linli.web.common.scoping import community_from_request

from ..forms import AwardForm, RejectForm, ReverseForm

# A second award by the same person to the same resident within this time is asked about.
REPEAT_MINUTES = 10
REPEAT_WINDOW = dt.timedelta(minutes=REPEAT_MINUTES)


@login_required
def points_home(request: HttpRequest) -> HttpResponse:
    if policies.can_anywhere(request.user, PointsAction.LEDGER_VIEW):
        return redirect("web:points_ledger")
    if policies.can_anywhere(request.user, PointsAction.PROPOSE):
        return redirect("web:points_award")
    resident = Resident.objects.filter(user_id=request.user.pk or 0).first()
    if resident is None:
        raise Http404
    return redirect("web:resident_points", pk=resident.pk)


@login_required
def resident_points(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_points_for_actor(request.user, pk)
    entries = Paginator(selectors.resident_entries(resident), 30).get_page(request.GET.get("page"))
    can_reverse = policies.can(request.user, PointsAction.REVERSE, resident.household)
    return render(
        request,
        "web/points/points_resident.html",
        {
            "resident": resident,
            "balance": selectors.resident_balance(resident),
            "page": entries,
            "can_reverse": can_reverse,
            "reverse_form": ReverseForm() if can_reverse else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def points_award_view(request: HttpRequest) -> HttpResponse:
    """Staff award points at once; a building leader's award is a proposal (one policy answer,
    ``award_mode``, for the page and the service)."""
    mode = policies.award_mode(request.user, policies.ANYWHERE)
    if mode is None:
        raise Http404
    community, communities = community_from_request(request, from_lower_grants=True, action=mode)
    rules = selectors.rules_usable(community, mode, on=timezone.localdate())
    form = AwardForm(request.POST or None, request.FILES or None, rules=rules)
    resident = None
    resident_id = query_int(request.POST, "resident") or query_int(request.GET, "resident")
    if resident_id is not None:
        resident = people_selectors.resident_get_for_actor(request.user, resident_id)
    repeat = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if resident is None:
            form.add_error(None, _("请先选择居民"))
        elif not selectors.award_key_used(data["idempotency_key"]) and not data["confirm_repeat"]:
            repeat = selectors.recent_award_by(
                request.user, resident, since=timezone.now() - REPEAT_WINDOW
            )
        if repeat is not None:
            form.add_error(
                None,
                _(
                    "%(minutes)s 分钟内你已为 %(name)s 加过 %(n)s 分（%(rule)s）。如果是返回后"
                    "重复提交，不用再提交；如果这是另一件事，请勾选“确认再加一次”后提交。"
                )
                % {
                    "minutes": REPEAT_MINUTES,
                    "name": repeat.resident.name,
                    "n": repeat.points,
                    "rule": repeat.rule.name,
                },
            )
        elif resident is not None and not form.errors:
            name = resident.name
            done = run_service(
                request,
                points_award,
                form=form,
                once=True,  # an exact replay of the form says so once
                ok=lambda award: (
                    (
                        _("已为 %(name)s 加 %(n)d 分。")
                        if award.posting_id
                        else _("已提交给社区审核：%(name)s +%(n)d 分。")
                    )
                    % {"name": name, "n": award.points}
                ),
                resident=resident,
                rule=data["rule"],
                points=data["points"],
                idempotency_key=data["idempotency_key"],
                evidence_note=data["evidence_note"],
                evidence_file=data["evidence_file"],
            )
            if done:
                return redirect(f"{reverse('web:points_award')}?community={community.pk}")
    return render(
        request,
        "web/points/points_award.html",
        {
            "form": form,
            "resident": resident,
            "community": community,
            "communities": communities,
            "is_proposal": mode == PointsAction.PROPOSE,
            "rules": rules,
            "repeat": repeat,
        },
    )


@login_required
def points_award_search(request: HttpRequest) -> HttpResponse:
    """htmx: residents matching a name, pinyin initials (dzj) or phone tail."""
    if policies.award_mode(request.user, policies.ANYWHERE) is None:
        raise Http404
    query = query_text(request.GET, "q", limit=40)
    residents = people_selectors.resident_list(request.user, query=query)[:10] if query else []
    return render(
        request, "web/points/points_award.html#search", {"residents": residents, "query": query}
    )


@login_required
def points_proposals(request: HttpRequest) -> HttpResponse:
    if policies.can_anywhere(request.user, PointsAction.APPROVE):
        queue = selectors.proposals_for_actor(request.user)
        return render(
            request,
            "web/points/points_proposals.html",
            {"queue": queue, "reject_form": RejectForm(), "mine": None},
        )
    if policies.can_anywhere(request.user, PointsAction.PROPOSE):
        mine = selectors.proposals_by_leader(request.user)[:100]
        return render(request, "web/points/points_proposals.html", {"queue": None, "mine": mine})
    raise Http404


@login_required
@require_POST
def points_proposal_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    if decision not in ("approve", "reject"):
        raise Http404
    award = selectors.award_get_for_approval(request.user, pk)
    if decision == "approve":
        run_service(request, award_approve, ok=_("已通过，积分已入账。"), award=award)
    else:
        reason = RejectForm(request.POST).data.get("reason", "")
        run_service(
            request,
            award_reject,
            ok=_("已驳回，楼栋长会看到理由。"),
            award=award,
            reason=str(reason),
        )
    return redirect("web:points_proposals")


@login_required
@require_safe
def points_award_evidence(request: HttpRequest, pk: int) -> HttpResponseBase:
    """An award's evidence (a photo or a PDF), for the community's staff and the proposer."""
    award = selectors.award_evidence_for_actor(request.user, pk)
    return serve_stored(award.evidence_file.name, download_name=f"award-{award.pk}-evidence")


@login_required
@require_POST
def points_award_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    award = Award.objects.select_related("resident", "resident__household").filter(pk=pk).first()
    if award is None or not policies.can(
        request.user, PointsAction.REVERSE, award.resident.household
    ):
        raise Http404
    run_service(
        request,
        award_reverse,
        ok=_("已冲正。"),
        award=award,
        reason=request.POST.get("reason", ""),
    )
    return redirect("web:resident_points", pk=award.resident_id)
