"""Matter pages (三级议事): raise a matter on a phone, the matter with its timeline and the
steps one may take, and the queues per role. Reads through matters.selectors, writes through
matters.services; a matter outside one's places is 404."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from linli.core.actors import Actor
from linli.core.errors import DomainError
from linli.core.masking import mask_name
from linli.core.text import parse_int
from linli.matters import policies, selectors, services, workflows
from linli.matters.choices import (
    OPEN_STATES,
    MatterAction,
    MatterKind,
    MatterLevel,
    MatterSource,
    MatterState,
    ReferralKind,
)
from linli.matters.models import Matter, MatterPhoto, Referral
from linli.matters.selectors_search import (
    STATE_GROUPS,
    TEXT_LIMIT,
    MatterSearch,
    matter_search,
    search_places,
)
from linli.matters.texts import DEPARTMENT_ACTOR
from linli.people import selectors as people_selectors
from linli.people.models import Department, Resident
from linli.places.models import Place
from linli.web.common.door import run_service
from linli.web.common.files import serve_stored
from linli.web.common.middleware import allow_features
from linli.web.common.pages import map_settings
from linli.web.common.params import query_date, query_int, query_text

# Steps with a button on the matter page (the rest come with meetings, referrals, ratings).
BUTTONS = [
    MatterAction.ACCEPT,
    MatterAction.SETTLE,
    MatterAction.ESCALATE,
    MatterAction.DECIDE,
    MatterAction.DECLINE,
    MatterAction.MERGE,
    MatterAction.REOPEN,
    MatterAction.CLOSE,
    MatterAction.WITHDRAW,
]
NEEDS_TEXT = {
    MatterAction.SETTLE: gettext_lazy("怎么办结的"),
    MatterAction.ESCALATE: gettext_lazy("上报理由"),
    MatterAction.DECIDE: gettext_lazy("决定内容（向居民公开）"),
    MatterAction.DECLINE: gettext_lazy("不予受理的理由"),
    MatterAction.REOPEN: gettext_lazy("重新打开的理由"),
}


def _sources(user: Actor) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if policies.own_residents(user):
        out.append((MatterSource.RESIDENT, str(MatterSource.RESIDENT.label)))
    if policies.can_anywhere(user, policies.MatterAction.RAISE_FOR):
        out.append((MatterSource.LEADER, str(MatterSource.LEADER.label)))
    if policies.can_anywhere(user, policies.MatterAction.ENTER):
        out.append((MatterSource.GROUP, str(MatterSource.GROUP.label)))
        out.append((MatterSource.VISIT, str(MatterSource.VISIT.label)))
    return out


def _read_search(request: HttpRequest, places: list[Place]) -> MatterSearch:
    """The search form's fields from the query string; a value the page does not offer is
    treated as absent (never handed to the database as it came)."""
    params = request.GET

    def choice(name: str, allowed: Any) -> str:
        value = str(params.get(name) or "")[:20]
        return value if value in allowed else ""

    place_id = query_int(params, "place")
    start, end = query_date(params, "start"), query_date(params, "end")
    if start and end and end < start:
        start, end = end, start
    return MatterSearch(
        text=query_text(params, "q", limit=TEXT_LIMIT),
        state=choice("state", set(MatterState.values) | set(STATE_GROUPS)),
        level=choice("at_level", MatterLevel.values),
        kind=choice("kind", MatterKind.values),
        place=next((p for p in places if p.pk == place_id), None),
        start=start,
        end=end,
        resident=_resident(request, query_int(params, "resident")),
    )


def _resident(request: HttpRequest, pk: int | None) -> Resident | None:
    """The resident whose matters are asked for, if the actor may see her (else absent)."""
    if pk is None:
        return None
    visible = people_selectors.residents_visible_to(request.user, include_moved_out=True)
    return (
        visible.filter(pk=pk).first()
        or Resident.objects.filter(pk=pk, user_id=request.user.pk or 0).first()
    )


def _search_context(request: HttpRequest) -> dict[str, Any]:
    places = search_places(request.user)
    search = _read_search(request, places)
    found = None
    keep = ""
    if not search.is_empty:
        found = Paginator(matter_search(request.user, search), 20).get_page(request.GET.get("page"))
        fields = {
            "q": search.text,
            "state": search.state,
            "at_level": search.level,
            "kind": search.kind,
            "place": search.place.pk if search.place else "",
            "start": search.start.isoformat() if search.start else "",
            "end": search.end.isoformat() if search.end else "",
            "resident": search.resident.pk if search.resident else "",
        }
        keep = urlencode({k: v for k, v in fields.items() if v})
    return {
        "search": search,
        "found": found,
        "search_keep": keep,
        "search_places": places,
        "search_states": [(k, label) for k, (label, _v) in STATE_GROUPS.items()]
        + list(MatterState.choices),
        "search_levels": MatterLevel.choices,
        "search_kinds": MatterKind.choices,
        "text_limit": TEXT_LIMIT,
    }


@login_required
def matter_list(request: HttpRequest) -> HttpResponse:
    """The queues: the matters one handles (a leader's building; staff's community, by
    level), those one raised or follows, and the open ones at one's own building/compound."""
    user = request.user
    context = _search_context(request)
    searching = context["found"] is not None
    # ?level= is the queue's tab; the search's level is ?at_level=.
    level = request.GET.get("level", "")
    if level and level not in MatterLevel.values:
        level = ""
    handles = policies.can_anywhere(user, policies.MatterAction.HANDLE)
    queue = list(selectors.matter_queue(user, level=level or None)[:200]) if handles else []
    is_staff = policies.can_anywhere(user, policies.MatterAction.MANAGE)
    oversees = (
        list(
            selectors.matters_visible(user)
            .filter(state__in=OPEN_STATES)
            .order_by("raised_at", "id")[:200]
        )
        if not handles and policies.can_anywhere(user, policies.MatterAction.VIEW)
        else []
    )
    mine = list(selectors.matter_mine(user)[:50])
    own_places = policies.own_places(user)
    nearby = (
        list(
            selectors.matters_visible(user)
            .filter(place__in=own_places, state__in=OPEN_STATES)
            .exclude(pk__in=[m.pk for m in mine])
            .order_by("-raised_at")[:50]
        )
        if own_places
        else []
    )
    return render(
        request,
        "web/matters/matter_list.html",
        {
            "queue": queue,
            "handles": handles,
            "is_staff": is_staff,
            "levels": [(v, lbl) for v, lbl in MatterLevel.choices if v != MatterLevel.DEPARTMENT],
            "level": level,
            "oversees": oversees,
            "mine": mine,
            "nearby": nearby,
            "can_raise": bool(policies.raise_places(user)),
            "handles_referrals": bool(policies.handler_department_ids(user)),
            "searching": searching,
            **context,
        },
    )


