"""好差评 and 办不成事 pages: the raiser's rating form (five large choices), the handlers'
rectification and appeal forms, the resident's 办不成事 form, and the supervisors' queues
(办不成事 and appeals). Reads through matters.selectors_ratings, writes through the ratings
and flags services. A page that is not one's own to use answers 404 (never 403); a refused
step comes back as a message and changes nothing.

Confidentiality: nothing a handler's page renders names who rated (``RatingView`` carries no
rater). Only the supervisors' appeals queue shows the rater, to the supervisors who decide.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from linli.core.quarters import local_date
from linli.matters import policies, selectors, workflows
from linli.matters import selectors_ratings as rs
from linli.matters.models import (
    Matter,
    Rating,
    RatingAppeal,
    Rectification,
    RectificationState,
    Referral,
)
from linli.matters.services import flags as flag_services
from linli.matters.services import ratings as rating_services
from linli.web.common.door import run_service
from linli.web.common.redirects import safe_next

from ..forms import (
    AppealDecideForm,
    AppealForm,
    FlagAnswerForm,
    FlagForm,
    RatingForm,
    RectificationForm,
    VisitForm,
    first_error,
)


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """Back to the page the form was on (a local path only), else ``default``."""
    return redirect(safe_next(request, default, target=request.POST.get("next", "")))


# --- rating ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def rating_give(request: HttpRequest, pk: int) -> HttpResponse:
    """The raiser rates the handling (or the last rectification) of a done matter."""
    matter = selectors.matter_get_for_actor(request.user, pk)
    if workflows.RAISER not in policies.actor_kinds(request.user, matter):
        raise Http404
    form = RatingForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            rated = run_service(
                request,
                rating_services.rating_give,
                ok=lambda rating: (
                    _("谢谢您的评价。社区会尽快整改，并上门或电话回访您。")
                    if rating.is_bad
                    else _("谢谢您的评价！")
                ),
                matter=matter,
                level=form.cleaned_data["level"],
                comment=form.cleaned_data["comment"],
            )
            if rated:
                return redirect("web:matter_detail", pk=matter.pk)
        else:
            messages.error(request, first_error(form))
        return redirect("web:matter_detail", pk=matter.pk)
    return render(
        request,
        "web/matters/rating_give.html",
        {
            "matter": matter,
            "form": form,
            "can_rate": rs.can_rate(request.user, matter),
            "round": rs.rating_round(matter),
        },
    )


# --- rectification ---------------------------------------------------------------------------


def _rectification(request: HttpRequest, pk: int) -> tuple[Matter, Rectification]:
    """The rectification and its matter, if the user may put it right; else 404."""
    rect = Rectification.objects.filter(pk=pk).select_related("rating").first()
    if rect is None:
        raise Http404
    matter = selectors.matter_get_for_actor(request.user, rect.matter_id)
    if not rs.rectifier_kinds(request.user, matter, rect):
        raise Http404
    return matter, rect


@login_required
@require_http_methods(["GET", "POST"])
def rating_rectify(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff or the handling department report the rectification done, with the return
    visit. The rating is shown without its rater."""
    matter, rect = _rectification(request, pk)
    form = RectificationForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            done = run_service(
                request,
                rating_services.rectification_done,
                ok=_("已记录整改，已请居民评价整改结果"),
                rectification=rect,
                note=form.cleaned_data["note"],
                return_visit=form.cleaned_data["return_visit"],
            )
            if done:
                return redirect("web:matter_detail", pk=matter.pk)
        else:
            messages.error(request, first_error(form))
    summary = rs.ratings_summary(matter, request.user)
    rating = next((r for r in summary.rows if r.pk == rect.rating_id), None)
    return render(
        request,
        "web/matters/rating_rectify.html",
        {
            "matter": matter,
            "rect": rect,
            "rating": rating,
            "overdue": rect.state == RectificationState.OPEN
            and rect.due_on < local_date(timezone.now()),
            "form": form,
            "visit_form": VisitForm(),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@login_required
@require_POST
def rating_visit(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a return visit on its own."""
    matter, rect = _rectification(request, pk)
    form = VisitForm(request.POST)
    if form.is_valid():
        run_service(
            request,
            rating_services.rectification_visit,
            ok=_("已记录回访"),
            rectification=rect,
            text=form.cleaned_data["text"],
        )
    else:
        messages.error(request, first_error(form))
    return _back(request, reverse("web:matter_detail", args=[matter.pk]))


# --- appeals ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def appeal_new(request: HttpRequest, pk: int) -> HttpResponse:
    """A handler appeals a bad rating as mistaken or malicious. The page shows the rating
    (level, comment, date) but never who gave it."""
    found = Rating.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    matter = selectors.matter_get_for_actor(request.user, found.matter_id)
    if not rs.handler_kind(request.user, matter, found):
        raise Http404
    form = AppealForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            filed = run_service(
                request,
                rating_services.appeal_file,
                ok=_("申诉已提交，等待街道督办裁定"),
                rating=found,
                reason=form.cleaned_data["reason"],
                text=form.cleaned_data["text"],
            )
            if filed:
                return redirect("web:matter_detail", pk=matter.pk)
        else:
            messages.error(request, first_error(form))
    summary = rs.ratings_summary(matter, request.user)
    rating = next(r for r in summary.rows if r.pk == found.pk)
    return render(
        request,
        "web/matters/rating_appeal.html",
        {"matter": matter, "rating": rating, "form": form},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@login_required
def appeal_queue(request: HttpRequest) -> HttpResponse:
    """The supervisors' appeals: pending ones with the decide form, then the last decided.
    The supervisor sees who rated (to judge a malicious rating); nobody else does."""
    if not rs.supervises(request.user):
        raise Http404
    pending = rs.appeals_pending(request.user)
    raters = rs.appeal_raters(pending)
    for a in pending:
        a.rater = raters[a.pk]  # type: ignore[attr-defined]
        a.level_label = a.rating.get_level_display()  # type: ignore[attr-defined]
    return render(
        request,
        "web/matters/rating_appeals.html",
        {
            "pending": pending,
            "decided": rs.appeals_decided(request.user),
            "form": AppealDecideForm(),
        },
    )


@login_required
@require_POST
def appeal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    appeal: RatingAppeal | None = rs.appeal_get_for_supervisor(request.user, pk)
    if appeal is None:
        raise Http404
    form = AppealDecideForm(request.POST)
    if form.is_valid():
        run_service(
            request,
            rating_services.appeal_decide,
            ok=_("已裁定"),
            appeal=appeal,
            upheld=form.cleaned_data["outcome"] == "upheld",
            decision=form.cleaned_data["decision"],
        )
    else:
        messages.error(request, first_error(form))
    return redirect("web:appeal_queue")


# --- 办不成事 -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def flag_new(request: HttpRequest, pk: int) -> HttpResponse:
    """A resident who sees the matter says it could not get done; the street answers."""
    matter = selectors.matter_get_for_actor(request.user, pk)
    if not policies.own_residents(request.user):
        raise Http404
    form = FlagForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            raised = run_service(
                request,
                flag_services.flag_raise,
                ok=lambda flag: (
                    _("已转给%(street)s督办，%(due)s 前会答复您。谢谢您的监督！")
                    % {"street": flag.street.name, "due": flag.due_on.isoformat()}
                ),
                matter=matter,
                text=form.cleaned_data["text"],
            )
            if raised:
                return redirect("web:matter_detail", pk=matter.pk)
        else:
            messages.error(request, first_error(form))
    return render(
        request,
        "web/matters/flag_new.html",
        {
            "matter": matter,
            "form": form,
            "open_flag": rs.has_open_flag(matter, request.user),
            "age": selectors.matter_age_text(matter),
            "street": rs.street_of(matter),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@login_required
def flag_queue(request: HttpRequest) -> HttpResponse:
    """The supervisors' 办不成事 queue for their street(s): open first, overdue marked, each
    with its matter's timeline link, age, due date and the answer form."""
    if not rs.supervises(request.user):
        raise Http404
    rows = rs.flag_queue(request.user)
    referrals: dict[int, list[Referral]] = {f.matter_id: [] for f in rows}
    for r in (
        Referral.objects.filter(matter_id__in=list(referrals))
        .select_related("department")
        .order_by("-referred_at", "-lead", "id")
    ):
        referrals[r.matter_id].append(r)
    for f in rows:
        f.matter_age = selectors.matter_age_text(  # type: ignore[attr-defined]
            f.matter, referrals=referrals[f.matter_id]
        )
    return render(
        request,
        "web/matters/flag_queue.html",
        {
            "open_rows": [f for f in rows if f.state == "open"],
            "answered": [f for f in rows if f.state != "open"],
            "form": FlagAnswerForm(),
        },
    )


@login_required
@require_POST
def flag_answer(request: HttpRequest, pk: int) -> HttpResponse:
    flag = rs.flag_get_for_supervisor(request.user, pk)
    if flag is None:
        raise Http404
    form = FlagAnswerForm(request.POST)
    if form.is_valid():
        run_service(
            request,
            flag_services.flag_answer,
            ok=_("已答复，反映人会收到通知"),
            flag=flag,
            answer=form.cleaned_data["answer"],
        )
    else:
        messages.error(request, first_error(form))
    return _back(request, reverse("web:flag_queue"))
