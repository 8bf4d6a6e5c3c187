"""一季度一公示 pages.

Public (no sign-in): a published or final list (masked names only), its A4 PDF, its masked
Excel, and the check page that finds a final list by the digest printed on the notice.
Residents of the community, signed in, may object to a line during the public period.
Staff of the community: the publications of their communities, create for a quarter,
recompute / publish / republish / finalize, the objection queue with settle forms, and the
unmasked Excel (audited). Reads through points selectors, writes through points services;
drafts and other communities' staff pages are 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from linli.audit.services import audit_record
from linli.core.actors import Actor
from linli.core.excel import workbook_bytes
from linli.people.models import Resident
from linli.points import policies
from linli.points import selectors_publication as sel
from linli.points.choices import ObjectionStatus, PublicationStatus, RuleCategory
from linli.points.models import Objection, Publication, PublicationLine
from linli.points.pdf_publication import publication_pdf, quarter_label
from linli.points.policies import PointsAction
from linli.points.selectors import communities_for
from linli.points.services.publication import (
    objection_raise,
    objection_settle,
    publication_create,
    publication_finalize,
    publication_publish,
    publication_recompute,
    publication_republish,
    publication_verify,
)
from linli.web.common.door import run_service

from .final_cache import final_public
from .forms import CreateForm, ObjectionForm, SettleForm

LINES_PER_PAGE = 100


# --- helpers ---------------------------------------------------------------------------------


def _is_staff(actor: Actor, publication: Publication) -> bool:
    return policies.can(actor, PointsAction.PUBLISH, publication.community)


def _staff_publication(request: HttpRequest, pk: int) -> Publication:
    publication = sel.publication_for_staff(request.user, pk)
    if publication is None:
        raise Http404
    return publication


def _public_publication(request: HttpRequest, pk: int) -> Publication:
    """Published or final: anyone. A draft: only staff of its community."""
    publication = Publication.objects.select_related("community").filter(pk=pk).first()
    if publication is None:
        raise Http404
    if publication.status == PublicationStatus.DRAFT and not _is_staff(request.user, publication):
        raise Http404
    return publication


def _title(publication: Publication) -> str:
    return _("%(community)s %(quarter)s积分公示") % {
        "community": publication.community.name,
        "quarter": quarter_label(publication),
    }


def _categories(lines: QuerySet[PublicationLine] | list[Any]) -> list[tuple[str, str]]:
    present: set[str] = set()
    for line in lines:
        present.update(line.by_category)
    return [(v, str(label)) for v, label in RuleCategory.choices if v in present]


def _all_categories(publication: Publication) -> list[tuple[str, str]]:
    return _categories(
        list(PublicationLine.objects.filter(publication=publication).only("by_category"))
    )


def _rows(page_lines: Any, cats: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [
        {"line": line, "cells": [(label, line.by_category.get(v, "")) for v, label in cats]}
        for line in page_lines
    ]


def _objector(request: HttpRequest, publication: Publication) -> Resident | None:
    """The signed-in resident of the publication's community, if the list takes objections."""
    if not request.user.is_authenticated or publication.status != PublicationStatus.PUBLIC:
        return None
    if publication.public_until is None or timezone.now() >= publication.public_until:
        return None
    return Resident.objects.filter(
        user_id=request.user.pk,
        household__community_id=publication.community_id,
        moved_out__isnull=True,
    ).first()


def _check_url(request: HttpRequest, publication: Publication) -> str:
    url = reverse("web:publication_check")
    if publication.status == PublicationStatus.FINAL:
        url += f"?digest={publication.digest}"
    return request.build_absolute_uri(url)


# --- public pages ----------------------------------------------------------------------------


def publication_index(request: HttpRequest) -> HttpResponse:
    """Every published or final list, newest first (no sign-in)."""
    publications = sel.public_publications().order_by("-year", "-quarter", "community__name")
    page = Paginator(publications, 50).get_page(request.GET.get("page"))
    return render(request, "web/publication/publication_index.html", {"page": page})


def publication_public(request: HttpRequest, pk: int) -> HttpResponse:
    publication = Publication.objects.select_related("community").filter(pk=pk).first()
    if publication is None or publication.status == PublicationStatus.DRAFT:
        raise Http404
    if publication.status == PublicationStatus.FINAL:
        return final_public(request, publication, _public_context)
    return render(
        request,
        "web/publication/publication_public.html",
        _public_context(request, publication, request.GET.get("page")),
    )


def _public_context(
    request: HttpRequest, publication: Publication, page_number: int | str | None
) -> dict[str, Any]:
    lines = PublicationLine.objects.filter(publication=publication).order_by("position")
    page = Paginator(lines, LINES_PER_PAGE).get_page(page_number)
    cats = _all_categories(publication)
    objector = _objector(request, publication)
    return {
        "publication": publication,
        "title": _title(publication),
        "quarter": quarter_label(publication),
        "last_day": publication.period_end - dt.timedelta(days=1),
        "page": page,
        "rows": _rows(page.object_list, cats),
        "cats": cats,
        "can_object": objector is not None,
        "is_staff": _is_staff(request.user, publication),
        "verified": publication_verify(publication)
        if publication.status == PublicationStatus.FINAL
        else None,
    }


