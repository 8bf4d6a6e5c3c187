"""Volunteer records: one's own record with the certificate and corrections, staff's hours
pages (a community's volunteers, export, settings, hours added by hand, correction requests),
an evidence file, and the public certificate check (no sign-in)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from linli.activities import policies, selectors, services
from linli.activities.choices import ActivityStatus
from linli.activities.hours import format_hours
from linli.activities.models import Certificate, ServiceHours
from linli.activities.pdf import certificate_pdf, source_label
from linli.activities.policies import ActivityAction
from linli.core.masking import mask_name
from linli.people.models import Resident
from linli.places.choices import PlaceKind
from linli.places.models import Place
from linli.web.common.door import run_service
from linli.web.common.files import serve_stored
from linli.web.common.params import query_date

from ..forms import (
    CorrectionForm,
    HoursAddForm,
    SettingsForm,
    SettleForm,
)


def _record_context(request: HttpRequest, resident: Resident) -> dict[str, Any]:
    lines = list(selectors.record_lines(resident))
    for line in lines:
        line.source = source_label(line)  # type: ignore[attr-defined]
        line.hours_text = format_hours(line.half_hours)  # type: ignore[attr-defined]
    totals = selectors.record_totals(resident)
    own = resident.user_id == request.user.pk
    attended = (
        [
            a
            for a in (m.activity for m in selectors.activities_mine(request.user))
            if a.status == ActivityStatus.CLOSED
        ][:30]
        if own
        else []
    )
    return {
        "resident": resident,
        "lines": lines,
        "totals": totals,
        "total_hours": format_hours(totals.half_hours),
        "corrections": list(selectors.corrections_of(resident)),
        "own": own,
        "is_staff": policies.can(request.user, ActivityAction.RECORDS, resident.household),
        "form": CorrectionForm(),
        "attended": attended,
    }


@login_required
def volunteer_record(request: HttpRequest) -> HttpResponse:
    """My volunteer record: hours, activities, certificate, corrections."""
    residents = policies.own_residents(request.user)
    if not residents:
        raise Http404
    return render(
        request, "web/activities/volunteer_record.html", _record_context(request, residents[0])
    )


@login_required
def volunteer_record_of(request: HttpRequest, pk: int) -> HttpResponse:
    """A volunteer's record, for staff of their community (and themselves)."""
    resident = selectors.record_resident_for_actor(request.user, pk)
    return render(
        request, "web/activities/volunteer_record.html", _record_context(request, resident)
    )


@login_required
@require_POST
def volunteer_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue the certificate of service hours (or reuse the one for an unchanged record),
    then download it. A POST: issuing writes a row, and a GET never writes."""
    resident = selectors.record_resident_for_actor(request.user, pk)
    issued = run_service(request, services.certificate_issue, resident=resident)
    if not issued:
        if resident.user_id == request.user.pk:
            return redirect("web:volunteer_record")
        return redirect("web:volunteer_record_of", pk=pk)
    return redirect("web:volunteer_certificate_pdf", pk=pk, code=issued.value.code)


@login_required
def volunteer_certificate_pdf(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """An issued certificate as A4 PDF (free), for the volunteer and staff."""
    resident = selectors.record_resident_for_actor(request.user, pk)
    cert = Certificate.objects.filter(resident=resident, code=code).first()
    if cert is None:
        raise Http404
    lines = list(selectors.record_lines(resident).filter(pk__lte=cert.last_line_id or 0))
    lines.reverse()
    check = request.build_absolute_uri(reverse("web:volunteer_check") + f"?code={cert.code}")
    body = certificate_pdf(cert, lines, check)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="volunteer-{cert.code}.pdf"'
    return response


def volunteer_check(request: HttpRequest) -> HttpResponse:
    """Public (no sign-in): check a certificate by the code printed on it."""
    raw = request.GET.get("code", "")
    code = selectors.normalise_code(raw)
    cert = None
    error = ""
    newer = False
    if raw.strip():
        if not selectors.is_code(code):
            error = _("核验码应为 12 位字母和数字（如 ABCD-EFGH-JKMN），请核对输入。")
        else:
            cert = selectors.certificate_by_code(code)
            if cert is None:
                error = _(
                    "查无此证明：没有任何证明使用这个核验码。该证明可能是伪造的，或核验码输入有误。"
                )
            else:
                newer = Certificate.objects.filter(
                    resident_id=cert.resident_id, issued_at__gt=cert.issued_at
                ).exists()
    return render(
        request,
        "web/activities/volunteer_check.html",
        {
            "raw": raw[:40],
            "cert": cert,
            "code": selectors.format_code(code) if cert else "",
            "name": mask_name(cert.resident.name) if cert else "",
            "hours": format_hours(cert.half_hours) if cert else "",
            "error": error,
            "newer": newer,
        },
    )


@login_required
@require_POST
def volunteer_correction_new(request: HttpRequest) -> HttpResponse:
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请写明需要更正的内容"))
        return redirect("web:volunteer_record")
    activity = None
    if form.cleaned_data.get("activity"):
        activity = selectors.activity_get_for_actor(request.user, form.cleaned_data["activity"])
    run_service(
        request,
        services.correction_request,
        ok=_("已提交更正申请，社区核实后会通知您"),
        text=form.cleaned_data["text"],
        activity=activity,
    )
    return redirect("web:volunteer_record")


def _records_community(request: HttpRequest) -> tuple[Place, list[Place]]:
    places = policies.places_for(request.user, ActivityAction.RECORDS)
    if not places:
        raise Http404
    q = policies.scope_q(request.user, ActivityAction.RECORDS)
    communities = list(Place.objects.filter(kind=PlaceKind.COMMUNITY).filter(q).order_by("name"))
    if not communities:
        raise Http404
    wanted = request.GET.get("community") or request.POST.get("community") or ""
    chosen = next((c for c in communities if str(c.pk) == wanted), None)
    if wanted and chosen is None:
        raise Http404
    return chosen or communities[0], communities


def _period(request: HttpRequest) -> tuple[dt.date | None, dt.date | None]:
    return query_date(request.GET, "start"), query_date(request.GET, "end")


@login_required
@require_http_methods(["GET", "POST"])
def volunteer_hours(request: HttpRequest) -> HttpResponse:
    """Staff: the community's volunteers and their hours (a period), export, settings."""
    community, communities = _records_community(request)
    start, end = _period(request)
    can_settings = policies.can(request.user, ActivityAction.SETTINGS, community)
    current = selectors.settings_for(community.pk)
    form = SettingsForm(
        request.POST or None,
        initial={
            "min_share_percent": current.min_share_percent,
            "signin_open_minutes": current.signin_open_minutes,
        },
    )
    if request.method == "POST":
        if not can_settings:
            raise Http404
        if form.is_valid():
            saved = run_service(
                request,
                services.activity_settings_update,
                ok=_("已保存"),
                community=community,
                **form.cleaned_data,
            )
            if saved:
                return redirect(reverse("web:volunteer_hours") + f"?community={community.pk}")
    rows = selectors.community_hours(community, start=start, end=end)
    for r in rows:
        r.hours_text = format_hours(r.half_hours)  # type: ignore[attr-defined]
    return render(
        request,
        "web/activities/volunteer_hours.html",
        {
            "community": community,
            "communities": communities,
            "rows": rows,
            "start": start,
            "end": end,
            "open_corrections": selectors.corrections_open(request.user)
            .filter(community=community)
            .count(),
            "settings_form": form if can_settings else None,
            "settings": current,
        },
    )


