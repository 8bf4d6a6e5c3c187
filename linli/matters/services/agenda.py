"""The agenda of a deliberation meeting (会前有议题) and the meeting's decision on each item.

A held matter of the meeting's compound goes on the agenda (CONVENE: → in deliberation; a
building-level matter is carried up to the compound with it); a pending item may be taken
off again (暂缓, DEFER) before or during the meeting. With a quorum present the meeting
decides each item — adopted (RESOLVE, only after a carried motion on it; a suggestion's
proposer is awarded once), rejected (DECLINE), carried up (ESCALATE) or deferred (DEFER).
Items still pending when a meeting closes or is cancelled are deferred (``_finish``).

Locks and the rest of the rules: see ``meetings``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.actors import Actor
from linli.core.errors import Conflict, NotFound, ValidationFailed
from linli.notifications.services import notify

from .. import selectors_meetings as sel
from .. import workflows
from ..choices import MatterKind, MatterLevel, next_level
from ..locks import lock_matter
from ..models import (
    AgendaItem,
    Matter,
    Meeting,
    MeetingState,
    Motion,
    MotionState,
)
from ..selectors import matter_get_for_actor
from ..texts import said
from ._meetings_common import (
    A,
    O,
    S,
    _interested,
    _lock_items,
    _lock_meeting,
    _lock_motions,
    _meeting_params,
    _move,
    _staff_meeting,
    _url,
)
from .matters import MAX_TEXT, _clean_text, _event, _user_or_none

# What an agenda decision does to the matter (the transition it takes).
OUTCOME_ACTION: dict[str, str] = {
    O.ADOPTED: A.RESOLVE,
    O.REJECTED: A.DECLINE,
    O.ESCALATED: A.ESCALATE,
    O.DEFERRED: A.DEFER,
}


def _check_agenda_matter(meeting: Meeting, matter: Matter) -> None:
    if matter.place.compound_id != meeting.compound_id:
        raise ValidationFailed(
            _("只能把本小区（%(compound)s）的事项列入议程") % {"compound": meeting.compound.name}
        )


def _convene(
    meeting: Meeting, matter: Matter, actor: Actor, now: dt.datetime, position: int
) -> AgendaItem:
    """Put a locked matter on a locked meeting's agenda (CONVENE: → in deliberation). A
    building-level matter is carried up to the compound with it."""
    _check_agenda_matter(meeting, matter)
    if matter.state not in sel.HELD_STATES:
        raise Conflict(
            _("事项“%(title)s”当前为“%(state)s”，只有已受理或办理中的事项可以列入议程")
            % {"title": matter.title, "state": S(matter.state).label}
        )
    data: dict[str, Any] = {"meeting": meeting.pk}
    if matter.level == MatterLevel.BUILDING:
        data.update(from_level=MatterLevel.BUILDING, to_level=MatterLevel.COMPOUND)
        matter.level = MatterLevel.COMPOUND
    note = said("convene.up" if "from_level" in data else "convene", **_meeting_params(meeting))
    existing = AgendaItem.objects.filter(meeting_id=meeting.pk, matter_id=matter.pk).first()
    if existing is not None and existing.outcome != O.DEFERRED:
        raise Conflict(_("该事项已在本次议程中"))
    _move(matter, actor, A.CONVENE, now, note=note, data=data)
    if existing is not None:
        # Taken off earlier and put back on: the same item, pending again.
        existing.outcome = O.PENDING
        existing.decision = ""
        existing.decided_at = None
        existing.save()
        item = existing
    else:
        item = AgendaItem.objects.create(meeting=meeting, matter=matter, position=position)
    notify(
        _interested(matter),
        kind="matter_agenda",
        params={"title": matter.title, **_meeting_params(meeting)},
        url=_url("matter_detail", matter.pk),
        exclude=_user_or_none(actor),
        when=now,
    )
    return item


def _next_position(meeting_id: int) -> int:
    last = AgendaItem.objects.filter(meeting_id=meeting_id).order_by("-position").first()
    return (last.position if last else 0) + 1


def agenda_add(
    *, actor: Actor, meeting: Meeting, matter: Matter, when: dt.datetime | None = None
) -> AgendaItem:
    """Put a held matter of the meeting's compound on its agenda (before it closes)."""
    now = when or timezone.now()
    seen_meeting = _staff_meeting(actor, meeting)
    seen = matter_get_for_actor(actor, matter.pk)
    _check_agenda_matter(seen_meeting, seen)
    with transaction.atomic(durable=True):
        locked = lock_matter(seen.pk)
        row = _lock_meeting(seen_meeting.pk)
        if row.state not in sel.ACTIVE_STATES:
            raise Conflict(
                _("会议%(state)s，不能再增加议题") % {"state": MeetingState(row.state).label}
            )
        item = _convene(row, locked, actor, now, _next_position(row.pk))
        audit_record(
            actor=actor,
            action="meetings.agenda_add",
            target=row,
            place_id=row.compound_id,
            data={"matter": locked.pk, "item": item.pk},
        )
    matter.refresh_from_db()
    return item


