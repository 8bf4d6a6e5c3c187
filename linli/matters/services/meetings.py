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

Secret ballot: a ``VoteCast`` row records only *that* a member voted; the choice goes to the
motion's counters (a number has no voter), and when the motion closes its ``Ballot`` rows are
written from the counters in a shuffled order, so not even the order of rows in the database
links a ballot to a voter.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from linli.core.quarters import local_date
from linli.core.text import clean_text
from linli.notifications.services import notify
from linli.people.models import GroupMembership
from linli.places.choices import PlaceKind
from linli.places.models import Place
from linli.points.models import CatalogVersion

from .. import policies, workflows
from .. import selectors_meetings as sel
from ..choices import MatterAction, MatterKind, MatterLevel, MatterState, next_level
from ..locks import lock_matter, lock_matters
from ..models import (
    AgendaItem,
    AgendaOutcome,
    Ballot,
    Matter,
    MatterFollower,
    Meeting,
    MeetingMember,
    MeetingState,
    Motion,
    MotionState,
    VoteCast,
    VoteChoice,
)
from ..selectors import matter_get_for_actor, matter_settings_for
from .matters import MAX_TEXT, STOPS_CLOCK, _clean_text, _event, _user_or_none

A = MatterAction
S = MatterState
O = AgendaOutcome  # noqa: E741 - short for the outcomes, like A and S
MAX_TITLE = 80
MAX_LOCATION = 80
MAX_MOTION = 300
MAX_MINUTES = 20000
CATALOG_DECISION_MAX = 300

# What an agenda decision does to the matter (the transition it takes).
OUTCOME_ACTION: dict[str, str] = {
    O.ADOPTED: A.RESOLVE,
    O.REJECTED: A.DECLINE,
    O.ESCALATED: A.ESCALATE,
    O.DEFERRED: A.DEFER,
}
_shuffle = random.SystemRandom().shuffle


# --- helpers ------------------------------------------------------------------------------------


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(f"web:{name}", args=args)
    except NoReverseMatch:  # pages not mounted (e.g. a command-line tool's settings)
        return ""


def _staff_meeting(actor: Any, meeting: Meeting) -> Meeting:
    """The meeting, for its community's staff. Outside one's places: not found; a member or
    supervisor who sees it may not act: refused."""
    seen = sel.meeting_get_for_actor(actor, meeting.pk)
    if sel.STAFF not in sel.meeting_capacities(actor, seen):
        raise Forbidden(_("只有本社区的工作人员可以进行此操作"))
    return seen


def _lock_meeting(pk: int) -> Meeting:
    # ``of``: the meeting row only, not the places joined for display.
    return (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("compound", "community")
        .get(pk=pk)
    )


def _lock_items(meeting_id: int) -> dict[int, AgendaItem]:
    rows = AgendaItem.objects.select_for_update().filter(meeting_id=meeting_id).order_by("pk")
    return {i.pk: i for i in rows}


def _lock_motions(meeting_id: int) -> dict[int, Motion]:
    rows = Motion.objects.select_for_update().filter(meeting_id=meeting_id).order_by("pk")
    return {m.pk: m for m in rows}


def _when_text(meeting: Meeting) -> str:
    return timezone.localtime(meeting.scheduled_at).strftime("%Y-%m-%d %H:%M")


def _meeting_name(meeting: Meeting) -> str:
    return _("%(title)s（%(when)s）") % {"title": meeting.title, "when": _when_text(meeting)}


def _interested(matter: Matter) -> list[int]:
    """Whom a step on a matter concerns: the raiser and its followers."""
    ids = list(MatterFollower.objects.filter(matter_id=matter.pk).values_list("user_id", flat=True))
    if matter.raised_by_id:
        ids.append(matter.raised_by_id)
    return ids


def _member_users(meeting: Meeting) -> list[int]:
    return [
        uid
        for uid in MeetingMember.objects.filter(meeting_id=meeting.pk).values_list(
            "resident__user_id", flat=True
        )
        if uid
    ]


