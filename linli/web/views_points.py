"""Points pages: a resident's points, the award form, the approval queue, the rule catalogue
and the community ledger (with Excel export). Reads through points.selectors, writes through
points.services; outside one's places is 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from linli.audit.services import audit_record
from linli.core.errors import DomainError, NotFound
from linli.core.excel import workbook_bytes
from linli.people import selectors as people_selectors
from linli.people.models import Resident
from linli.places.models import Place
from linli.points import policies, selectors
from linli.points.choices import PostingKind
from linli.points.models import Award, CatalogVersion, Rule
from linli.points.policies import PointsAction
from linli.points.selectors import communities_for
from linli.points.services import (
    award_approve,
    award_reject,
    award_reverse,
    catalog_version_create,
    points_award,
    rule_create,
    rule_revise,
)

from .common.files import serve_stored
from .common.forms import add_domain_error
from .common.params import query_date, query_int, query_text
from .common.scoping import community_from_request
from .forms_points import AwardForm, RejectForm, ReverseForm
from .forms_rules import RuleForm


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
    try:
        resident = selectors.resident_points_for_actor(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    entries = Paginator(selectors.resident_entries(resident), 30).get_page(request.GET.get("page"))
    can_reverse = policies.can(request.user, PointsAction.REVERSE, resident.household)
    return render(
        request,
        "web/points_resident.html",
        {
            "resident": resident,
            "balance": selectors.resident_balance(resident),
            "page": entries,
            "can_reverse": can_reverse,
            "reverse_form": ReverseForm() if can_reverse else None,
        },
    )


def _award_rules(actor: Any, community: Place) -> QuerySet[Rule]:
    return selectors.rules_for_community(community, on=timezone.localdate())


@login_required
@require_http_methods(["GET", "POST"])
def points_award_view(request: HttpRequest) -> HttpResponse:
    may_award = policies.can_anywhere(request.user, PointsAction.AWARD)
    may_propose = policies.can_anywhere(request.user, PointsAction.PROPOSE)
    if not (may_award or may_propose):
        raise Http404
    action = PointsAction.AWARD if may_award else PointsAction.PROPOSE
    community, communities = community_from_request(request, from_lower_grants=True, action=action)
    rules = _award_rules(request.user, community)
    form = AwardForm(request.POST or None, request.FILES or None, rules=rules)
    resident = None
    resident_id = query_int(request.POST, "resident") or query_int(request.GET, "resident")
    if resident_id is not None:
        try:
            resident = people_selectors.resident_get_for_actor(request.user, resident_id)
        except NotFound as exc:
            raise Http404 from exc
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if resident is None:
            form.add_error(None, _("请先选择居民"))
        else:
            try:
                award = points_award(
                    actor=request.user,
                    resident=resident,
                    rule=data["rule"],
                    points=data["points"],
                    idempotency_key=data["idempotency_key"],
                    evidence_note=data["evidence_note"],
                    evidence_file=data["evidence_file"],
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                if award.posting_id:
                    messages.success(
                        request,
                        _("已为 %(name)s 加 %(n)d 分。")
                        % {"name": resident.name, "n": award.points},
                    )
                else:
                    messages.success(
                        request,
                        _("已提交给社区审核：%(name)s +%(n)d 分。")
                        % {"name": resident.name, "n": award.points},
                    )
                return redirect(f"{reverse('web:points_award')}?community={community.pk}")
    return render(
        request,
        "web/points_award.html",
        {
            "form": form,
            "resident": resident,
            "community": community,
            "communities": communities,
            "is_proposal": not may_award,
            "rules": rules,
        },
    )


@login_required
def points_award_search(request: HttpRequest) -> HttpResponse:
    """htmx: residents matching a name, pinyin initials (dzj) or phone tail."""
    if not (
        policies.can_anywhere(request.user, PointsAction.AWARD)
        or policies.can_anywhere(request.user, PointsAction.PROPOSE)
    ):
        raise Http404
    query = query_text(request.GET, "q", limit=40)
    residents = people_selectors.resident_list(request.user, query=query)[:10] if query else []
    return render(request, "web/points_award.html#search", {"residents": residents, "query": query})


@login_required
def points_proposals(request: HttpRequest) -> HttpResponse:
    if policies.can_anywhere(request.user, PointsAction.APPROVE):
        queue = selectors.proposals_for_actor(request.user)
        return render(
            request,
            "web/points_proposals.html",
            {"queue": queue, "reject_form": RejectForm(), "mine": None},
        )
    if policies.can_anywhere(request.user, PointsAction.PROPOSE):
        mine = selectors.proposals_by_leader(request.user)[:100]
        return render(request, "web/points_proposals.html", {"queue": None, "mine": mine})
    raise Http404


@login_required
@require_POST
def points_proposal_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    if decision not in ("approve", "reject"):
        raise Http404
    try:
        award = selectors.award_get_for_approval(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    try:
        if decision == "approve":
            award_approve(actor=request.user, award=award)
            messages.success(request, _("已通过，积分已入账。"))
        else:
            form = RejectForm(request.POST)
            reason = form.data.get("reason", "")
            award_reject(actor=request.user, award=award, reason=str(reason))
            messages.success(request, _("已驳回，楼栋长会看到理由。"))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("web:points_proposals")


@login_required
@require_safe
def points_award_evidence(request: HttpRequest, pk: int) -> HttpResponseBase:
    """An award's evidence (a photo or a PDF), for the community's staff and the proposer."""
    try:
        award = selectors.award_evidence_for_actor(request.user, pk)
    except NotFound:
        raise Http404 from None
    return serve_stored(award.evidence_file.name, download_name=f"award-{award.pk}-evidence")


@login_required
@require_POST
def points_award_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    award = Award.objects.select_related("resident", "resident__household").filter(pk=pk).first()
    if award is None or not policies.can(
        request.user, PointsAction.REVERSE, award.resident.household
    ):
        raise Http404
    try:
        award_reverse(actor=request.user, award=award, reason=request.POST.get("reason", ""))
        messages.success(request, _("已冲正。"))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("web:resident_points", pk=award.resident_id)


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
        "web/points_rules.html",
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
        try:
            version = data["version"] or catalog_version_create(
                actor=request.user,
                community=community,
                decision=data["decision"],
                decided_on=data["decided_on"],
            )
            if rule is None:
                rule_create(actor=request.user, version=version, key=data["key"], **fields)
            else:
                rule_revise(actor=request.user, rule=rule, version=version, **fields)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("积分细则已保存。"))
            return redirect(f"{reverse('web:points_rules')}?community={community.pk}")
    return render(
        request, "web/rule_form.html", {"form": form, "community": community, "rule": rule}
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


@login_required
def points_ledger(request: HttpRequest) -> HttpResponse:
    community, communities = community_from_request(
        request, from_lower_grants=True, action=PointsAction.LEDGER_VIEW
    )
    kind = request.GET.get("kind", "")
    if kind not in PostingKind.values:
        kind = ""
    start, end = query_date(request.GET, "start"), query_date(request.GET, "end")
    query = query_text(request.GET, "q", limit=40)
    postings = selectors.ledger_postings(
        request.user, community, kind=kind, start=start, end=end, query=query
    )
    if request.GET.get("format") == "xlsx":
        return _ledger_xlsx(request, community, postings)
    page = Paginator(postings, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "web/points_ledger.html",
        {
            "community": community,
            "communities": communities,
            "page": page,
            "kinds": PostingKind.choices,
            "kind": kind,
            "start": start,
            "end": end,
            "query": query,
            "params": request.GET.urlencode(),
        },
    )


LEDGER_COLUMNS = [
    "凭证号",
    "时间",
    "类型",
    "居民",
    "手机号",
    "积分",
    "规则",
    "事由",
    "登记人",
    "冲正原凭证",
]


def _ledger_xlsx(request: HttpRequest, community: Place, postings: Any) -> HttpResponse:
    if not policies.can(request.user, PointsAction.EXPORT, community):
        raise Http404
    rows = []
    for posting in postings.iterator(chunk_size=2000):
        for entry in posting.entries.all():
            resident = entry.account.resident
            if resident is None:
                continue
            award = getattr(posting, "award", None)
            rows.append(
                [
                    posting.pk,
                    timezone.localtime(posting.occurred_at),
                    posting.get_kind_display(),
                    resident.name,
                    resident.phone,
                    entry.amount,
                    award.rule.name if award else "",
                    (award.evidence_note if award else posting.memo),
                    posting.created_by.name if posting.created_by else "",
                    posting.reverses_id or "",
                ]
            )
    audit_record(
        actor=request.user, action="points.export", place_id=community.pk, data={"rows": len(rows)}
    )
    body = workbook_bytes(
        LEDGER_COLUMNS, rows, title=_("积分台账"), widths={"时间": 18, "事由": 30, "规则": 16}
    )
    response = HttpResponse(
        body,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"points-ledger-{community.pk}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
