"""Motions and votes at a deliberation meeting (会中有记录): one vote per member present per
open motion; closing a motion counts it — carried when a quorum is present and more than half
of the members present vote for it. A carried motion on a version of the points rule
catalogue adopts it.

Secret ballot: a ``VoteCast`` row records only *that* a member voted; the choice goes to the
motion's counters (a number has no voter), and when the motion closes its ``Ballot`` rows are
written from the counters in a shuffled order, so not even the order of rows in the database
links a ballot to a voter.

Locks and the rest of the rules: see ``meetings``.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.actors import Actor
from linli.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from linli.core.quarters import local_date
from linli.points.models import CatalogVersion

from .. import selectors_meetings as sel
from .. import workflows
from ..locks import lock_matter
from ..models import (
    AgendaItem,
    Ballot,
    Meeting,
    MeetingMember,
    MeetingState,
    Motion,
    MotionState,
    VoteCast,
    VoteChoice,
)
from ..texts import said
from ._meetings_common import (
    A,
    O,
    _lock_items,
    _lock_meeting,
    _lock_motions,
    _meeting_name,
    _staff_meeting,
)
from .matters import _clean_text, _event

MAX_MOTION = 300
CATALOG_DECISION_MAX = 300
_shuffle = random.SystemRandom().shuffle


def motion_open(
    *,
    actor: Actor,
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
    actor: Actor,
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
    actor: Actor, meeting: Meeting, motion: Motion, attendance: sel.Attendance, now: dt.datetime
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


def motion_close(*, actor: Actor, motion: Motion, when: dt.datetime | None = None) -> Motion:
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
        tally = said(
            "vote" if attendance.quorum else "vote.no_quorum",
            text=row.text,
            present=attendance.present,
            members=attendance.members,
            abstain=row.votes_abstain,
            against=row.votes_against,
            result=row.state,
            **{"for": row.votes_for},
        )
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