def _defer_locked(
    meeting: Meeting, item: AgendaItem, matter: Matter, actor: Actor, now: dt.datetime, reason: str
) -> None:
    """Take a locked item off the locked meeting's agenda. A matter that has left deliberation
    meanwhile (carried up or declined on its own page) keeps its state; the item just ends."""
    note = said("defer", meeting=meeting.title, reason=reason)
    data = {"meeting": meeting.pk, "item": item.pk, "outcome": O.DEFERRED}
    if matter.state == S.DELIBERATING:
        _move(matter, actor, A.DEFER, now, note=note, data=data)
    else:
        _event(matter, actor, A.DEFER, kind=workflows.STAFF, note=note, data=data, when=now)
    item.outcome = O.DEFERRED
    item.decision = reason
    item.decided_at = now
    item.save()


def agenda_defer(
    *, actor: Actor, item: AgendaItem, reason: str, when: dt.datetime | None = None
) -> AgendaItem:
    """Take a pending item off the agenda (暂缓, DEFER: the matter is back in hand at the
    compound). A procedural step, allowed without a quorum, before or during the meeting."""
    now = when or timezone.now()
    reason = _clean_text(reason, MAX_TEXT, _("请说明暂缓的理由"))
    found = AgendaItem.objects.filter(pk=item.pk).first()
    if found is None:
        raise NotFound(_("找不到该议题"))
    meeting = _staff_meeting(actor, Meeting(pk=found.meeting_id))
    with transaction.atomic(durable=True):
        matter = lock_matter(found.matter_id)
        row = _lock_meeting(meeting.pk)
        locked = _lock_items(row.pk)[found.pk]
        if row.state not in sel.ACTIVE_STATES:
            raise Conflict(_("会议已结束，不能再调整议程"))
        if locked.outcome != O.PENDING:
            raise Conflict(
                _("该议题已有结果：%(outcome)s") % {"outcome": sel.outcome_label(locked)}
            )
        if Motion.objects.filter(item_id=locked.pk, state=MotionState.OPEN).exists():
            raise Conflict(_("该议题正在表决，请先结束表决"))
        _defer_locked(row, locked, matter, actor, now, reason)
        audit_record(
            actor=actor,
            action="meetings.agenda_defer",
            target=row,
            place_id=row.compound_id,
            data={"matter": matter.pk, "item": locked.pk},
        )
    return locked


agenda_remove = agenda_defer


