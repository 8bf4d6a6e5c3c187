"""Meeting pages (小区议事会): the list, calling a meeting, the meeting's screen (agenda,
attendance with big tap targets, motions with a live tally, decisions, minutes), a member's
voting screen on a phone, and the results published to the compound's residents.

Reads through matters.selectors_meetings, writes through matters.services.meetings; a meeting
one may not see is 404; a refused step comes back as a message and changes nothing. In a
secret ballot no page says who voted how, and while the vote is open not even the running
split is shown (a split that moves as one member votes would give their choice away)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from linli.core.masking import mask_name
from linli.matters import selectors_meetings as sel
from linli.matters.models import (
    AgendaItem,
    AgendaOutcome,
    Matter,
    Meeting,
    MeetingMember,
    MeetingState,
    Motion,
    MotionState,
    VoteChoice,
)
from linli.matters.selectors import matters_visible
from linli.matters.services import meetings as services
from linli.people.choices import ResidentGroup
from linli.places.models import Place
from linli.points.models import CatalogVersion
from linli.web.common.door import run_service
from linli.web.common.params import query_int
from linli.web.common.redirects import safe_next

from ..forms import DecideForm, MeetingForm, MinutesForm, MotionForm, ReasonForm


def _back(request: HttpRequest, meeting: Meeting, anchor: str = "") -> HttpResponse:
    """Back to where the form was (``next``, if it is ours), else the meeting's page."""
    url = reverse("web:meeting_detail", args=[meeting.pk])
    default = f"{url}#{anchor}" if anchor else url
    return redirect(safe_next(request, default, target=request.POST.get("next", "")))


def public_name(resident: Any, n: int) -> str:
    """A member's name on a page for residents: masked, or "成员 N" without their consent."""
    if not resident.public_consent:
        return _("成员 %(n)s") % {"n": n}
    return mask_name(resident.name)


def _dress(m: MeetingMember, shown: str) -> MeetingMember:
    """A member row as the check-in list shows it: the name one may see, and their group."""
    label = ResidentGroup(m.group).label if m.group in ResidentGroup.values else ""
    m.shown = shown  # type: ignore[attr-defined]
    m.group_label = label  # type: ignore[attr-defined]
    return m


# --- the list and calling a meeting -----------------------------------------------------------


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    """Staff: their communities' meetings; supervisors: those below them; a member: the
    meetings they are invited to; a resident: published results of their compound."""
    found = sel.meetings_for(request.user)
    return render(
        request,
        "web/matters/meeting_list.html",
        {**found, "can_call": bool(sel.compounds_for_staff(request.user))},
    )