def _kind_for(actor: Any, matter: Matter) -> set[str]:
    """The capacities in which staff (or the system) act on a matter for a meeting."""
    return policies.actor_kinds(actor, matter) & {workflows.STAFF, workflows.SYSTEM}


def _move(
    matter: Matter,
    actor: Any,
    action: str,
    now: dt.datetime,
    *,
    note: str,
    data: dict[str, Any],
) -> None:
    """One step of the table on the locked matter, stamped, with its event."""
    before = matter.state
    target, kind = workflows.transition_any(before, action, _kind_for(actor, matter))
    matter.state = target
    if target in STOPS_CLOCK:
        matter.finished_at = matter.finished_at or now
    matter.save()
    _event(matter, actor, action, kind=kind, from_state=before, note=note, data=data, when=now)
    audit_record(
        actor=actor,
        action=f"matters.{action}",
        target=matter,
        place_id=matter.place_id,
        data={"from": before, "to": target, "level": matter.level, **data},
    )


def _check_agenda_matter(meeting: Meeting, matter: Matter) -> None:
    if matter.place.compound_id != meeting.compound_id:
        raise ValidationFailed(
            _("只能把本小区（%(compound)s）的事项列入议程") % {"compound": meeting.compound.name}
        )


def _convene(
    meeting: Meeting, matter: Matter, actor: Any, now: dt.datetime, position: int
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
    note = _("列入%(meeting)s议程") % {"meeting": _meeting_name(meeting)}
    if "from_level" in data:
        note += _("（由楼栋提交小区议事）")
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
        text=_("事项“%(title)s”已列入%(meeting)s议程")
        % {"title": matter.title, "meeting": _meeting_name(meeting)},
        url=_url("matter_detail", matter.pk),
        exclude=_user_or_none(actor),
        when=now,
    )
    return item


def _next_position(meeting_id: int) -> int:
    last = AgendaItem.objects.filter(meeting_id=meeting_id).order_by("-position").first()
    return (last.position if last else 0) + 1


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
    actor: Any,
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
    location = clean_text(location, limit=MAX_LOCATION, label=_("地点"))
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
            text=_("请您参加%(meeting)s，地点：%(location)s")
            % {"meeting": _meeting_name(meeting), "location": location or compound.name},
            url=_url("meeting_detail", meeting.pk),
            key=f"meeting-invite:{meeting.pk}",
            exclude=_user_or_none(actor),
            when=now,
        )
    return meeting


def agenda_add(
    *, actor: Any, meeting: Meeting, matter: Matter, when: dt.datetime | None = None
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
    meeting: Meeting, item: AgendaItem, matter: Matter, actor: Any, now: dt.datetime, reason: str
) -> None:
    """Take a locked item off the locked meeting's agenda. A matter that has left deliberation
    meanwhile (carried up or declined on its own page) keeps its state; the item just ends."""
    note = _("%(meeting)s：暂缓，%(reason)s") % {"meeting": meeting.title, "reason": reason}
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
    *, actor: Any, item: AgendaItem, reason: str, when: dt.datetime | None = None
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


# --- attendance ----------------------------------------------------------------------------------