def _decimal(raw: str) -> Decimal | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise DomainError(_("位置不正确")) from None


@login_required
@require_http_methods(["GET", "POST"])
@allow_features(geolocation="self")  # "use my location" on the map
def matter_new(request: HttpRequest) -> HttpResponse:
    """Raise a matter on a phone: what, where (one's own places), photos from the camera."""
    places = policies.raise_places(request.user)
    if not places:
        raise Http404
    sources = _sources(request.user)
    data: dict[str, Any] = {
        "kind": MatterKind.PROBLEM,
        "source": sources[0][0] if sources else "",
        "place": str(places[0].pk),
        "backers": "1",
        "key": uuid.uuid4().hex,
    }
    error = ""
    if request.method == "POST":
        data = {k: request.POST.get(k, "").strip() for k in request.POST}
        by_id = {str(p.pk): p for p in places}
        place = by_id.get(data.get("place", ""))

        def raise_matter(*, actor: Actor) -> Matter:
            if place is None:
                raise DomainError(_("请选择楼栋或小区"))
            if data.get("source") not in dict(sources):
                raise DomainError(_("来源不正确"))
            backers = parse_int(data.get("backers") or "1")
            if backers is None:
                raise DomainError(_("附议居民数必须是正整数"))
            return services.matter_raise(
                actor=actor,
                place=place,
                kind=data.get("kind", ""),
                title=data.get("title", ""),
                description=data.get("description", ""),
                source=data["source"],
                on_behalf_of_name=data.get("on_behalf_of_name", ""),
                backers=backers,
                latitude=_decimal(data.get("latitude", "")),
                longitude=_decimal(data.get("longitude", "")),
                photos=request.FILES.getlist("photos"),
            )

        raised = run_service(
            request,
            raise_matter,
            quiet=True,
            ok=lambda matter: _("已提交，编号 %(case)s") % {"case": matter.case_number},
        )
        if raised:
            return redirect("web:matter_detail", pk=raised.value.pk)
        error = str(raised.error)
    return render(
        request,
        "web/matters/matter_new.html",
        {
            "places": places,
            "kinds": MatterKind.choices,
            "sources": sources,
            "data": data,
            "error": error,
            "map": map_settings(),
        },
        status=400 if error else 200,
    )