def _held_matters(compounds: list[Place]) -> Any:
    return (
        Matter.objects.filter(
            place__compound_id__in=[c.pk for c in compounds], state__in=sel.HELD_STATES
        )
        .select_related("place")
        .order_by("place__compound_id", "raised_at", "id")
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    """Staff call a meeting of one of their compounds, with an initial agenda."""
    compounds = sel.compounds_for_staff(request.user)
    if not compounds:
        raise Http404
    qs_compounds = Place.objects.filter(pk__in=[c.pk for c in compounds]).order_by("name", "id")
    matters = _held_matters(compounds)
    wanted = query_int(request.GET, "compound")
    initial = {"compound": wanted} if wanted is not None else {}
    form = MeetingForm(
        request.POST or None, compounds=qs_compounds, matters=matters, initial=initial
    )
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        called = run_service(
            request,
            services.meeting_call,
            quiet=True,
            ok=_("议事会已通知成员"),
            compound=data["compound"],
            title=data["title"],
            scheduled_at=data["scheduled_at"],
            location=data["location"],
            matters=list(data["matters"]),
        )
        if called:
            return redirect("web:meeting_detail", pk=called.value.pk)
        error = str(called.error)
    return render(
        request,
        "web/matters/meeting_new.html",
        {"form": form, "error": error},
        status=400 if request.method == "POST" else 200,
    )


# --- the meeting's screen ---------------------------------------------------------------------


def _motion_rows(meeting: Meeting, members: list[MeetingMember], staff: bool) -> list[Motion]:
    motions = list(sel.meeting_motions(meeting))
    by_id = {m.pk: m for m in members}
    for motion in motions:
        motion.meeting = meeting
        motion.hide_split = meeting.secret_ballot and motion.state == MotionState.OPEN  # type: ignore[attr-defined]
        motion.no_quorum = motion.state == MotionState.FAILED and not sel.has_quorum(  # type: ignore[attr-defined]
            motion.present, len(members), meeting.quorum_percent
        )
        if staff and motion.state == MotionState.OPEN:
            voted = sel.motion_voted_member_ids(motion)
            motion.to_vote = [m for m in members if m.present and m.pk not in voted]  # type: ignore[attr-defined]
        # Who voted how: an open ballot only, for the community's staff.
        choices = sel.open_choices(motion) if staff else {}
        motion.named = [  # type: ignore[attr-defined]
            (by_id[mid].resident.name, VoteChoice(c).label)
            for mid, c in choices.items()
            if mid in by_id and c
        ]
    return motions


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = sel.meeting_get_for_actor(request.user, pk)
    kinds = sel.meeting_capacities(request.user, meeting)
    if not kinds & {sel.STAFF, sel.SUPERVISOR, sel.MEMBER}:
        return redirect("web:meeting_results", pk=meeting.pk)  # a resident: the results
    staff = sel.STAFF in kinds
    oversees = staff or sel.SUPERVISOR in kinds
    members = list(sel.meeting_members(meeting))
    for n, m in enumerate(members, start=1):
        # Full names for the community's staff; masked for supervisors (minimum necessary)
        # and for the members.
        _dress(m, m.resident.name if staff else public_name(m.resident, n))
    attendance = sel.Attendance(
        sum(m.present for m in members), len(members), meeting.quorum_percent
    )
    items = list(sel.meeting_items(meeting))
    motions = _motion_rows(meeting, members, staff)
    active = meeting.state in sel.ACTIVE_STATES
    is_open = meeting.state == MeetingState.OPEN
    pending = [i for i in items if i.outcome == AgendaOutcome.PENDING]
    ctx: dict[str, Any] = {
        "meeting": meeting,
        "staff": staff,
        "oversees": oversees,
        "own": sel.member_of(request.user, meeting),
        "members": members,
        "attendance": attendance,
        "items": items,
        "motions": motions,
        "active": active,
        "is_open": is_open,
        "pending": pending,
    }
    if staff:
        on_agenda = {i.matter_id for i in items if i.outcome != AgendaOutcome.DEFERRED}
        versions = CatalogVersion.objects.filter(community_id=meeting.community_id).order_by(
            "-number"
        )
        ctx.update(
            candidates=[m for m in sel.agenda_candidates(meeting) if m.pk not in on_agenda]
            if active
            else [],
            motion_form=MotionForm(
                items=pending,
                versions=versions,
                initial={"text": _("同意：%(title)s") % {"title": pending[0].matter.title}}
                if pending
                else {},
            ),
            decide_form=DecideForm(),
            minutes_form=MinutesForm(initial={"minutes": meeting.minutes}),
            choices=VoteChoice.choices,
            outcomes=[c for c in AgendaOutcome.choices if c[0]],
        )
    return render(request, "web/matters/meeting_detail.html", ctx)


@login_required
def meeting_tally(request: HttpRequest, pk: int, motion: int) -> HttpResponse:
    """htmx partial: one motion's live tally (staff and supervisors)."""
    meeting = sel.meeting_get_for_actor(request.user, pk)
    kinds = sel.meeting_capacities(request.user, meeting)
    if not kinds & {sel.STAFF, sel.SUPERVISOR}:
        raise Http404
    members = list(sel.meeting_members(meeting))
    staff = sel.STAFF in kinds
    row = next((m for m in _motion_rows(meeting, members, staff) if m.pk == motion), None)
    if row is None:
        raise Http404
    return render(
        request,
        "web/matters/meeting_tally.html",
        {"motion": row, "meeting": meeting, "members_count": len(members)},
    )


@login_required
@require_POST
def meeting_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The meeting's own steps: open, save the minutes, close, publish, cancel."""
    meeting = sel.meeting_get_for_actor(request.user, pk)
    user_post = request.POST
    if action == "open":
        run_service(request, services.meeting_open, ok=_("会议开始"), meeting=meeting)
        return _back(request, meeting, "attendance")
    if action == "minutes":
        run_service(
            request,
            services.meeting_minutes_save,
            ok=_("会议记录已保存"),
            meeting=meeting,
            minutes=user_post.get("minutes", ""),
        )
        return _back(request, meeting, "minutes")
    if action == "close":
        run_service(
            request,
            services.meeting_close,
            ok=_("会议已结束"),
            meeting=meeting,
            minutes=user_post.get("minutes", ""),
        )
        return _back(request, meeting)
    if action == "publish":
        if run_service(
            request, services.meeting_publish_results, ok=_("结果已向居民公布"), meeting=meeting
        ):
            return redirect("web:meeting_results", pk=meeting.pk)
        return _back(request, meeting)
    if action == "cancel":
        run_service(
            request,
            services.meeting_cancel,
            ok=_("会议已取消"),
            meeting=meeting,
            reason=user_post.get("reason", ""),
        )
        return _back(request, meeting)
    raise Http404


@login_required
@require_POST
def meeting_agenda_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a matter on the agenda (from the meeting's page or the matter's page)."""
    meeting = sel.meeting_get_for_actor(request.user, pk)
    matter_id = query_int(request.POST, "matter")
    matter = matters_visible(request.user).filter(pk=matter_id).first() if matter_id else None
    if matter is None:
        messages.error(request, _("请选择事项"))
    else:
        run_service(
            request, services.agenda_add, ok=_("已列入议程"), meeting=meeting, matter=matter
        )
    return _back(request, meeting, "agenda")


def _item(meeting: Meeting, item: int) -> AgendaItem:
    found = AgendaItem.objects.filter(pk=item, meeting_id=meeting.pk).first()
    if found is None:
        raise Http404
    return found


@login_required
@require_POST
def meeting_item_act(request: HttpRequest, pk: int, item: int, action: str) -> HttpResponse:
    """One agenda item: defer it (暂缓), or the meeting's decision on it."""
    meeting = sel.meeting_get_for_actor(request.user, pk)
    row = _item(meeting, item)
    if action == "defer":
        form = ReasonForm(request.POST)
        run_service(
            request,
            services.agenda_defer,
            ok=_("已暂缓"),
            item=row,
            reason=form.data.get("reason", ""),
        )
    elif action == "decide":
        decide = DecideForm(request.POST)
        if not decide.is_valid():
            messages.error(request, _("请选择决定结果并填写决定内容"))
        else:
            data = decide.cleaned_data
            run_service(
                request,
                services.item_decide,
                ok=_("决定已记录"),
                item=row,
                outcome=data["outcome"],
                decision=data["decision"],
                points=data["points"],
            )
    else:
        raise Http404
    return _back(request, meeting, f"item-{row.pk}")


@login_required
@require_POST
def meeting_motion_open(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = sel.meeting_get_for_actor(request.user, pk)
    items = list(sel.meeting_items(meeting).filter(outcome=AgendaOutcome.PENDING))
    versions = CatalogVersion.objects.filter(community_id=meeting.community_id)
    form = MotionForm(request.POST, items=items, versions=versions)
    if not form.is_valid():
        messages.error(request, _("请填写表决事项"))
        return _back(request, meeting, "motions")
    data = form.cleaned_data
    chosen = next((i for i in items if i.pk == data["item"]), None)
    run_service(
        request,
        services.motion_open,
        ok=_("表决已开始"),
        meeting=meeting,
        text=data["text"],
        item=chosen,
        catalog_version=data["catalog_version"],
    )
    return _back(request, meeting, "motions")


def _motion(meeting: Meeting, motion: int) -> Motion:
    found = Motion.objects.filter(pk=motion, meeting_id=meeting.pk).first()
    if found is None:
        raise Http404
    return found


@login_required
@require_POST
def meeting_motion_close(request: HttpRequest, pk: int, motion: int) -> HttpResponse:
    meeting = sel.meeting_get_for_actor(request.user, pk)
    row = _motion(meeting, motion)
    run_service(request, services.motion_close, ok=_("表决已结束"), motion=row)
    return _back(request, meeting, f"motion-{row.pk}")


@login_required
@require_POST
def meeting_attend(request: HttpRequest, pk: int, member: int) -> HttpResponse:
    """Staff tap a member present (or absent again). With htmx only the row is swapped."""
    meeting = sel.meeting_get_for_actor(request.user, pk)
    row = MeetingMember.objects.filter(pk=member, meeting_id=meeting.pk).first()
    if row is None:
        raise Http404
    present = request.POST.get("present", "1") == "1"
    marked = run_service(
        request,
        services.meeting_check_in,
        ok=_("已签到") if present else _("已改为缺席"),
        meeting=meeting,
        member=row,
        present=present,
    )
    if request.headers.get("HX-Request") and marked:
        list(messages.get_messages(request))  # shown by the row itself
        row.refresh_from_db()
        _dress(row, row.resident.name)
        return render(
            request,
            "web/matters/meeting_member_row.html",
            {
                "m": row,
                "meeting": meeting,
                "staff": True,
                "is_open": True,
                "attendance": sel.meeting_attendance(meeting),
            },
        )
    return _back(request, meeting, "attendance")


# --- a member's voting screen -------------------------------------------------------------------


def _own(request: HttpRequest, meeting: Meeting) -> MeetingMember:
    own = sel.member_of(request.user, meeting)
    if own is None:
        raise Http404
    return own


@login_required
def meeting_vote(request: HttpRequest, pk: int) -> HttpResponse:
    """A member's phone: check in, then for each open motion three big buttons (赞成 / 反对 /
    弃权), a confirmation, and "您已投票"."""
    meeting = sel.meeting_get_for_actor(request.user, pk)
    own = _own(request, meeting)
    motions = list(sel.meeting_motions(meeting))
    mine = sel.member_votes(own)
    for m in motions:
        cast = mine.get(m.pk)
        m.voted = cast is not None  # type: ignore[attr-defined]
        m.my_choice = VoteChoice(cast.choice).label if cast is not None and cast.choice else ""  # type: ignore[attr-defined]
    confirm = None
    motion_id, raw_choice = query_int(request.GET, "motion"), request.GET.get("choice", "")
    if motion_id is not None and raw_choice in VoteChoice.values:
        confirm = next(
            (m for m in motions if m.pk == motion_id and m.state == MotionState.OPEN), None
        )
    return render(
        request,
        "web/matters/meeting_vote.html",
        {
            "meeting": meeting,
            "own": own,
            "motions": motions,
            "open_motions": [m for m in motions if m.state == MotionState.OPEN],
            "closed_motions": [m for m in motions if m.state != MotionState.OPEN],
            "confirm": confirm,
            "confirm_choice": raw_choice,
            "confirm_label": VoteChoice(raw_choice).label if confirm else "",
            "choices": VoteChoice.choices,
            "is_open": meeting.state == MeetingState.OPEN,
        },
    )


@login_required
@require_POST
def meeting_vote_cast(request: HttpRequest, pk: int, motion: int) -> HttpResponse:
    """A vote: the member's own (from the voting screen), or staff recording a member's."""
    meeting = sel.meeting_get_for_actor(request.user, pk)
    row = _motion(meeting, motion)
    choice = request.POST.get("choice", "")
    raw_member = request.POST.get("member", "")
    if raw_member:
        member = MeetingMember.objects.filter(
            pk=query_int(request.POST, "member") or 0, meeting_id=meeting.pk
        ).first()
        if member is None:
            raise Http404
        run_service(
            request,
            services.vote_cast,
            ok=_("已代为录入"),
            motion=row,
            choice=choice,
            member=member,
        )
        return _back(request, meeting, f"motion-{row.pk}")
    run_service(request, services.vote_cast, ok=_("您已投票"), motion=row, choice=choice)
    return redirect("web:meeting_vote", pk=meeting.pk)


@login_required
@require_POST
def meeting_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    """A member checks themself in on their phone, once the meeting is open."""
    meeting = sel.meeting_get_for_actor(request.user, pk)
    _own(request, meeting)
    run_service(request, services.meeting_check_in, ok=_("签到成功"), meeting=meeting)
    return redirect("web:meeting_vote", pk=meeting.pk)


# --- the results for residents ------------------------------------------------------------------


@login_required
def meeting_results(request: HttpRequest, pk: int) -> HttpResponse:
    """The decisions, published to the compound's residents: each item's outcome and
    decision, each vote's tally, who attended (masked names). Staff and supervisors may
    look before it is published (marked as such)."""
    meeting = sel.meeting_get_for_actor(request.user, pk)
    kinds = sel.meeting_capacities(request.user, meeting)
    if meeting.published_at is None and not kinds & {sel.STAFF, sel.SUPERVISOR}:
        raise Http404
    members = list(sel.meeting_members(meeting))
    present = [public_name(m.resident, n) for n, m in enumerate(members, start=1) if m.present]
    motions = list(sel.meeting_motions(meeting))
    for m in motions:
        m.no_quorum = m.state == MotionState.FAILED and not sel.has_quorum(  # type: ignore[attr-defined]
            m.present, len(members), meeting.quorum_percent
        )
    return render(
        request,
        "web/matters/meeting_results.html",
        {
            "meeting": meeting,
            "items": list(sel.meeting_items(meeting)),
            "motions": [m for m in motions if m.state != MotionState.OPEN],
            "attendance": sel.Attendance(len(present), len(members), meeting.quorum_percent),
            "present_names": present,
            "staff": sel.STAFF in kinds,
        },
    )
