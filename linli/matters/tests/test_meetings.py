# ruff: noqa: F811 - the shared fixtures are imported by name, then used as arguments
"""Deliberation meetings: calling, the agenda, attendance, votes, quorum, decisions, minutes,
publishing — and every bad input from the issue, each refused with nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.core.actors import SYSTEM
from linli.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from linli.matters import selectors_meetings as sel
from linli.matters.choices import MatterAction, MatterKind, MatterLevel, MatterState
from linli.matters.models import (
    AgendaItem,
    AgendaOutcome,
    Ballot,
    Matter,
    MatterSettings,
    Meeting,
    MeetingMember,
    MeetingState,
    Motion,
    MotionState,
    VoteCast,
)
from linli.matters.services import (
    matter_accept,
    matter_award_adopted,
    matter_escalate,
    matter_raise,
)
from linli.matters.services.meetings import (
    agenda_add,
    agenda_defer,
    item_decide,
    meeting_call,
    meeting_cancel,
    meeting_check_in,
    meeting_close,
    meeting_minutes_save,
    meeting_open,
    meeting_publish_results,
    motion_close,
    motion_open,
    vote_cast,
)
from linli.notifications.models import Notification
from linli.places.choices import PlaceKind
from linli.places.services import place_get_or_create
from linli.points.models import Award
from linli.points.services import catalog_version_create

from .test_meetings_support import (  # noqa: F401 - fixtures
    held,
    held_building,
    meeting,
    member_user,
    members,
    soon,
)

pytestmark = pytest.mark.django_db

ADOPTED, REJECTED, ESCALATED, DEFERRED = (
    AgendaOutcome.ADOPTED,
    AgendaOutcome.REJECTED,
    AgendaOutcome.ESCALATED,
    AgendaOutcome.DEFERRED,
)


def _members(meeting: Meeting) -> list[MeetingMember]:
    return list(MeetingMember.objects.filter(meeting=meeting).order_by("id"))


def _own(meeting: Meeting, user) -> MeetingMember:
    return MeetingMember.objects.get(meeting=meeting, resident__user=user)


def _open_with(staff, meeting: Meeting, n: int) -> list[MeetingMember]:
    """Open the meeting with ``n`` members present (李建国 first)."""
    ms = sorted(_members(meeting), key=lambda m: m.resident.user_id is None)
    meeting_open(actor=staff, meeting=meeting, present=ms[:n])
    return ms


def _state(*objs) -> list:
    """A fingerprint of rows that a refused step must leave as they were."""
    out: list = []
    for o in objs:
        o.refresh_from_db()
        out.append({f.attname: getattr(o, f.attname) for f in o._meta.concrete_fields})
    out.append(
        (
            VoteCast.objects.count(),
            Ballot.objects.count(),
            AuditEvent.objects.count(),
            Notification.objects.count(),
        )
    )
    return out


# --- calling ------------------------------------------------------------------------------------


def test_call_snapshots_members_and_settings_and_convenes(
    tree, staff, meeting, held, members, member_user, resident_user
):
    got = _members(meeting)
    assert sorted(m.resident_id for m in got) == sorted(r.pk for r in members)
    both = next(m for m in got if m.resident.name == "刘玉珍")
    assert both.group == "representative"  # both groups: sits once
    assert (meeting.quorum_percent, meeting.secret_ballot) == (50, False)
    assert meeting.state == MeetingState.SCHEDULED and meeting.called_by == staff
    held.refresh_from_db()
    assert held.state == MatterState.DELIBERATING and held.level == MatterLevel.COMPOUND
    ev = held.events.order_by("-id").first()
    assert ev.action == MatterAction.CONVENE and "和平小区第一次议事会" in ev.note
    assert AgendaItem.objects.get(meeting=meeting).matter == held
    # Invitation to the member with an account; the raiser told it is on the agenda.
    assert Notification.objects.filter(user=member_user, kind="meeting_invite").count() == 1
    assert Notification.objects.filter(user=resident_user, kind="matter_agenda").count() == 1
    assert not Notification.objects.filter(
        user=staff, kind__in=["meeting_invite", "matter_agenda"]
    ).exists()
    assert AuditEvent.objects.filter(action="meetings.call", target_id=str(meeting.pk)).exists()


def test_settings_are_snapshotted_when_called(tree, staff, members):
    MatterSettings.objects.create(community=tree.heping, quorum_percent=66, secret_ballot=True)
    m = meeting_call(actor=staff, compound=tree.compound1, title="议事会", scheduled_at=soon())
    MatterSettings.objects.filter(community=tree.heping).update(
        quorum_percent=50, secret_ballot=False
    )
    m.refresh_from_db()
    assert (m.quorum_percent, m.secret_ballot) == (66, True)


@pytest.mark.parametrize(
    "who, error", [("outsider", NotFound), ("resident_user", NotFound), ("leader", NotFound)]
)
def test_only_staff_call_meetings(request, tree, members, who, error):
    actor = request.getfixturevalue(who)
    with pytest.raises(error):
        meeting_call(actor=actor, compound=tree.compound1, title="会", scheduled_at=soon())
    assert not Meeting.objects.exists()


def test_call_refuses_bad_input(tree, staff, outsider, members):
    cases = [
        dict(compound=tree.building1, title="会", scheduled_at=soon()),  # not a compound
        dict(compound=tree.compound1, title="  ", scheduled_at=soon()),
        dict(compound=tree.compound1, title="会", scheduled_at=soon(-1)),  # in the past
        dict(compound=tree.compound1, title="会", scheduled_at=soon(), location="地" * 81),
    ]
    for kw in cases:
        with pytest.raises(ValidationFailed):
            meeting_call(actor=staff, **kw)
    with pytest.raises(NotFound):  # another community's compound
        meeting_call(actor=staff, compound=tree.other_compound, title="会", scheduled_at=soon())
    assert not Meeting.objects.exists()


def test_call_without_members_is_refused(tree, staff):
    with pytest.raises(ValidationFailed, match="居民代表"):
        meeting_call(actor=staff, compound=tree.compound1, title="会", scheduled_at=soon())
    assert not Meeting.objects.exists()


def test_call_with_a_matter_of_another_compound_changes_nothing(tree, staff, members, held):
    compound2, _ = place_get_or_create(parent=tree.heping, kind=PlaceKind.COMPOUND, name="二小区")
    before = _state(held)
    with pytest.raises(ValidationFailed, match="只能把本小区"):
        meeting_call(
            actor=staff, compound=compound2, title="会", scheduled_at=soon(), matters=[held]
        )
    assert _state(held) == before and not Meeting.objects.exists()


# --- the agenda ---------------------------------------------------------------------------------


def test_building_matter_is_carried_up_to_the_compound(staff, meeting, held_building):
    item = agenda_add(actor=staff, meeting=meeting, matter=held_building)
    held_building.refresh_from_db()
    assert item.position == 2
    assert held_building.state == MatterState.DELIBERATING
    assert held_building.level == MatterLevel.COMPOUND
    ev = held_building.events.order_by("-id").first()
    assert "由楼栋提交小区议事" in ev.note and ev.data["to_level"] == "compound"


def test_agenda_item_not_in_the_compound_is_refused(tree, staff, outsider, meeting):
    far = matter_raise(
        actor=outsider, place=tree.other_compound, kind="problem", title="胜利", source="visit"
    )
    matter_accept(actor=outsider, matter=far)
    with pytest.raises(NotFound):  # staff do not see another community's matter
        agenda_add(actor=staff, meeting=meeting, matter=far)
    compound2, _ = place_get_or_create(parent=tree.heping, kind=PlaceKind.COMPOUND, name="二小区")
    there = matter_raise(actor=staff, place=compound2, kind="problem", title="二", source="visit")
    matter_accept(actor=staff, matter=there)
    before = _state(there, meeting)
    with pytest.raises(ValidationFailed, match="只能把本小区"):
        agenda_add(actor=staff, meeting=meeting, matter=there)
    assert _state(there, meeting) == before
    assert AgendaItem.objects.filter(meeting=meeting).count() == 1


def test_agenda_needs_a_held_matter_and_an_active_meeting(tree, staff, meeting, resident_user):
    raw = matter_raise(actor=resident_user, place=tree.compound1, kind="problem", title="新事")
    before = _state(raw)
    with pytest.raises(Conflict, match="已受理或办理中"):
        agenda_add(actor=staff, meeting=meeting, matter=raw)
    assert _state(raw) == before
    matter_accept(actor=staff, matter=raw)
    meeting_cancel(actor=staff, meeting=meeting, reason="疫情防控")
    with pytest.raises(Conflict):
        agenda_add(actor=staff, meeting=meeting, matter=raw)
    raw.refresh_from_db()
    assert raw.state == MatterState.ACCEPTED


def test_agenda_by_a_member_or_a_resident(
    staff, meeting, held_building, member_user, resident_user
):
    with pytest.raises(Forbidden):
        agenda_add(actor=member_user, meeting=meeting, matter=held_building)
    with pytest.raises(NotFound):  # a resident does not see an unpublished meeting
        agenda_add(actor=resident_user, meeting=meeting, matter=held_building)
    held_building.refresh_from_db()
    assert held_building.state == MatterState.ACCEPTED


def test_defer_takes_it_off_and_it_can_come_back(staff, meeting, held):
    item = AgendaItem.objects.get(meeting=meeting)
    with pytest.raises(ValidationFailed):
        agenda_defer(actor=staff, item=item, reason="")
    agenda_defer(actor=staff, item=item, reason="需要先征求物业意见")
    held.refresh_from_db()
    item.refresh_from_db()
    assert held.state == MatterState.IN_HAND and item.outcome == DEFERRED
    with pytest.raises(Conflict):
        agenda_defer(actor=staff, item=item, reason="再来")
    again = agenda_add(actor=staff, meeting=meeting, matter=held)
    assert again.pk == item.pk and again.outcome == AgendaOutcome.PENDING
    held.refresh_from_db()
    assert held.state == MatterState.DELIBERATING


# --- attendance ---------------------------------------------------------------------------------


def test_check_in_by_the_member_and_by_staff(staff, meeting, member_user, resident_user):
    own = _own(meeting, member_user)
    with pytest.raises(Conflict, match="会议开始后"):
        meeting_check_in(actor=member_user, meeting=meeting)
    meeting_open(actor=staff, meeting=meeting)
    with pytest.raises(NotFound):  # a resident does not see the meeting at all
        meeting_check_in(actor=resident_user, meeting=meeting)
    got = meeting_check_in(actor=member_user, meeting=meeting)
    assert got.pk == own.pk and got.present and not got.checked_in_by_staff
    assert meeting_check_in(actor=member_user, meeting=meeting).present  # twice: no change
    other = next(m for m in _members(meeting) if m.pk != own.pk)
    with pytest.raises(Forbidden):  # a member cannot check in someone else
        meeting_check_in(actor=member_user, meeting=meeting, member=other)
    marked = meeting_check_in(actor=staff, meeting=meeting, member=other)
    assert marked.present and marked.checked_in_by_staff
    unmarked = meeting_check_in(actor=staff, meeting=meeting, member=other, present=False)
    assert not unmarked.present


def test_cannot_mark_absent_after_voting(staff, meeting, member_user):
    _open_with(staff, meeting, 4)
    motion = motion_open(actor=staff, meeting=meeting, text="同意建小广场")
    vote_cast(actor=member_user, motion=motion, choice="for")
    own = _own(meeting, member_user)
    with pytest.raises(Conflict, match="已经投过票"):
        meeting_check_in(actor=staff, meeting=meeting, member=own, present=False)
    own.refresh_from_db()
    assert own.present


# --- votes --------------------------------------------------------------------------------------


def test_open_ballot_vote_and_staff_vote(staff, meeting, member_user):
    ms = _open_with(staff, meeting, 4)
    motion = motion_open(actor=staff, meeting=meeting, text="同意建小广场")
    cast = vote_cast(actor=member_user, motion=motion, choice="for")
    assert cast.choice == "for" and not cast.by_staff
    by_staff = vote_cast(actor=staff, motion=motion, choice="against", member=ms[1])
    assert by_staff.by_staff and by_staff.member == ms[1]
    motion.refresh_from_db()
    assert (motion.votes_for, motion.votes_against, motion.votes_abstain) == (1, 1, 0)
    audit = AuditEvent.objects.filter(action="meetings.vote").order_by("id").first()
    assert audit.data["choice"] == "for"


def test_vote_bad_input_changes_nothing(
    staff, supervisor, outsider, resident_user, meeting, member_user
):
    ms = _open_with(staff, meeting, 3)
    absent = ms[4]
    motion = motion_open(actor=staff, meeting=meeting, text="同意建小广场")
    before = _state(motion)
    with pytest.raises(ValidationFailed):
        vote_cast(actor=member_user, motion=motion, choice="maybe")
    with pytest.raises(NotFound):  # a resident (not a member): the meeting is not found
        vote_cast(actor=resident_user, motion=motion, choice="for")
    with pytest.raises(NotFound):
        vote_cast(actor=outsider, motion=motion, choice="for")
    with pytest.raises(Forbidden, match="不是本次议事会的成员"):  # sees it, but is no member
        vote_cast(actor=supervisor, motion=motion, choice="for")
    with pytest.raises(Forbidden, match="不是本次议事会的成员"):
        vote_cast(actor=staff, motion=motion, choice="for")
    with pytest.raises(Forbidden):  # only staff record votes for others
        vote_cast(actor=member_user, motion=motion, choice="for", member=absent)
    with pytest.raises(Conflict, match="请先签到"):
        vote_cast(actor=staff, motion=motion, choice="for", member=absent)
    assert _state(motion) == before


def test_second_vote_is_refused(staff, meeting, member_user):
    _open_with(staff, meeting, 4)
    motion = motion_open(actor=staff, meeting=meeting, text="同意")
    vote_cast(actor=member_user, motion=motion, choice="for")
    before = _state(motion)
    with pytest.raises(Conflict, match="只能投一票"):
        vote_cast(actor=member_user, motion=motion, choice="against")
    with pytest.raises(Conflict, match="只能投一票"):  # nor by staff on their behalf
        vote_cast(actor=staff, motion=motion, choice="against", member=_own(meeting, member_user))
    assert _state(motion) == before
    assert VoteCast.objects.get().choice == "for"


def test_vote_after_the_motion_or_meeting_closed(staff, meeting, member_user):
    ms = _open_with(staff, meeting, 4)
    motion = motion_open(actor=staff, meeting=meeting, text="同意")
    motion_close(actor=staff, motion=motion)
    before = _state(motion)
    with pytest.raises(Conflict, match="表决已结束"):
        vote_cast(actor=member_user, motion=motion, choice="for")
    assert _state(motion) == before
    meeting_close(actor=staff, meeting=meeting, minutes="记录")
    with pytest.raises(Conflict):
        vote_cast(actor=staff, motion=motion, choice="for", member=ms[1])
    with pytest.raises(Conflict):
        motion_open(actor=staff, meeting=meeting, text="再表决")
    assert VoteCast.objects.count() == 0


def test_motion_cannot_open_before_the_meeting(staff, meeting):
    with pytest.raises(Conflict):
        motion_open(actor=staff, meeting=meeting, text="同意")
    assert not Motion.objects.exists()


# --- quorum and tallies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "present, members, percent, ok",
    [
        (5, 10, 50, False),  # exactly half is not more than half
        (6, 10, 50, True),
        (3, 6, 50, False),
        (4, 6, 50, True),
        (4, 7, 50, True),
        (3, 7, 50, False),
        (1, 1, 50, True),
        (0, 0, 50, False),
        (6, 9, 66, True),  # 600 > 594
        (5, 9, 66, False),
    ],
)
def test_quorum_arithmetic(present, members, percent, ok):
    assert sel.has_quorum(present, members, percent) is ok
    assert (present >= sel.quorum_needed(members, percent)) is ok or members == 0


def test_exactly_half_present_is_no_quorum(staff, meeting, held, member_user):
    ms = _open_with(staff, meeting, 3)  # 3 of 6
    item = AgendaItem.objects.get(meeting=meeting)
    motion = motion_open(actor=staff, meeting=meeting, text="同意建小广场", item=item)
    for m in ms[:3]:
        vote_cast(actor=staff, motion=motion, choice="for", member=m)
    closed = motion_close(actor=staff, motion=motion)
    assert closed.state == MotionState.FAILED and closed.present == 3
    assert sel.motion_failed_for_quorum(closed, 6)
    ev = held.events.filter(action=MatterAction.VOTE).get()
    assert "未达法定人数" in ev.note and "赞成 3" in ev.note
    # Without a quorum the meeting decides nothing — not even to defer by a decision.
    before = _state(held, item)
    for outcome in (ADOPTED, REJECTED, ESCALATED, DEFERRED):
        with pytest.raises(Conflict, match="未达法定人数"):
            item_decide(actor=staff, item=item, outcome=outcome, decision="决定")
    assert _state(held, item) == before
    # One more arrives: 4 of 6 is a quorum.
    meeting_check_in(actor=staff, meeting=meeting, member=ms[3])
    again = motion_open(actor=staff, meeting=meeting, text="同意建小广场", item=item)
    for m in ms[:4]:
        vote_cast(actor=staff, motion=again, choice="for", member=m)
    assert motion_close(actor=staff, motion=again).state == MotionState.CARRIED


def test_carried_needs_more_than_half_of_those_present(staff, meeting):
    # 城市居民委员会组织法: more than half of those present decide; abstaining does not help.
    ms = _open_with(staff, meeting, 6)
    tie = motion_open(actor=staff, meeting=meeting, text="平票")
    for m, c in zip(ms, ["for", "for", "against", "against", "abstain", "abstain"], strict=True):
        vote_cast(actor=staff, motion=tie, choice=c, member=m)
    closed = motion_close(actor=staff, motion=tie)
    assert closed.state == MotionState.FAILED
    assert not sel.motion_failed_for_quorum(closed, 6)
    # More for than against, but only 3 of 6 present for: not more than half.
    half = motion_open(actor=staff, meeting=meeting, text="一半")
    for m, c in zip(ms, ["for", "for", "for", "against", "abstain", "abstain"], strict=True):
        vote_cast(actor=staff, motion=half, choice=c, member=m)
    closed = motion_close(actor=staff, motion=half)
    assert closed.state == MotionState.FAILED
    assert (closed.votes_for, closed.votes_against, closed.votes_abstain) == (3, 1, 2)
    more = motion_open(actor=staff, meeting=meeting, text="多数")
    for m, c in zip(ms, ["for", "for", "for", "for", "abstain", "against"], strict=True):
        vote_cast(actor=staff, motion=more, choice=c, member=m)
    closed = motion_close(actor=staff, motion=more)
    assert closed.state == MotionState.CARRIED
    assert (closed.votes_for, closed.votes_against, closed.votes_abstain) == (4, 1, 1)
    with pytest.raises(Conflict, match="表决已经结束"):
        motion_close(actor=staff, motion=more)


# --- secret ballot ------------------------------------------------------------------------------


def test_secret_ballot_keeps_no_link_between_voter_and_choice(tree, staff, members, member_user):
    MatterSettings.objects.create(community=tree.heping, secret_ballot=True)
    m = meeting_call(actor=staff, compound=tree.compound1, title="无记名", scheduled_at=soon())
    ms = _open_with(staff, m, 5)
    motion = motion_open(actor=staff, meeting=m, text="同意")
    vote_cast(actor=member_user, motion=motion, choice="against")
    for member, c in zip(ms[1:5], ["for", "for", "for", "abstain"], strict=True):
        vote_cast(actor=staff, motion=motion, choice=c, member=member)
    assert set(VoteCast.objects.values_list("choice", flat=True)) == {""}
    assert not Ballot.objects.exists()  # written at the count, shuffled
    assert not any("choice" in a.data for a in AuditEvent.objects.filter(action="meetings.vote"))
    closed = motion_close(actor=staff, motion=motion)
    assert closed.state == MotionState.CARRIED
    assert sorted(Ballot.objects.values_list("choice", flat=True)) == sorted(
        ["against", "for", "for", "for", "abstain"]
    )
    assert sel.open_choices(Motion.objects.select_related("meeting").get(pk=motion.pk)) == {}


# --- decisions ----------------------------------------------------------------------------------


def _carry(staff, meeting, item, n_for=4):
    ms = _members(meeting)
    motion = motion_open(actor=staff, meeting=meeting, text="同意", item=item)
    for m in [m for m in ms if m.present][:n_for]:
        vote_cast(actor=staff, motion=motion, choice="for", member=m)
    return motion_close(actor=staff, motion=motion)


def test_adopted_suggestion_awards_once(staff, meeting, held, resident_user, suggestion_rule):
    _open_with(staff, meeting, 4)
    item = AgendaItem.objects.get(meeting=meeting)
    with pytest.raises(Conflict, match="获得通过的表决"):
        item_decide(actor=staff, item=item, outcome=ADOPTED, decision="采纳")
    assert _carry(staff, meeting, item).state == MotionState.CARRIED
    decided = item_decide(
        actor=staff, item=item, outcome=ADOPTED, decision="采纳：清理空地，放 6 张座椅"
    )
    held.refresh_from_db()
    assert decided.outcome == ADOPTED and decided.decided_at is not None
    assert held.state == MatterState.DECIDED and "6 张座椅" in held.decision
    awards = Award.objects.filter(source_type="matter", source_id=str(held.pk))
    assert awards.count() == 1 and awards.get().resident.user == resident_user
    with pytest.raises(Conflict, match="已有结果"):
        item_decide(actor=staff, item=item, outcome=ADOPTED, decision="再采纳")
    matter_award_adopted(actor=staff, matter=held)  # a retry elsewhere: still one
    assert awards.count() == 1
    assert held.events.filter(action=MatterAction.AWARD).count() == 1
    assert Notification.objects.filter(user=resident_user, kind="matter_decided").count() == 1


def test_rejected_escalated_deferred(tree, staff, meeting, held, held_building, resident_user):
    item_b = agenda_add(actor=staff, meeting=meeting, matter=held_building)
    third = matter_raise(
        actor=staff, place=tree.compound1, kind="request", title="三", source="visit"
    )
    matter_accept(actor=staff, matter=third)
    item_c = agenda_add(actor=staff, meeting=meeting, matter=third)
    _open_with(staff, meeting, 4)
    item_a = AgendaItem.objects.get(meeting=meeting, matter=held)
    item_decide(actor=staff, item=item_a, outcome=REJECTED, decision="空地属于物业，不能改建")
    item_decide(actor=staff, item=item_b, outcome=ESCALATED, decision="需社区协调交警")
    item_decide(actor=staff, item=item_c, outcome=DEFERRED, decision="下次再议")
    for m in (held, held_building, third):
        m.refresh_from_db()
    assert held.state == MatterState.DECLINED
    assert "不能改建" in held.events.order_by("-id").first().note
    assert (held_building.state, held_building.level) == (MatterState.IN_HAND, "community")
    assert (third.state, third.level) == (MatterState.IN_HAND, "compound")
    assert not Award.objects.exists()


def test_decision_needs_an_open_meeting_and_no_open_vote(staff, meeting, held):
    item = AgendaItem.objects.get(meeting=meeting)
    with pytest.raises(Conflict, match="会议进行中"):
        item_decide(actor=staff, item=item, outcome=REJECTED, decision="不")
    _open_with(staff, meeting, 4)
    motion_open(actor=staff, meeting=meeting, text="同意", item=item)
    with pytest.raises(Conflict, match="正在表决"):
        item_decide(actor=staff, item=item, outcome=REJECTED, decision="不")
    with pytest.raises(Conflict, match="正在表决"):
        agenda_defer(actor=staff, item=item, reason="不")
    held.refresh_from_db()
    assert held.state == MatterState.DELIBERATING


def test_decide_by_member_supervisor_outsider(
    staff, supervisor, outsider, member_user, meeting, held
):
    _open_with(staff, meeting, 4)
    item = AgendaItem.objects.get(meeting=meeting)
    for actor, error in ((member_user, Forbidden), (supervisor, Forbidden), (outsider, NotFound)):
        with pytest.raises(error):
            item_decide(actor=actor, item=item, outcome=REJECTED, decision="不")
        with pytest.raises(error):
            motion_open(actor=actor, meeting=meeting, text="x")
        with pytest.raises(error):
            meeting_close(actor=actor, meeting=meeting, minutes="x")
    held.refresh_from_db()
    assert held.state == MatterState.DELIBERATING and not Motion.objects.exists()


# --- the points catalogue -------------------------------------------------------------------------


def test_carried_motion_adopts_a_catalog_version(tree, staff, secretary, outsider, meeting):
    version = catalog_version_create(
        actor=secretary,
        community=tree.heping,
        decision="草案，待议事会表决",
        decided_on=dt.date(2024, 1, 1),
    )
    other = catalog_version_create(
        actor=outsider, community=tree.other, decision="胜利", decided_on=dt.date(2024, 1, 1)
    )
    ms = _open_with(staff, meeting, 4)
    with pytest.raises(ValidationFailed):
        motion_open(actor=staff, meeting=meeting, text="细则", catalog_version=other)
    motion = motion_open(
        actor=staff, meeting=meeting, text="通过积分细则第 1 版", catalog_version=version
    )
    with pytest.raises(Conflict, match="细则版本已在表决"):
        motion_open(actor=staff, meeting=meeting, text="再来", catalog_version=version)
    for m, c in zip(ms[:4], ["for", "for", "for", "against"], strict=True):
        vote_cast(actor=staff, motion=motion, choice=c, member=m)
    when = timezone.now()
    motion_close(actor=staff, motion=motion, when=when)
    version.refresh_from_db()
    assert "和平小区第一次议事会" in version.decision and "赞成 3，反对 1" in version.decision
    assert version.decided_on == timezone.localdate(when)


def test_failed_motion_leaves_the_version(tree, staff, secretary, meeting):
    version = catalog_version_create(
        actor=secretary, community=tree.heping, decision="草案", decided_on=dt.date(2024, 1, 1)
    )
    _open_with(staff, meeting, 2)
    motion = motion_open(actor=staff, meeting=meeting, text="细则", catalog_version=version)
    motion_close(actor=staff, motion=motion)
    version.refresh_from_db()
    assert version.decision == "草案"


# --- closing, publishing, cancelling --------------------------------------------------------------


def test_close_needs_minutes_and_closed_motions_and_defers_the_rest(
    staff, meeting, held, held_building
):
    agenda_add(actor=staff, meeting=meeting, matter=held_building)
    _open_with(staff, meeting, 4)
    item_a = AgendaItem.objects.get(meeting=meeting, matter=held)
    item_decide(actor=staff, item=item_a, outcome=REJECTED, decision="不改建")
    motion = motion_open(actor=staff, meeting=meeting, text="其他")
    with pytest.raises(ValidationFailed, match="会议记录"):
        meeting_close(actor=staff, meeting=meeting)
    with pytest.raises(Conflict, match="表决没有结束"):
        meeting_close(actor=staff, meeting=meeting, minutes="记录")
    motion_close(actor=staff, motion=motion)
    meeting_minutes_save(actor=staff, meeting=meeting, minutes="到会 4 人。议题一不予采纳。")
    closed = meeting_close(actor=staff, meeting=meeting)
    assert closed.state == MeetingState.CLOSED and closed.minutes.startswith("到会 4 人")
    held_building.refresh_from_db()
    assert held_building.state == MatterState.IN_HAND
    assert AgendaItem.objects.get(matter=held_building).outcome == DEFERRED
    with pytest.raises(Conflict):
        meeting_close(actor=staff, meeting=meeting, minutes="再")


def test_publish_results(staff, meeting, held, resident_user, member_user, leader):
    with pytest.raises(NotFound):
        sel.meeting_get_for_actor(resident_user, meeting.pk)
    with pytest.raises(Conflict, match="会议结束后"):
        meeting_publish_results(actor=staff, meeting=meeting)
    _open_with(staff, meeting, 4)
    meeting_close(actor=staff, meeting=meeting, minutes="记录")
    meeting_publish_results(actor=staff, meeting=meeting)
    assert sel.meeting_get_for_actor(resident_user, meeting.pk) == meeting
    assert sel.meeting_get_for_actor(leader, meeting.pk) == meeting  # lives in the compound
    assert Notification.objects.filter(user=member_user, kind="meeting_results").count() == 1
    with pytest.raises(Conflict, match="已经公布"):
        meeting_publish_results(actor=staff, meeting=meeting)
    with pytest.raises(Conflict):
        meeting_minutes_save(actor=staff, meeting=meeting, minutes="改")
    held.refresh_from_db()
    assert held.events.filter(action=MatterAction.AGENDA, data__published=True).exists()


def test_cancel_defers_the_agenda_and_tells_members(staff, meeting, held, member_user):
    with pytest.raises(ValidationFailed):
        meeting_cancel(actor=staff, meeting=meeting, reason="")
    meeting_cancel(actor=staff, meeting=meeting, reason="台风预警")
    meeting.refresh_from_db()
    held.refresh_from_db()
    assert meeting.state == MeetingState.CANCELLED and held.state == MatterState.IN_HAND
    assert Notification.objects.filter(user=member_user, kind="meeting_cancelled").exists()
    with pytest.raises(Conflict):
        meeting_open(actor=staff, meeting=meeting)


def test_system_and_back_dated_history(tree, members, resident_user):
    m = matter_raise(
        actor=resident_user, place=tree.compound1, kind=MatterKind.PROBLEM, title="旧事"
    )
    matter_accept(actor=SYSTEM, matter=m)
    t0 = timezone.now() - dt.timedelta(days=30)
    meeting = meeting_call(
        actor=SYSTEM,
        compound=tree.compound1,
        title="上月议事会",
        scheduled_at=t0 + dt.timedelta(days=3),
        matters=[m],
        when=t0,
    )
    meeting.refresh_from_db()
    assert meeting.created_at == t0
    ev = m.events.filter(action=MatterAction.CONVENE).get()
    assert ev.created_at == t0


def test_the_matter_timeline_tells_the_whole_story(staff, meeting, held, suggestion_rule):
    _open_with(staff, meeting, 4)
    item = AgendaItem.objects.get(meeting=meeting)
    _carry(staff, meeting, item)
    item_decide(actor=staff, item=item, outcome=ADOPTED, decision="采纳")
    meeting_close(actor=staff, meeting=meeting, minutes="记录")
    meeting_publish_results(actor=staff, meeting=meeting)
    actions = list(held.events.order_by("id").values_list("action", flat=True))
    assert actions == [
        "raise",
        "accept",
        "convene",
        "agenda",  # the meeting took it up
        "vote",
        "resolve",
        "award",
        "agenda",  # results published
    ]
    assert Matter.objects.get(pk=held.pk).state == MatterState.DECIDED


def test_a_matter_carried_up_on_its_own_page_does_not_block_the_meeting(staff, meeting, held):
    # The matter page still offers "上报" while it is in deliberation: the meeting copes.
    _open_with(staff, meeting, 4)
    matter_escalate(actor=staff, matter=held, reason="街道统一安排")
    item = AgendaItem.objects.get(meeting=meeting)
    with pytest.raises(Conflict, match="已不在议事中"):
        item_decide(actor=staff, item=item, outcome=REJECTED, decision="不")
    closed = meeting_close(actor=staff, meeting=meeting, minutes="记录")
    assert closed.state == MeetingState.CLOSED
    held.refresh_from_db()
    item.refresh_from_db()
    assert (held.state, held.level) == (MatterState.IN_HAND, "community")
    assert item.outcome == DEFERRED
