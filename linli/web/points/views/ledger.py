"""The community ledger (积分台账): postings filtered by kind, dates and text, and its Excel
export (staff who may export; every export is audited)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.excel import workbook_bytes
from linli.places.models import Place
from linli.points import policies, selectors
from linli.points.choices import PostingKind
from linli.points.policies import PointsAction
from linli.web.common.params import query_date, query_text
from linli.web.common.scoping import community_from_request


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
        "web/points/points_ledger.html",
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
