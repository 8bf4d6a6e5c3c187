"""Deliberation meetings (小区议事会): "会前有议题，会中有记录，会后有结果，落实有回音".

Staff of the community call a meeting for one compound: its members are a snapshot of the
compound's current 居民代表 and 居民议事人, its quorum and ballot (secret or open) a snapshot of
the community's settings. Matters held at the compound (or one of its buildings) go on the
agenda (CONVENE: → in deliberation). When the meeting opens, attendance is recorded (staff
mark members present, or a member checks in on their phone); motions are put to the vote, one
vote per member present; closing a motion tallies it: carried when a quorum is present (more
than ``quorum_percent`` % of the members) and more vote for than against. The meeting then
decides each agenda item — adopted (RESOLVE → decided, a suggestion's proposer is awarded
once), rejected (DECLINE), carried up to the community (ESCALATE) or deferred (DEFER) — but
only with a quorum present. Closing needs the minutes; publishing shows residents the results.

Every write: policy first (a meeting outside one's places is not found, a member or
supervisor who may see it but not act is refused), one durable transaction, rows locked in one
order — matters by primary key, then the meeting, then its agenda items, motions and members —
the state re-checked after the locks, a timeline event on every matter it touches and an audit
row, in the same transaction; notifications go in that transaction too. ``when`` back-dates a
step (the demo's history).

The services live in three rooms: here calling the meeting, attendance, minutes, closing,
cancelling and publishing; ``agenda`` the items and the meeting's decisions on them;
``voting`` the motions, votes, secret ballot and count (its docstring says how the secret
ballot keeps voters and choices apart). What they share is in ``_meetings_common``. This
module re-exports the agenda's and the votes' services, so ``services.meetings`` still
offers every meeting step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from linli.audit.services import audit_record
from linli.core.actors import Actor
from linli.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from linli.core.text import clean_text
from linli.notifications.services import notify
from linli.people.models import GroupMembership
from linli.places.choices import PlaceKind
from linli.places.models import Place

from .. import policies, workflows
from .. import selectors_meetings as sel
from ..locks import lock_matters
from ..models import (
    AgendaItem,
    Matter,
    Meeting,
    MeetingMember,
    MeetingState,
    MotionState,
    VoteCast,
)
from ..selectors import matter_get_for_actor, matter_settings_for
from ..texts import said
from ._meetings_common import (
    A,
    O,
    _lock_meeting,
    _lock_motions,
    _meeting_params,
    _member_users,
    _staff_meeting,
    _url,
)
from .agenda import (
    _check_agenda_matter,
    _convene,
    _finish,
    _pending_matter_ids,
    agenda_add,
    agenda_defer,
    agenda_remove,
    item_decide,
)
from .matters import MAX_TEXT, _clean_text, _event, _user_or_none
from .voting import motion_close, motion_open, vote_cast

MAX_TITLE = 80
MAX_LOCATION = 80
MAX_MINUTES = 20000


def _snapshot_members(compound: Place) -> list[tuple[int, str]]:
    """(resident id, group) of the compound's current representatives and deliberators, one
    row per resident (a representative who is also a deliberator sits as representative)."""
    rows = (
        GroupMembership.objects.filter(
            group__in=sel.MEMBER_GROUPS,
            ended_on__isnull=True,
            resident__moved_out__isnull=True,
            resident__household__compound_id=compound.pk,
        )
        .order_by("resident_id", "group")
        .values_list("resident_id", "group")
    )
    chosen: dict[int, str] = {}
    for resident_id, group in rows:
        if chosen.get(resident_id) != sel.MEMBER_GROUPS[0]:
            chosen[resident_id] = group
    return sorted(chosen.items())


# --- calling the meeting ------------------------------------------------------------------------


def meeting_call(
    *,
    actor: Actor,
    compound: Place,
    title: str,
    scheduled_at: dt.datetime,
    location: str = "",
    matters: Sequence[Matter] = (),
    when: dt.datetime | None = None,
) -> Meeting:
    """Staff call a meeting of a compound: title, time, place; the compound's representatives
    and deliberators are invited (and notified); quorum and ballot come from the community's
    settings; ``matters`` (optional) form the initial agenda."""
    now = when or timezone.now()
    if compound.kind != PlaceKind.COMPOUND or compound.community_id is None:
        raise ValidationFailed(_("请选择小区"))
    if not policies.can(actor, policies.MatterAction.MANAGE, compound):
        raise NotFound(_("找不到该小区"))
    title = _clean_text(title, MAX_TITLE, _("请填写会议名称"), multiline=False)
    location = clean_text(location, limit=MAX_LOCATION, label=pgettext("location", "地点"))
    if scheduled_at is None or timezone.is_naive(scheduled_at):
        raise ValidationFailed(_("请填写会议时间"))
    if scheduled_at < now - dt.timedelta(minutes=5):
        raise ValidationFailed(_("会议时间不能早于现在"))
    seen = [matter_get_for_actor(actor, m.pk) for m in dict.fromkeys(matters)]
    for m in seen:
        _check_agenda_matter(Meeting(compound=compound), m)
    members = _snapshot_members(compound)
    if not members:
        raise ValidationFailed(_("该小区还没有居民代表或居民议事人，不能召开议事会"))
    settings = matter_settings_for(compound.community_id)
    with transaction.atomic(durable=True):
        locked = lock_matters(*[m.pk for m in seen]) if seen else {}
        meeting = Meeting.objects.create(
            community_id=compound.community_id,
            compound=compound,
            title=title,
            location=location,
            scheduled_at=scheduled_at,
            quorum_percent=settings.quorum_percent,
            secret_ballot=settings.secret_ballot,
            called_by=_user_or_none(actor),
            created_at=now,
        )
        Meeting.objects.filter(pk=meeting.pk).update(created_at=now)
        MeetingMember.objects.bulk_create(
            MeetingMember(meeting=meeting, resident_id=rid, group=group) for rid, group in members
        )
        for position, m in enumerate(seen, start=1):
            _convene(meeting, locked[m.pk], actor, now, position)
        audit_record(
            actor=actor,
            action="meetings.call",
            target=meeting,
            place_id=compound.pk,
            data={
                "members": len(members),
                "quorum_percent": meeting.quorum_percent,
                "secret_ballot": meeting.secret_ballot,
                "agenda": [m.pk for m in seen],
            },
        )
        notify(
            _member_users(meeting),
            kind="meeting_invite",
            params={**_meeting_params(meeting), "location": location or compound.name},
            url=_url("meeting_detail", meeting.pk),
            key=f"meeting-invite:{meeting.pk}",
            exclude=_user_or_none(actor),
            when=now,
        )
    return meeting


# --- attendance ----------------------------------------------------------------------------------


def meeting_open(
    *,
    actor: Actor,
    meeting: Meeting,
    present: Sequence[MeetingMember] = (),
    when: dt.datetime | None = None,
) -> Meeting:
    """Open the meeting (已通知 → 进行中), marking the members staff saw arrive present."""
    now = when or timezone.now()
    seen = _staff_meeting(actor, meeting)
    with transaction.atomic(durable=True):
        matters = lock_matters(*_pending_matter_ids(seen.pk))
        row = _lock_meeting(seen.pk)
        if row.state != MeetingState.SCHEDULED:
            raise Conflict(_("会议%(state)s，不能开始") % {"state": MeetingState(row.state).label})
        ids = [m.pk for m in present]
        if ids:
            found = list(
                MeetingMember.objects.select_for_update()
                .filter(meeting_id=row.pk, pk__in=ids)
                .order_by("pk")
            )
            if len(found) != len(set(ids)):
                raise ValidationFailed(_("出席名单中有不是本次会议成员的人"))
            MeetingMember.objects.filter(pk__in=ids, present=False).update(
                present=True, checked_in_at=now, checked_in_by_staff=True
            )
        row.state = MeetingState.OPEN
        row.opened_at = now
        row.save(update_fields=["state", "opened_at"])
        for item in sel.meeting_items(row).filter(outcome=O.PENDING):
            _event(
                matters.get(item.matter_id, item.matter),
                actor,
                A.AGENDA,
                kind=workflows.STAFF,
                note=said("agenda.open", meeting=row.title),
                data={"meeting": row.pk, "item": item.pk},
                when=now,
            )
        audit_record(
            actor=actor,
            action="meetings.open",
            target=row,
            place_id=row.compound_id,
            data={"present": sorted(set(ids))},
        )
    return row


def meeting_check_in(
    *,
    actor: Actor,
    meeting: Meeting,
    member: MeetingMember | None = None,
    present: bool = True,
    when: dt.datetime | None = None,
) -> MeetingMember:
    """Attendance while the meeting is open: a member checks themself in (``member`` None);
    staff mark any member present — or absent again after a wrong tap, unless they voted."""
    now = when or timezone.now()
    seen = sel.meeting_get_for_actor(actor, meeting.pk)
    if member is None:
        own = sel.member_of(actor, seen)
        if own is None:
            raise Forbidden(_("您不是本次议事会的成员"))
        if not present:
            raise Forbidden(_("您不能进行此操作"))
        target, by_staff = own, False
    else:
        if sel.STAFF not in sel.meeting_capacities(actor, seen):
            raise Forbidden(_("只有本社区的工作人员可以代为签到"))
        if member.meeting_id != seen.pk:
            raise NotFound(_("找不到该成员"))
        target, by_staff = member, True
    with transaction.atomic(durable=True):
        row = _lock_meeting(seen.pk)
        if row.state != MeetingState.OPEN:
            raise Conflict(_("会议开始后才能签到"))
        locked = MeetingMember.objects.select_for_update().get(pk=target.pk)
        if locked.present == present:
            return locked  # already so: nothing to change
        if not present and VoteCast.objects.filter(member_id=locked.pk).exists():
            raise Conflict(_("该成员已经投过票，不能改为缺席"))
        locked.present = present
        locked.checked_in_at = now if present else None
        locked.checked_in_by_staff = by_staff and present
        locked.save(update_fields=["present", "checked_in_at", "checked_in_by_staff"])
        audit_record(
            actor=actor,
            action="meetings.check_in" if present else "meetings.check_out",
            target=row,
            place_id=row.compound_id,
            data={"member": locked.pk, "by_staff": by_staff},
        )
    return locked


# --- minutes, closing, publishing ----------------------------------------------------------------


def meeting_minutes_save(
    *, actor: Actor, meeting: Meeting, minutes: str, when: dt.datetime | None = None
) -> Meeting:
    """Write (or correct) the minutes, until the results are published."""
    minutes = clean_text(minutes, limit=MAX_MINUTES, multiline=True, label=_("会议记录"))
    seen = _staff_meeting(actor, meeting)
    with transaction.atomic(durable=True):
        row = _lock_meeting(seen.pk)
        if row.state == MeetingState.CANCELLED or row.published_at is not None:
            raise Conflict(_("结果已公布或会议已取消，会议记录不能再修改"))
        row.minutes = minutes
        row.save(update_fields=["minutes"])
        audit_record(
            actor=actor,
            action="meetings.minutes",
            target=row,
            place_id=row.compound_id,
            data={"chars": len(minutes)},
        )
    return row


def meeting_close(
    *, actor: Actor, meeting: Meeting, minutes: str | None = None, when: dt.datetime | None = None
) -> Meeting:
    """End the meeting: every vote closed, the minutes written. Items left without a decision
    are deferred (back in hand at the compound)."""
    now = when or timezone.now()
    seen = _staff_meeting(actor, meeting)
    if minutes is not None:
        minutes = clean_text(minutes, limit=MAX_MINUTES, multiline=True, label=_("会议记录"))
    with transaction.atomic(durable=True):
        matters = lock_matters(*_pending_matter_ids(seen.pk))
        row = _lock_meeting(seen.pk)
        if row.state != MeetingState.OPEN:
            raise Conflict(_("会议%(state)s，不能结束") % {"state": MeetingState(row.state).label})
        if minutes is not None:
            row.minutes = minutes
        if not row.minutes:
            raise ValidationFailed(_("请先填写会议记录"))
        if any(m.state == MotionState.OPEN for m in _lock_motions(row.pk).values()):
            raise Conflict(_("还有表决没有结束，请先结束表决"))
        deferred = _finish(actor, row, matters, now, _("会议未作决定"))
        row.state = MeetingState.CLOSED
        row.closed_at = now
        row.save(update_fields=["state", "closed_at", "minutes"])
        audit_record(
            actor=actor,
            action="meetings.close",
            target=row,
            place_id=row.compound_id,
            data={"deferred": deferred},
        )
    return row


def meeting_cancel(
    *, actor: Actor, meeting: Meeting, reason: str, when: dt.datetime | None = None
) -> Meeting:
    """Call off a meeting not yet held: its agenda is deferred, the members are told."""
    now = when or timezone.now()
    reason = _clean_text(reason, MAX_TEXT, _("请说明取消的原因"))
    seen = _staff_meeting(actor, meeting)
    with transaction.atomic(durable=True):
        matters = lock_matters(*_pending_matter_ids(seen.pk))
        row = _lock_meeting(seen.pk)
        if row.state != MeetingState.SCHEDULED:
            raise Conflict(_("只能取消尚未开始的会议"))
        deferred = _finish(actor, row, matters, now, _("会议取消：%(reason)s") % {"reason": reason})
        row.state = MeetingState.CANCELLED
        row.closed_at = now
        row.save(update_fields=["state", "closed_at"])
        audit_record(
            actor=actor,
            action="meetings.cancel",
            target=row,
            place_id=row.compound_id,
            data={"deferred": deferred, "reason": reason},
        )
        notify(
            _member_users(row),
            kind="meeting_cancelled",
            params={**_meeting_params(row), "reason": reason},
            url=_url("meeting_list"),
            exclude=_user_or_none(actor),
            when=now,
        )
    return row


def meeting_publish_results(
    *, actor: Actor, meeting: Meeting, when: dt.datetime | None = None
) -> Meeting:
    """Publish the decisions to the compound's residents (会后有结果); the members are told."""
    now = when or timezone.now()
    seen = _staff_meeting(actor, meeting)
    matter_ids = AgendaItem.objects.filter(meeting_id=seen.pk).values_list("matter_id", flat=True)
    with transaction.atomic(durable=True):
        matters = lock_matters(*sorted(matter_ids))
        row = _lock_meeting(seen.pk)
        if row.state != MeetingState.CLOSED:
            raise Conflict(_("会议结束后才能公布结果"))
        if row.published_at is not None:
            raise Conflict(_("结果已经公布"))
        row.published_at = now
        row.save(update_fields=["published_at"])
        for item in sel.meeting_items(row):
            _event(
                matters.get(item.matter_id, item.matter),
                actor,
                A.AGENDA,
                kind=workflows.STAFF,
                note=said("agenda.published", meeting=row.title),
                data={"meeting": row.pk, "item": item.pk, "published": True},
                when=now,
            )
        audit_record(actor=actor, action="meetings.publish", target=row, place_id=row.compound_id)
        notify(
            _member_users(row),
            kind="meeting_results",
            params=_meeting_params(row),
            url=_url("meeting_results", row.pk),
            key=f"meeting-results:{row.pk}",
            exclude=_user_or_none(actor),
            when=now,
        )
    return row


__all__ = [
    "agenda_add",
    "agenda_defer",
    "agenda_remove",
    "item_decide",
    "meeting_call",
    "meeting_cancel",
    "meeting_check_in",
    "meeting_close",
    "meeting_minutes_save",
    "meeting_open",
    "meeting_publish_results",
    "motion_close",
    "motion_open",
    "vote_cast",
]