@login_required
@require_http_methods(["GET", "POST"])
def publication_object(request: HttpRequest, pk: int, position: int) -> HttpResponse:
    publication = Publication.objects.select_related("community").filter(pk=pk).first()
    if publication is None or publication.status == PublicationStatus.DRAFT:
        raise Http404
    line = PublicationLine.objects.filter(publication=publication, position=position).first()
    if line is None:
        raise Http404
    form = ObjectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        subject = Resident.objects.get(pk=line.resident_id)
        raised = run_service(
            request,
            objection_raise,
            form=form,
            ok=_("异议已提交，社区工作人员会核实处理。"),
            publication=publication,
            subject_resident=subject,
            reason=form.cleaned_data["reason"],
        )
        if raised:
            return redirect("web:publication_public", pk=publication.pk)
    return render(
        request,
        "web/publication/publication_object.html",
        {
            "publication": publication,
            "title": _title(publication),
            "line": line,
            "cats": [(label, line.by_category.get(v, "")) for v, label in _categories([line])],
            "form": form,
            "open": _objector(request, publication) is not None,
        },
    )


def publication_check(request: HttpRequest) -> HttpResponse:
    """Check a printed notice: the digest (typed, or from the QR code's ?digest=)."""
    raw = request.GET.get("digest", "")
    digest = sel.normalise_digest(raw)
    publication = None
    error = ""
    lines = None
    cats: list[tuple[str, str]] = []
    if raw.strip():
        if not sel.is_digest(digest):
            error = _(
                "摘要应为 64 位十六进制字符（0–9、a–f），请核对输入；"
                "如与公示上印的不符，该公示可能被改动过。"
            )
        else:
            publication = sel.publication_by_digest(digest)
            if publication is None:
                error = _(
                    "没有任何定稿名单的摘要与此一致：这份纸质公示可能被改动过，或者不是定稿。"
                    "请以社区公布的定稿名单为准，或向社区核实。"
                )
            else:
                lines = Paginator(
                    PublicationLine.objects.filter(publication=publication).order_by("position"),
                    LINES_PER_PAGE,
                ).get_page(request.GET.get("page"))
                cats = _all_categories(publication)
    return render(
        request,
        "web/publication/publication_check.html",
        {
            "raw": raw[:200],
            "digest": digest,
            "publication": publication,
            "title": _title(publication) if publication else "",
            "quarter": quarter_label(publication) if publication else "",
            "error": error,
            "page": lines,
            "rows": _rows(lines.object_list, cats) if lines else [],
            "cats": cats,
            "verified": publication_verify(publication) if publication else None,
        },
        status=200,
    )