@login_required
def volunteer_export(request: HttpRequest) -> HttpResponse:
    community, _communities = _records_community(request)
    start, end = _period(request)
    body, _n = services.hours_export_xlsx(
        actor=request.user, community=community, start=start, end=end
    )
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="volunteer-hours-{community.pk}.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def volunteer_hours_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff add hours served but not scanned, with evidence (marked 补录)."""
    resident = selectors.record_resident_for_actor(request.user, pk)
    if not policies.can(request.user, ActivityAction.RECORDS, resident.household):
        raise Http404
    form = HoursAddForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and form.cleaned_data.get("half_hours"):
        d = form.cleaned_data
        added = run_service(
            request,
            services.hours_add,
            form=form,
            ok=_("已补录"),
            resident=resident,
            served_on=d["served_on"],
            title=d["title"],
            half_hours=d["half_hours"],
            evidence_note=d["evidence_note"],
            evidence_file=d.get("evidence_file"),
        )
        if added:
            return redirect("web:volunteer_record_of", pk=resident.pk)
    return render(
        request,
        "web/activities/volunteer_add.html",
        {"form": form, "resident": resident},
        status=400 if form.errors else 200,
    )


@login_required
def volunteer_evidence(request: HttpRequest, pk: int) -> HttpResponseBase:
    """An evidence file, for the volunteer and staff of their community."""
    line = ServiceHours.objects.select_related("resident__household").filter(pk=pk).first()
    if (
        line is None
        or not line.evidence_file
        or not policies.can_see_record(request.user, line.resident)
    ):
        raise Http404
    return serve_stored(line.evidence_file.name, download_name=f"evidence-{line.pk}")


@login_required
def volunteer_corrections(request: HttpRequest) -> HttpResponse:
    """Staff: the open correction requests of their communities, oldest first."""
    if not policies.can_anywhere(request.user, ActivityAction.RECORDS):
        raise Http404
    rows = list(selectors.corrections_open(request.user)[:200])
    return render(request, "web/activities/volunteer_corrections.html", {"rows": rows})


@login_required
@require_POST
def volunteer_correction_settle(request: HttpRequest, pk: int) -> HttpResponse:
    correction = selectors.correction_get_for_staff(request.user, pk)
    form = SettleForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, str(e))
        return redirect("web:volunteer_corrections")
    d = form.cleaned_data
    run_service(
        request,
        services.correction_settle,
        ok=_("已处理"),
        correction=correction,
        accept=d["decision"] == "accept",
        answer=d.get("answer") or "",
        half_hours=d.get("half_hours"),
    )
    return redirect("web:volunteer_corrections")