@login_required
def matter_similar(request: HttpRequest) -> HttpResponse:
    """htmx partial: similar open matters at the chosen place, offered before filing."""
    places = {str(p.pk): p for p in policies.raise_places(request.user)}
    place: Place | None = places.get(request.GET.get("place", ""))
    title = request.GET.get("title", "").strip()[:80]
    similar = selectors.matter_similar(request.user, place=place, title=title) if place else []
    return render(request, "web/matters/matter_similar.html", {"similar": similar})


@login_required
def matter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    matter = selectors.matter_get_for_actor(request.user, pk)
    kinds = policies.actor_kinds(request.user, matter)
    allowed = set(workflows.allowed_actions(matter.state, kinds))
    if matter.state == MatterState.DELIBERATING:
        # On a meeting's agenda: the meeting decides, defers, rejects or carries it up.
        allowed -= {MatterAction.ESCALATE, MatterAction.DECLINE}
    buttons = [
        {"action": a, "label": MatterAction(a).label, "text": NEEDS_TEXT.get(a, "")}
        for a in BUTTONS
        if a in allowed
    ]
    # A finished matter (办结, 已评价) offers closing; reopening it is the exception, asked
    # for apart (with its reason), not a button beside 关闭.
    apart = [b for b in buttons if b["action"] == MatterAction.REOPEN]
    if apart and MatterAction.CLOSE in allowed:
        buttons = [b for b in buttons if b["action"] != MatterAction.REOPEN]
    else:
        apart = []
    following = matter.followers.filter(user_id=request.user.pk or 0).exists()
    timeline = list(selectors.matter_timeline(matter))
    referrals = selectors.matter_referrals(matter)
    mine = set(policies.handler_department_ids(request.user))
    for r in referrals:
        r.mine = r.is_open and r.department_id in mine  # type: ignore[attr-defined]
    can_refer = MatterAction.REFER in allowed
    # Handlers act under their names; a resident raiser's name is masked for other residents
    # (PIPL: not made public without consent), shown in full to them and to handlers.
    full_names = policies.can(request.user, policies.MatterAction.VIEW, matter.place)
    departments = selectors.timeline_departments(timeline)
    for e in timeline:
        dept = departments.get(e.data.get("department", 0)) if isinstance(e.data, dict) else None
        if dept and e.actor_kind == workflows.DEPARTMENT:
            # A department's step is the department's; its handler's name when one acted.
            who = DEPARTMENT_ACTOR % {"dept": dept, "name": e.actor.name} if e.actor else dept
        elif e.actor is None and e.actor_kind in (workflows.RAISER, "resident"):
            who = _("居民（匿名）")  # a rating or 办不成事 flag: never who
        elif e.actor is None:
            who = _("系统")
        elif e.actor_kind == workflows.RAISER and not (full_names or e.actor_id == request.user.pk):
            who = mask_name(e.actor.name)
        else:
            who = e.actor.name
        e.who = who  # type: ignore[attr-defined]
    return render(
        request,
        "web/matters/matter_detail.html",
        {
            "matter": matter,
            "age": selectors.matter_age_text(matter, referrals=referrals),
            "referrals": referrals,
            "can_refer": can_refer,
            "departments": _departments(matter) if can_refer else [],
            "referral_kinds": ReferralKind.choices,
            "timeline": timeline,
            "photos": list(matter.photos.all()),
            "buttons": buttons,
            "apart": apart,
            "following": following,
            "is_open": matter.state in OPEN_STATES,
            "can_adopt": matter.kind == MatterKind.SUGGESTION,
            "map": map_settings(),
        },
    )