def publication_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    publication = _public_publication(request, pk)
    lines = sel.stored_lines(publication)
    body = publication_pdf(publication, lines, _check_url(request, publication))
    response = HttpResponse(body, content_type="application/pdf")
    name = f"points-{publication.community_id}-{publication.year}Q{publication.quarter}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def publication_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """Masked for anyone who may see the list; unmasked (real names) only for staff of the
    community, and every unmasked export is written to the audit log."""
    publication = _public_publication(request, pk)
    unmasked = policies.can(request.user, PointsAction.EXPORT, publication.community)
    cats = _all_categories(publication)
    lines = list(PublicationLine.objects.filter(publication=publication).order_by("position"))
    columns = [_("序号"), _("公示姓名")]
    names: dict[int, str] = {}
    if unmasked:
        columns.append(_("姓名"))
        names = dict(
            Resident.objects.filter(pk__in=[x.resident_id for x in lines]).values_list("pk", "name")
        )
    columns += [_("楼栋"), *(label for _v, label in cats), _("本季度获得"), _("季度末余额")]
    rows = []
    for line in lines:
        row: list[Any] = [line.position, line.display_name]
        if unmasked:
            row.append(names.get(line.resident_id, ""))
        row += [line.building, *(line.by_category.get(v, 0) for v, _l in cats)]
        row += [line.earned, line.balance]
        rows.append(row)
    if unmasked:
        audit_record(
            actor=request.user,
            action="points.publication_export",
            target=publication,
            place_id=publication.community_id,
            data={"rows": len(rows), "unmasked": True},
        )
    body = workbook_bytes(
        columns,
        rows,
        title=f"{publication.year}Q{publication.quarter}",
        widths={_("楼栋"): 20, _("公示姓名"): 12},
    )
    response = HttpResponse(
        body,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    kind = "staff" if unmasked else "public"
    name = f"points-{publication.community_id}-{publication.year}Q{publication.quarter}-{kind}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- staff pages -----------------------------------------------------------------------------


def _count(qs: QuerySet[Any]) -> Subquery:
    return Subquery(
        qs.order_by().values("publication").annotate(n=Count("pk")).values("n")[:1],
        output_field=IntegerField(),
    )


def _last_quarter() -> tuple[int, int]:
    today = timezone.localdate()
    q = (today.month - 1) // 3 + 1
    return (today.year, q - 1) if q > 1 else (today.year - 1, 4)


@login_required
@require_http_methods(["GET", "POST"])
def publication_list(request: HttpRequest) -> HttpResponse:
    communities = communities_for(request.user, PointsAction.PUBLISH)
    if not communities.exists():
        raise Http404
    year, quarter = _last_quarter()
    form = CreateForm(
        request.POST or None,
        communities=communities,
        initial={"community": communities.first(), "year": year, "quarter": quarter},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = run_service(
            request,
            publication_create,
            form=form,
            ok=_("已建立草稿，请核对名单后公示。"),
            community=data["community"],
            year=data["year"],
            quarter=data["quarter"],
        )
        if created:
            return redirect("web:publication_detail", pk=created.value.pk)
    publications = sel.publications_for_staff(request.user).annotate(
        open_objections=_count(
            Objection.objects.filter(publication=OuterRef("pk"), status=ObjectionStatus.OPEN)
        ),
        line_count=_count(PublicationLine.objects.filter(publication=OuterRef("pk"))),
    )
    return render(
        request,
        "web/publication/publication_list.html",
        {"publications": publications, "form": form},
    )


@login_required
def publication_detail(request: HttpRequest, pk: int) -> HttpResponse:
    publication = _staff_publication(request, pk)
    lines = PublicationLine.objects.filter(publication=publication).order_by("position")
    page = Paginator(lines, LINES_PER_PAGE).get_page(request.GET.get("page"))
    cats = _all_categories(publication)
    objections = Objection.objects.filter(publication=publication)
    now = timezone.now()
    return render(
        request,
        "web/publication/publication_detail.html",
        {
            "publication": publication,
            "title": _title(publication),
            "quarter": quarter_label(publication),
            "last_day": publication.period_end - dt.timedelta(days=1),
            "page": page,
            "rows": _rows(page.object_list, cats),
            "cats": cats,
            "open_objections": objections.filter(status=ObjectionStatus.OPEN).count(),
            "all_objections": objections.count(),
            "period_over": publication.public_until is not None and now >= publication.public_until,
            "can_export": policies.can(request.user, PointsAction.EXPORT, publication.community),
        },
    )


ACTIONS: dict[str, tuple[Callable[..., Publication], Any]] = {
    "recompute": (publication_recompute, gettext_lazy("已按积分账本重新计算草稿。")),
    "publish": (publication_publish, gettext_lazy("名单已公示。")),
    "republish": (publication_republish, gettext_lazy("已按更正后的账本重新公示。")),
    "finalize": (publication_finalize, gettext_lazy("名单已定稿，兑换期已开始。")),
}


@login_required
@require_POST
def publication_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    publication = _staff_publication(request, pk)
    service, done = ACTIONS[action]
    run_service(request, service, ok=done, publication=publication)
    return redirect("web:publication_detail", pk=publication.pk)


@login_required
def publication_objections(request: HttpRequest, pk: int) -> HttpResponse:
    publication = _staff_publication(request, pk)
    objections = list(
        Objection.objects.filter(publication=publication)
        .select_related("subject", "objector", "settled_by", "publication")
        .order_by("status", "created_at")
    )
    lines = {
        line.resident_id: line
        for line in PublicationLine.objects.filter(
            publication=publication, resident_id__in=[o.subject_id for o in objections]
        )
    }
    items = [
        {
            "objection": o,
            "line": lines.get(o.subject_id),
            "form": SettleForm(objection=o) if o.status == ObjectionStatus.OPEN else None,
        }
        for o in objections
    ]
    return render(
        request,
        "web/publication/publication_objections.html",
        {"publication": publication, "title": _title(publication), "items": items},
    )


@login_required
@require_POST
def objection_settle_view(request: HttpRequest, pk: int) -> HttpResponse:
    objection = Objection.objects.select_related("publication__community").filter(pk=pk).first()
    if objection is None or not _is_staff(request.user, objection.publication):
        raise Http404
    form = SettleForm(request.POST, objection=objection)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                label = form.fields[field].label if field in form.fields else ""
                messages.error(request, f"{label}：{error}" if label else str(error))
    else:
        run_service(
            request,
            objection_settle,
            ok=_("异议已处理。如有更正，请重新公示名单。"),
            objection=objection,
            upheld=form.cleaned_data["upheld"],
            response=form.cleaned_data["response"],
            correction=form.correction() if form.cleaned_data["upheld"] else None,
        )
    return redirect("web:publication_objections", pk=objection.publication_id)