def meeting_open(
    *,
    actor: Any,
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
                note=_("%(meeting)s开始审议") % {"meeting": row.title},
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
    actor: Any,
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


# --- motions and votes --------------------------------------------------------------------------


def motion_open(
    *,
    actor: Any,
    meeting: Meeting,
    text: str,
    item: AgendaItem | None = None,
    catalog_version: Any = None,
    when: dt.datetime | None = None,
) -> Motion:
    """Put a question to the vote, on an agenda item or on its own; it may adopt a version of
    the community's points rule catalogue (``catalog_version``)."""
    now = when or timezone.now()
    text = _clean_text(text, MAX_MOTION, _("请填写表决事项"), multiline=False)
    seen = _staff_meeting(actor, meeting)
    if catalog_version is not None and catalog_version.community_id != seen.community_id:
        raise ValidationFailed(_("只能表决本社区的积分细则版本"))
    with transaction.atomic(durable=True):
        row = _lock_meeting(seen.pk)
        if row.state != MeetingState.OPEN:
            raise Conflict(_("会议开始后才能表决"))
        locked_item = None
        if item is not None:
            locked_item = _lock_items(row.pk).get(item.pk)
            if locked_item is None:
                raise NotFound(_("找不到该议题"))
            if locked_item.outcome != O.PENDING:
                raise Conflict(_("该议题已有结果，不能再表决"))
        motions = _lock_motions(row.pk)
        if locked_item is not None and any(
            m.item_id == locked_item.pk and m.state == MotionState.OPEN for m in motions.values()
        ):
            raise Conflict(_("该议题正在表决"))
        if catalog_version is not None and (
            Motion.objects.filter(catalog_version_id=catalog_version.pk)
            .exclude(state=MotionState.FAILED)
            .exists()
        ):
            raise Conflict(_("该积分细则版本已在表决或已通过"))
        motion = Motion.objects.create(
            meeting=row,
            item=locked_item,
            text=text,
            catalog_version=catalog_version,
            opened_at=now,
        )
        audit_record(
            actor=actor,
            action="meetings.motion_open",
            target=row,
            place_id=row.compound_id,
            data={
                "motion": motion.pk,
                "item": locked_item.pk if locked_item else None,
                "catalog_version": catalog_version.pk if catalog_version is not None else None,
            },
        )
    return motion


def vote_cast(
    *,
    actor: Any,
    motion: Motion,
    choice: str,
    member: MeetingMember | None = None,
    when: dt.datetime | None = None,
) -> VoteCast:
    """One vote (赞成/反对/弃权) per member present per open motion: the member on their phone
    (``member`` None), or staff for a member without one (``by_staff``). A non-member, a
    member not present, a second vote, a closed motion or meeting: a clear error, and nothing
    changes. In a secret ballot the vote row carries no choice."""
    if choice not in VoteChoice.values:
        raise ValidationFailed(_("请选择赞成、反对或弃权"))
    found = Motion.objects.filter(pk=motion.pk).first()
    if found is None:
        raise NotFound(_("找不到该表决"))
    seen = sel.meeting_get_for_actor(actor, found.meeting_id)
    if member is None:
        voter = sel.member_of(actor, seen)
        if voter is None:
            raise Forbidden(_("您不是本次议事会的成员，不能投票"))
        by_staff = False
    else:
        if sel.STAFF not in sel.meeting_capacities(actor, seen):
            raise Forbidden(_("只有本社区的工作人员可以代为录入表决"))
        if member.meeting_id != seen.pk:
            raise NotFound(_("找不到该成员"))
        voter, by_staff = member, True
    with transaction.atomic(durable=True):
        # The motion row (not the meeting joined to it: the meeting is locked before motions).
        row = (
            Motion.objects.select_for_update(of=("self",))
            .select_related("meeting")
            .get(pk=found.pk)
        )
        locked = MeetingMember.objects.select_for_update().get(pk=voter.pk)
        if row.state != MotionState.OPEN:
            raise Conflict(_("表决已结束，不能再投票"))
        if row.meeting.state != MeetingState.OPEN:
            raise Conflict(_("会议不在进行中，不能投票"))
        if not locked.present:
            raise Conflict(_("请先签到：未出席的成员不能投票"))
        if VoteCast.objects.filter(motion_id=row.pk, member_id=locked.pk).exists():
            raise Conflict(_("已经投过票了，每人只能投一票"))
        secret = row.meeting.secret_ballot
        try:
            with transaction.atomic():
                cast = VoteCast.objects.create(
                    motion=row, member=locked, choice="" if secret else choice, by_staff=by_staff
                )
        except IntegrityError:
            raise Conflict(_("已经投过票了，每人只能投一票")) from None
        counter = {
            VoteChoice.FOR: "votes_for",
            VoteChoice.AGAINST: "votes_against",
            VoteChoice.ABSTAIN: "votes_abstain",
        }[VoteChoice(choice)]
        Motion.objects.filter(pk=row.pk).update(**{counter: F(counter) + 1})
        data: dict[str, Any] = {"motion": row.pk, "member": locked.pk, "by_staff": by_staff}
        if not secret:
            data["choice"] = choice
        audit_record(
            actor=actor,
            action="meetings.vote",
            target=row.meeting,
            place_id=row.meeting.compound_id,
            data=data,
        )
    return cast


def _adopt_catalog_version(
    actor: Any, meeting: Meeting, motion: Motion, attendance: sel.Attendance, now: dt.datetime
) -> None:
    """A carried motion adopts its catalogue version: the version records this decision."""
    assert motion.catalog_version_id is not None
    version = CatalogVersion.objects.select_for_update().get(pk=motion.catalog_version_id)
    decision = _(
        "%(meeting)s表决通过（应到 %(members)s 人，到会 %(present)s 人；"
        "赞成 %(for)s，反对 %(against)s，弃权 %(abstain)s）"
    ) % {
        "meeting": _meeting_name(meeting),
        "members": attendance.members,
        "present": attendance.present,
        "for": motion.votes_for,
        "against": motion.votes_against,
        "abstain": motion.votes_abstain,
    }
    before = version.decision
    version.decision = decision[:CATALOG_DECISION_MAX]
    version.decided_on = local_date(now)
    version.save(update_fields=["decision", "decided_on"])
    audit_record(
        actor=actor,
        action="points.catalog_version_adopted",
        target=version,
        place_id=meeting.community_id,
        data={"meeting": meeting.pk, "motion": motion.pk, "before": before},
    )


def motion_close(*, actor: Any, motion: Motion, when: dt.datetime | None = None) -> Motion:
    """Close the vote and tally it: carried when a quorum is present and more than half of
    the members present vote for (城市居民委员会组织法: "more than half of those present
    decide"; abstaining counts against carrying); without a quorum it fails (未达法定人数).
    A carried motion on a catalogue version adopts it. Two staff closing at once: one closes
    it, the other is told it is closed."""
    now = when or timezone.now()
    found = Motion.objects.filter(pk=motion.pk).first()
    if found is None:
        raise NotFound(_("找不到该表决"))
    seen = _staff_meeting(actor, Meeting(pk=found.meeting_id))
    item_matter_id = (
        AgendaItem.objects.filter(pk=found.item_id).values_list("matter_id", flat=True).first()
        if found.item_id
        else None
    )
    with transaction.atomic(durable=True):
        matter = lock_matter(item_matter_id) if item_matter_id else None
        meeting = _lock_meeting(seen.pk)
        row = _lock_motions(meeting.pk)[found.pk]
        if row.state != MotionState.OPEN:
            raise Conflict(_("表决已经结束"))
        attendance = sel.meeting_attendance(meeting)
        if not meeting.secret_ballot:
            # An open ballot's votes are the record: the counters must agree with them.
            casts = list(VoteCast.objects.filter(motion_id=row.pk).values_list("choice", flat=True))
            row.votes_for = casts.count(VoteChoice.FOR)
            row.votes_against = casts.count(VoteChoice.AGAINST)
            row.votes_abstain = casts.count(VoteChoice.ABSTAIN)
        else:
            ballots = (
                [VoteChoice.FOR] * row.votes_for
                + [VoteChoice.AGAINST] * row.votes_against
                + [VoteChoice.ABSTAIN] * row.votes_abstain
            )
            _shuffle(ballots)
            Ballot.objects.bulk_create(Ballot(motion=row, choice=c) for c in ballots)
        carried = attendance.quorum and row.votes_for * 2 > attendance.present
        row.state = MotionState.CARRIED if carried else MotionState.FAILED
        row.present = attendance.present
        row.closed_at = now
        row.save()
        if carried and row.catalog_version_id:
            _adopt_catalog_version(actor, meeting, row, attendance, now)
        result = str(MotionState(row.state).label)
        if not attendance.quorum:
            result += _("（%(reason)s）") % {"reason": _("未达法定人数")}
        tally = _(
            "表决“%(text)s”：到会 %(present)s/%(members)s 人，赞成 %(for)s，反对 %(against)s，"
            "弃权 %(abstain)s，%(result)s"
        ) % {
            "text": row.text,
            "present": attendance.present,
            "members": attendance.members,
            "for": row.votes_for,
            "against": row.votes_against,
            "abstain": row.votes_abstain,
            "result": result,
        }
        if matter is not None:
            _event(
                matter,
                actor,
                A.VOTE,
                kind=workflows.STAFF,
                note=tally,
                data={"meeting": meeting.pk, "motion": row.pk, "state": row.state},
                when=now,
            )
        audit_record(
            actor=actor,
            action="meetings.motion_close",
            target=meeting,
            place_id=meeting.compound_id,
            data={
                "motion": row.pk,
                "state": row.state,
                "present": attendance.present,
                "members": attendance.members,
                "for": row.votes_for,
                "against": row.votes_against,
                "abstain": row.votes_abstain,
            },
        )
    return row


# --- decisions, minutes, closing, publishing ------------------------------------------------------


def item_decide(
    *,
    actor: Any,
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
        note = _("%(meeting)s决定（%(outcome)s）：%(decision)s") % {
            "meeting": meeting.title,
            "outcome": AgendaOutcome(outcome).label,
            "decision": decision,
        }
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
            text=_("事项“%(title)s”%(meeting)s已作出决定：%(outcome)s")
            % {
                "title": matter.title,
                "meeting": meeting.title,
                "outcome": AgendaOutcome(outcome).label,
            },
            url=_url("matter_detail", matter.pk),
            exclude=_user_or_none(actor),
            when=now,
        )
    if outcome == O.ADOPTED and matter.kind == MatterKind.SUGGESTION:
        # Its own transaction: the ledger's source key makes it once, whatever happens here.
        from .matters import matter_award_adopted

        matter_award_adopted(actor=actor, matter=matter, points=points)
    return locked


def meeting_minutes_save(
    *, actor: Any, meeting: Meeting, minutes: str, when: dt.datetime | None = None
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


def _pending_matter_ids(meeting_id: int) -> list[int]:
    return sorted(
        AgendaItem.objects.filter(meeting_id=meeting_id, outcome=O.PENDING).values_list(
            "matter_id", flat=True
        )
    )


def _finish(
    actor: Any, meeting: Meeting, matters: dict[int, Matter], now: dt.datetime, reason: str
) -> int:
    """Defer the locked meeting's pending items (their matters are locked in ``matters``)."""
    pending = [i for i in _lock_items(meeting.pk).values() if i.outcome == O.PENDING]
    if any(i.matter_id not in matters for i in pending):
        raise Conflict(_("议程刚刚有变化，请重试"))
    for item in pending:
        _defer_locked(meeting, item, matters[item.matter_id], actor, now, reason)
    return len(pending)


def meeting_close(
    *, actor: Any, meeting: Meeting, minutes: str | None = None, when: dt.datetime | None = None
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
    *, actor: Any, meeting: Meeting, reason: str, when: dt.datetime | None = None
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
            text=_("%(meeting)s已取消：%(reason)s")
            % {"meeting": _meeting_name(row), "reason": reason},
            url=_url("meeting_list"),
            exclude=_user_or_none(actor),
            when=now,
        )
    return row


def meeting_publish_results(
    *, actor: Any, meeting: Meeting, when: dt.datetime | None = None
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
                note=_("%(meeting)s结果已向居民公布") % {"meeting": row.title},
                data={"meeting": row.pk, "item": item.pk, "published": True},
                when=now,
            )
        audit_record(actor=actor, action="meetings.publish", target=row, place_id=row.compound_id)
        notify(
            _member_users(row),
            kind="meeting_results",
            text=_("%(meeting)s的结果已公布") % {"meeting": _meeting_name(row)},
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