def item_decide(
    *,
    actor: Actor,
    item: AgendaItem,
    outcome: str,
    decision: str,
    points: int | None = None,
    when: dt.datetime | None = None,
) -> AgendaItem:
    """The meeting's decision on one agenda item, with a quorum present: adopted (the matter
    is decided, with the decision on it; an adopted suggestion awards its proposer, once —
    an adoption needs a carried motion on the item), rejected (declined with the decision as
    the reason), carried up to the community, or deferred. The raiser and followers are told."""
    now = when or timezone.now()
    if outcome not in OUTCOME_ACTION:
        raise ValidationFailed(_("请选择决定结果"))
    decision = _clean_text(decision, MAX_TEXT, _("请填写决定内容"))
    found = AgendaItem.objects.filter(pk=item.pk).first()
    if found is None:
        raise NotFound(_("找不到该议题"))
    seen = _staff_meeting(actor, Meeting(pk=found.meeting_id))
    with transaction.atomic(durable=True):
        matter = lock_matter(found.matter_id)
        meeting = _lock_meeting(seen.pk)
        locked = _lock_items(meeting.pk)[found.pk]
        motions = [m for m in _lock_motions(meeting.pk).values() if m.item_id == locked.pk]
        if meeting.state != MeetingState.OPEN:
            raise Conflict(_("会议进行中才能作出决定"))
        if locked.outcome != O.PENDING:
            raise Conflict(
                _("该议题已有结果：%(outcome)s") % {"outcome": sel.outcome_label(locked)}
            )
        attendance = sel.meeting_attendance(meeting)
        if not attendance.quorum:
            raise Conflict(
                _(
                    "未达法定人数（应到 %(members)s 人，到会 %(present)s 人，"
                    "至少需 %(needed)s 人），会议不能作出决定"
                )
                % {
                    "members": attendance.members,
                    "present": attendance.present,
                    "needed": attendance.needed,
                }
            )
        if any(m.state == MotionState.OPEN for m in motions):
            raise Conflict(_("该议题正在表决，请先结束表决"))
        if matter.state != S.DELIBERATING:
            raise Conflict(
                _("该事项已不在议事中（现在：%(state)s），请将此议题暂缓")
                % {"state": S(matter.state).label}
            )
        if outcome == O.ADOPTED and not any(m.state == MotionState.CARRIED for m in motions):
            raise Conflict(_("该议题还没有获得通过的表决，不能作出通过的决定"))
        action = OUTCOME_ACTION[outcome]
        data: dict[str, Any] = {"meeting": meeting.pk, "item": locked.pk, "outcome": outcome}
        if outcome == O.ADOPTED:
            matter.decision = decision
        elif outcome == O.ESCALATED:
            up = next_level(matter.level) or MatterLevel.COMMUNITY
            data.update(from_level=matter.level, to_level=up)
            matter.level = up
        note = said("resolve", meeting=meeting.title, outcome=outcome, decision=decision)
        _move(matter, actor, action, now, note=note, data=data)
        locked.outcome = outcome
        locked.decision = decision
        locked.decided_at = now
        locked.save()
        audit_record(
            actor=actor,
            action="meetings.item_decide",
            target=meeting,
            place_id=meeting.compound_id,
            data={"item": locked.pk, "matter": matter.pk, "outcome": outcome},
        )
        notify(
            _interested(matter),
            kind="matter_decided",
            params={"title": matter.title, "meeting": meeting.title, "outcome": outcome},
            url=_url("matter_detail", matter.pk),
            exclude=_user_or_none(actor),
            when=now,
        )
    if outcome == O.ADOPTED and matter.kind == MatterKind.SUGGESTION:
        # Its own transaction: the ledger's source key makes it once, whatever happens here.
        from .matters import matter_award_adopted

        matter_award_adopted(actor=actor, matter=matter, points=points)
    return locked


def _pending_matter_ids(meeting_id: int) -> list[int]:
    return sorted(
        AgendaItem.objects.filter(meeting_id=meeting_id, outcome=O.PENDING).values_list(
            "matter_id", flat=True
        )
    )


def _finish(
    actor: Actor, meeting: Meeting, matters: dict[int, Matter], now: dt.datetime, reason: str
) -> int:
    """Defer the locked meeting's pending items (their matters are locked in ``matters``)."""
    pending = [i for i in _lock_items(meeting.pk).values() if i.outcome == O.PENDING]
    if any(i.matter_id not in matters for i in pending):
        raise Conflict(_("议程刚刚有变化，请重试"))
    for item in pending:
        _defer_locked(meeting, item, matters[item.matter_id], actor, now, reason)
    return len(pending)
