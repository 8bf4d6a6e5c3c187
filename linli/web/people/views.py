"""People pages: the place tree, the resident register (list, detail, registering one by
hand, accounts), and the Excel import (upload → preview with every bad row and its reason →
commit all at once) and export. Reads through people.selectors, writes through
people.services; a place or a resident outside one's places is 404."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.activities import policies as activities_policies
from linli.people import policies, selectors
from linli.people.choices import Gender, ResidentGroup
from linli.people.models import ImportStatus, Resident
from linli.people.policies import Action
from linli.people.selectors_imports import (
    import_communities_for,
    resident_import_get_for_actor,
    resident_imports_visible_to,
)
from linli.people.services import account_create, account_reset_password, resident_register
from linli.people.services import imports as import_services
from linli.places.choices import PlaceKind
from linli.places.models import Place
from linli.places.selectors import place_children, places_roots
from linli.points import policies as points_policies
from linli.web.common.door import run_service
from linli.web.common.pages import render_page
from linli.web.common.params import query_int, query_text

from .forms import ResidentForm


@login_required
def place_tree(request: HttpRequest) -> HttpResponse:
    roots = places_roots(places=policies.visible_places(request.user))
    if not roots:
        raise Http404
    if len(roots) == 1:
        return redirect("web:place_detail", pk=roots[0].pk)
    return render(request, "web/people/place_tree.html", {"roots": roots})


@login_required
def place_detail(request: HttpRequest, pk: int) -> HttpResponse:
    place = selectors.place_get_for_actor(request.user, pk)
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
        "web/people/place_detail.html",
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
        place = selectors.place_get_for_actor(request.user, place_id)
    qs = selectors.resident_list(request.user, query=query, place=place, group=group)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    show_phone = policies.can_anywhere(request.user, Action.RESIDENT_VIEW_PHONE)
    can_manage = policies.can_anywhere(request.user, Action.RESIDENT_MANAGE)
    return render_page(
        request,
        "web/people/resident_list.html",
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
    resident = selectors.resident_get_for_actor(request.user, pk)
    household = resident.household
    can_manage = policies.can(request.user, Action.ACCOUNT_MANAGE, household)
    memberships = resident.memberships.order_by("-ended_on", "group")
    teams = resident.team_memberships.select_related("team").filter(left_on__isnull=True)
    return render(
        request,
        "web/people/resident_detail.html",
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
            **_resident_links(request, resident),
        },
    )


def _resident_links(request: HttpRequest, resident: Resident) -> dict[str, bool]:
    """Which of her pages the actor may open (each asked of its area's policy): her points,
    her volunteer record; her matters are a search on the 议事 list, scoped by itself."""
    own = resident.user_id is not None and resident.user_id == request.user.pk
    return {
        "own": own,
        "can_points": own
        or points_policies.can(
            request.user, points_policies.PointsAction.RESIDENT_POINTS_VIEW, resident.household
        ),
        "can_record": activities_policies.can_see_record(request.user, resident),
    }


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
        done = run_service(
            request,
            resident_register,
            form=form,
            ok=lambda resident: _("已登记居民 %(name)s。") % {"name": resident.name},
            building=data["building"],
            unit=data["unit"],
            room=data["room"],
            name=data["name"],
            phone=data["phone"],
            gender=data["gender"] or "",
            birth_year=data["birth_year"],
            moved_in=data["moved_in"],
        )
        if done:
            return redirect("web:resident_detail", pk=done.value.pk)
    return render(request, "web/people/resident_form.html", {"form": form})


@login_required
@require_POST
def resident_account(request: HttpRequest, pk: int) -> HttpResponse:
    """Create an account for a resident, or reset its password. The temporary password is
    shown once, on the next page, to the staff member who handed it over."""
    resident = selectors.resident_get_for_actor(request.user, pk)
    if not policies.can(request.user, Action.ACCOUNT_MANAGE, resident.household):
        raise Http404
    if resident.user_id is None:
        created = run_service(request, account_create, ok=_("账号已开通。"), resident=resident)
        secret = created.value[1] if created else None
    else:
        reset = run_service(
            request, account_reset_password, ok=_("密码已重置。"), user=resident.user
        )
        secret = reset.value if reset else None
    if secret is not None:
        request.session["linli_temp_password"] = secret
    return redirect("web:resident_detail", pk=resident.pk)


# --- the Excel import and export ------------------------------------------------------------

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
            previewed = run_service(
                request,
                import_services.resident_import_preview,
                quiet=True,
                community=chosen,
                file_bytes=upload.read(),
                filename=upload.name or "",
            )
            if previewed:
                return redirect("web:resident_import_preview", pk=previewed.value.pk)
            error = str(previewed.error)
    recent = resident_imports_visible_to(request.user)[:10]
    return render(
        request,
        "web/people/resident_import.html",
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
    imp = resident_import_get_for_actor(request.user, pk)
    if request.method == "POST":
        run_service(
            request,
            import_services.resident_import_commit,
            ok=lambda done: _("已导入 %(n)d 位居民。") % {"n": done.result.get("residents", 0)},
            import_id=imp.pk,
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
    return render(request, "web/people/resident_import_preview.html", context)


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
        place = selectors.place_get_for_actor(request.user, place_id)
    data, _rows = import_services.residents_export_xlsx(actor=request.user, place=place)
    stamp = timezone.localdate().strftime("%Y%m%d")
    label = place.name if place is not None else _("居民")
    return _xlsx_response(data, _("%(label)s名单-%(date)s.xlsx") % {"label": label, "date": stamp})