@login_required
@require_POST
def matter_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One step on the matter (a button on its page); refusals come back as a message."""
    matter = selectors.matter_get_for_actor(request.user, pk)
    text = request.POST.get("text", "").strip()
    user = request.user

    def step(*, actor: Actor) -> None:
        if action == "follow":
            services.matter_follow(actor=actor, matter=matter)
        elif action == "unfollow":
            services.matter_follow(actor=actor, matter=matter, follow=False)
        elif action == MatterAction.ACCEPT:
            services.matter_accept(actor=actor, matter=matter, note=text)
        elif action == MatterAction.SETTLE:
            services.matter_settle(actor=actor, matter=matter, note=text)
        elif action == MatterAction.ESCALATE:
            services.matter_escalate(actor=actor, matter=matter, reason=text)
        elif action == MatterAction.DECIDE:
            services.matter_decide(
                actor=actor,
                matter=matter,
                decision=text,
                adopted=request.POST.get("adopted") == "1",
            )
        elif action == MatterAction.DECLINE:
            services.matter_decline(actor=actor, matter=matter, reason=text)
        elif action == MatterAction.REOPEN:
            services.matter_reopen(actor=actor, matter=matter, reason=text)
        elif action == MatterAction.CLOSE:
            services.matter_close(actor=actor, matter=matter, note=text)
        elif action == MatterAction.WITHDRAW:
            services.matter_withdraw(actor=actor, matter=matter, note=text)
        elif action == MatterAction.REFER:
            by_id = {str(d.pk): d for d in _departments(matter)}
            chosen = [by_id[i] for i in request.POST.getlist("departments") if i in by_id]
            lead = by_id.get(request.POST.get("lead", ""))
            if lead is None:
                raise DomainError(_("请选择牵头部门"))
            services.matter_refer(
                actor=actor,
                matter=matter,
                departments=chosen,
                lead=lead,
                kind=request.POST.get("kind", ""),
                note=text,
            )
        elif action == MatterAction.MERGE:
            into = (
                selectors.matters_visible(user)
                .filter(case_number=query_text(request.POST, "into", limit=40))
                .first()
            )
            if into is None:
                raise DomainError(_("找不到要合并到的事项编号"))
            services.matter_merge(actor=actor, matter=matter, into=into)
        else:
            raise Http404

    run_service(request, step, ok=_("已保存"))
    return redirect("web:matter_detail", pk=matter.pk)


@login_required
def matter_photo(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A matter's photo, for those who may see the matter."""
    photo = MatterPhoto.objects.filter(pk=pk).first()
    if photo is None:
        raise Http404
    selectors.matter_get_for_actor(request.user, photo.matter_id)
    return serve_stored(photo.image.name, download_name=f"photo-{photo.pk}")


def _departments(matter: Matter) -> list[Department]:
    """The departments above the matter's place (those it can be referred to)."""
    rows = Department.objects.select_related("place").order_by("place_id", "id")
    return [d for d in rows if matter.place.is_within(d.place)]


@login_required
def matter_referrals(request: HttpRequest) -> HttpResponse:
    """A department handler's queue: the department's open referrals, overdue ones first."""
    if not policies.handler_department_ids(request.user):
        raise Http404
    rows = selectors.referral_queue(request.user)
    for r in rows:
        r.age = selectors.matter_age_text(r.matter)  # type: ignore[attr-defined]
    return render(request, "web/matters/matter_referrals.html", {"referrals": rows})


REFERRAL_STEPS = ("answer", "extend", "return", "complete")


@login_required
@require_POST
def referral_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """A department handler's step on one referral; others find nothing (404)."""
    if action not in REFERRAL_STEPS:
        raise Http404
    referral = Referral.objects.filter(pk=pk).first()
    if referral is None or not policies.handles_referral(request.user, referral):
        raise Http404
    text = request.POST.get("text", "").strip()

    def step(*, actor: Actor) -> None:
        if action == "answer":
            services.referral_answer(actor=actor, referral=referral, answer=text)
        elif action == "extend":
            days = parse_int(request.POST.get("days", ""))
            if days is None:
                raise DomainError(_("延期天数必须是正整数"))
            services.referral_extend(actor=actor, referral=referral, reason=text, days=days)
        elif action == "return":
            services.referral_return(actor=actor, referral=referral, reason=text)
        else:
            services.referral_complete(actor=actor, referral=referral, note=text)

    run_service(request, step, ok=_("已保存"))
    return redirect("web:matter_detail", pk=referral.matter_id)
