"""Excel import and export of residents: upload → preview (every bad row with its reason) →
commit all at once; export of the same columns; a template sheet to fill in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from linli.core.errors import DomainError, NotFound
from linli.people import policies, selectors
from linli.people.choices import Gender, ResidentGroup
from linli.people.models import ImportStatus
from linli.people.policies import Action
from linli.people.selectors_imports import (
    import_communities_for,
    resident_import_get_for_actor,
    resident_imports_visible_to,
)
from linli.people.services import imports as import_services
from linli.places.models import Place

from .common.params import query_int

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW_ROWS = 50
SHOWN_ERRORS = 500


def _xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def resident_import(request: HttpRequest) -> HttpResponse:
    communities = list(import_communities_for(request.user))
    if not communities:
        raise Http404
    if request.method == "GET" and request.GET.get("template"):
        return _xlsx_response(
            import_services.resident_import_template_xlsx(), _("居民导入模板.xlsx")
        )
    error = ""
    chosen: Place | None = communities[0] if len(communities) == 1 else None
    if request.method == "POST":
        community_id = request.POST.get("community", "")
        by_id = {str(c.pk): c for c in communities}
        if len(communities) > 1:
            chosen = by_id.get(community_id)
        upload = request.FILES.get("file")
        max_bytes = int(settings.LINLI_IMPORT_MAX_BYTES)
        if chosen is None:
            error = _("请选择要导入的社区")
        elif upload is None:
            error = _("请选择要上传的 Excel（.xlsx）文件")
        elif upload.size is not None and upload.size > max_bytes:
            error = _("文件太大（%(size).1f MB），单次导入最大 %(max).0f MB") % {
                "size": upload.size / 1024 / 1024,
                "max": max_bytes / 1024 / 1024,
            }
        else:
            try:
                imp = import_services.resident_import_preview(
                    actor=request.user,
                    community=chosen,
                    file_bytes=upload.read(),
                    filename=upload.name or "",
                )
            except DomainError as exc:
                error = str(exc)
            else:
                return redirect("web:resident_import_preview", pk=imp.pk)
    recent = resident_imports_visible_to(request.user)[:10]
    return render(
        request,
        "web/resident_import.html",
        {
            "communities": communities,
            "chosen": chosen,
            "error": error,
            "recent": recent,
            "columns": import_services.COLUMNS,
            "required": import_services.REQUIRED,
            "max_rows": settings.LINLI_IMPORT_MAX_ROWS,
            "max_mb": int(settings.LINLI_IMPORT_MAX_BYTES) // (1024 * 1024),
        },
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def resident_import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        imp = resident_import_get_for_actor(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    if request.method == "POST":
        try:
            done = import_services.resident_import_commit(actor=request.user, import_id=imp.pk)
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("已导入 %(n)d 位居民。") % {"n": done.result.get("residents", 0)},
            )
        return redirect("web:resident_import_preview", pk=imp.pk)
    context: dict[str, Any] = {
        "imp": imp,
        "errors": imp.errors[:SHOWN_ERRORS],
        "more_errors": max(len(imp.errors) - SHOWN_ERRORS, 0),
        "sample": [
            {
                **row,
                "group_labels": [ResidentGroup(g).label for g in row.get("groups", [])],
                "gender_label": Gender(row["gender"]).label if row.get("gender") else "",
            }
            for row in imp.rows[:PREVIEW_ROWS]
        ],
        "can_commit": imp.status == ImportStatus.PREVIEWED and not imp.errors,
        "committed": imp.status == ImportStatus.COMMITTED,
    }
    return render(request, "web/resident_import_preview.html", context)


@login_required
@require_GET
def resident_export(request: HttpRequest) -> HttpResponse:
    if not policies.can_anywhere(request.user, Action.RESIDENT_EXPORT):
        raise Http404
    place = None
    if request.GET.get("place", ""):
        place_id = query_int(request.GET, "place")
        if place_id is None:
            raise Http404
        try:
            place = selectors.place_get_for_actor(request.user, place_id)
        except NotFound as exc:
            raise Http404 from exc
    try:
        data, _rows = import_services.residents_export_xlsx(actor=request.user, place=place)
    except NotFound as exc:
        raise Http404 from exc
    stamp = timezone.localdate().strftime("%Y%m%d")
    label = place.name if place is not None else _("居民")
    return _xlsx_response(data, _("%(label)s名单-%(date)s.xlsx") % {"label": label, "date": stamp})
