"""今天要办 for matters: each item appears when due, disappears when done, and never counts
rows outside the actor's places."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from conftest import PASSWORD
from linli.core.quarters import local_date
from linli.core.today import TodayItem, week_end
from linli.matters import selectors_today as today
from linli.matters.models import Rectification, Referral
from linli.matters.services import (
    matter_accept,
    matter_refer,
    matter_settle,
    referral_complete,
)
from linli.matters.services.flags import flag_answer, flag_raise
from linli.matters.services.meetings import meeting_call, meeting_cancel
from linli.matters.services.ratings import (
    appeal_decide,
    appeal_file,
    rating_give,
    rectification_done,
)
from linli.people.choices import ResidentGroup, Role
from linli.people.models import GroupMembership, Resident
from linli.places.choices import PlaceKind
from linli.places.services import place_get_or_create
from tests.factories import GrantFactory, UserFactory

from .test_ratings_support import fixture_neighbour_user as fixture_neighbour_user
from .test_ratings_support import raise_lamp

pytestmark = pytest.mark.django_db


def one(items: list[TodayItem], kind: str) -> TodayItem:
    (found,) = [i for i in items if i.kind == kind]
    return found


def count(items: list[TodayItem], kind: str) -> int:
    return sum(i.count for i in items if i.kind == kind)


def today_() -> dt.date:
    return local_date(timezone.now())


def residents_of(user) -> list[Resident]:
    return list(Resident.objects.filter(user=user).select_related("household"))


@pytest.fixture
def far_leader(tree):
    """The leader of 2栋: 1栋's matters are not hers."""
    user = UserFactory(name="二栋长", phone="13900000031", password=PASSWORD)
    GrantFactory(user=user, role=Role.BUILDING_LEADER, place=tree.building2)
    return user


@pytest.fixture
def far_supervisor(tree):
    street, _ = place_get_or_create(parent=tree.district, kind=PlaceKind.STREET, name="远方街道")
    user = UserFactory(name="远方督办", phone="13900000032", password=PASSWORD)
    GrantFactory(user=user, role=Role.SUPERVISOR, place=street)
    return user


def test_accept_and_leader_waiting(tree, resident_user, staff, leader, outsider, far_leader):
    matter = raise_lamp(tree, resident_user)
    staff_items = today.today_for_staff(staff, today_())
    accept = one(staff_items, today.ACCEPT)
    assert (accept.count, accept.first) == (1, matter.pk)
    waiting = one(today.today_for_leader(leader, timezone.now()), today.LEADER_WAITING)
    assert (waiting.count, waiting.first, waiting.extra["new"]) == (1, matter.pk, 1)
    # Out of scope: another community's secretary, another building's leader.
    assert count(today.today_for_staff(outsider, today_()), today.ACCEPT) == 0
    assert count(today.today_for_leader(far_leader, timezone.now()), today.LEADER_WAITING) == 0
    # Accepted: no longer to accept, still in the leader's hands (not new).
    matter_accept(actor=leader, matter=matter)
    assert count(today.today_for_staff(staff, today_()), today.ACCEPT) == 0
    waiting = one(today.today_for_leader(leader, timezone.now()), today.LEADER_WAITING)
    assert (waiting.count, waiting.extra["new"]) == (1, 0)
    matter_settle(actor=leader, matter=matter, note="已换灯泡")
    assert count(today.today_for_leader(leader, timezone.now()), today.LEADER_WAITING) == 0


def test_referrals_by_due_date(tree, resident_user, staff, zhujian, chengguan, depts, supervisor):
    matter = raise_lamp(tree, resident_user)
    matter_accept(actor=staff, matter=matter)
    (ref,) = matter_refer(
        actor=staff, matter=matter, departments=[depts["住建"]], lead=depts["住建"], kind="help"
    )
    day = today_()
    # Due well after this week: the handler has it; staff and the supervisor are not told.
    Referral.objects.filter(pk=ref.pk).update(due_on=week_end(day) + dt.timedelta(days=20))
    handler = one(today.today_for_department(zhujian, day), today.DEPARTMENT_REFERRALS)
    assert (handler.count, handler.overdue, handler.first) == (1, 0, matter.pk)
    assert [r.pk for r in handler.rows] == [matter.pk]
    assert count(today.today_for_department(chengguan, day), today.DEPARTMENT_REFERRALS) == 0
    assert count(today.today_for_staff(staff, day), today.REFERRALS_DUE) == 0
    assert count(today.today_for_supervisor(supervisor, day), today.STREET_OVERDUE) == 0
    # Due this week: staff are told.
    Referral.objects.filter(pk=ref.pk).update(due_on=week_end(day))
    assert count(today.today_for_staff(staff, day), today.REFERRALS_DUE) == 1
    assert count(today.today_for_supervisor(supervisor, day), today.STREET_OVERDUE) == 0
    # Overdue: staff, the handler and the supervisor; an extension moves the date.
    Referral.objects.filter(pk=ref.pk).update(due_on=day - dt.timedelta(days=3))
    due = one(today.today_for_staff(staff, day), today.REFERRALS_DUE)
    assert (due.count, due.overdue) == (1, 1)
    assert one(today.today_for_department(zhujian, day), today.DEPARTMENT_REFERRALS).overdue == 1
    street = one(today.today_for_supervisor(supervisor, day), today.STREET_OVERDUE)
    assert (street.count, street.first) == (1, matter.pk)
    Referral.objects.filter(pk=ref.pk).update(extended_due_on=week_end(day) + dt.timedelta(days=9))
    assert count(today.today_for_staff(staff, day), today.REFERRALS_DUE) == 0
    assert count(today.today_for_supervisor(supervisor, day), today.STREET_OVERDUE) == 0
    Referral.objects.filter(pk=ref.pk).update(extended_due_on=None)
    # Done: gone for everyone.
    ref.refresh_from_db()
    referral_complete(actor=zhujian, referral=ref, note="已修复")
    assert count(today.today_for_department(zhujian, day), today.DEPARTMENT_REFERRALS) == 0
    assert count(today.today_for_staff(staff, day), today.REFERRALS_DUE) == 0
    assert count(today.today_for_supervisor(supervisor, day), today.STREET_OVERDUE) == 0


def test_rating_rectification_round(tree, resident_user, leader, staff, neighbour_user):
    matter = raise_lamp(tree, resident_user)
    mine = residents_of(resident_user)
    assert count(today.today_for_resident(resident_user, mine), today.RATE) == 0
    matter_accept(actor=leader, matter=matter)
    matter_settle(actor=leader, matter=matter, note="已换灯泡")
    rate = one(today.today_for_resident(resident_user, mine), today.RATE)
    assert (rate.count, rate.first) == (1, matter.pk)
    # A neighbour who sees the matter did not raise it: nothing to rate.
    neighbour = residents_of(neighbour_user)
    assert count(today.today_for_resident(neighbour_user, neighbour), today.RATE) == 0
    matter.refresh_from_db()
    rating_give(actor=resident_user, matter=matter, level=1, comment="灯还是不亮")
    assert count(today.today_for_resident(resident_user, mine), today.RATE) == 0
    rect = one(today.today_for_staff(staff, today_()), today.RECTIFY)
    rectification = Rectification.objects.get(matter=matter)
    assert (rect.count, rect.first, rect.due) == (1, rectification.pk, rectification.due_on)
    # Rectified: staff's item goes; the raiser rates the rectification (round 1).
    rectification_done(
        actor=staff, rectification=rectification, note="换了新灯", return_visit="居民确认亮了"
    )
    assert count(today.today_for_staff(staff, today_()), today.RECTIFY) == 0
    assert count(today.today_for_resident(resident_user, mine), today.RATE) == 1
    matter.refresh_from_db()
    rating_give(actor=resident_user, matter=matter, level=5)
    assert count(today.today_for_resident(resident_user, mine), today.RATE) == 0


def test_flags_and_appeals(tree, resident_user, leader, supervisor, far_supervisor):
    matter = raise_lamp(tree, resident_user)
    day = today_()
    assert count(today.today_for_supervisor(supervisor, day), today.FLAGS) == 0
    flag = flag_raise(actor=resident_user, matter=matter, text="反映了一个月没人管")
    flags = one(today.today_for_supervisor(supervisor, day), today.FLAGS)
    assert (flags.count, flags.overdue) == (1, 0)
    assert count(today.today_for_supervisor(far_supervisor, day), today.FLAGS) == 0
    assert count(today.today_for_supervisor(supervisor, flag.due_on + dt.timedelta(1)), today.FLAGS)
    assert (
        one(
            today.today_for_supervisor(supervisor, flag.due_on + dt.timedelta(1)), today.FLAGS
        ).overdue
        == 1
    )
    flag_answer(actor=supervisor, flag=flag, answer="已督促社区本周处理")
    assert count(today.today_for_supervisor(supervisor, day), today.FLAGS) == 0
    # An appeal against a bad rating waits for the supervisor above, not one elsewhere.
    matter_accept(actor=leader, matter=matter)
    matter_settle(actor=leader, matter=matter, note="已换灯泡")
    matter.refresh_from_db()
    rating = rating_give(actor=resident_user, matter=matter, level=1)
    appeal = appeal_file(actor=leader, rating=rating, reason="mistaken", text="灯已经换好了")
    assert one(today.today_for_supervisor(supervisor, day), today.APPEALS).count == 1
    assert count(today.today_for_supervisor(far_supervisor, day), today.APPEALS) == 0
    appeal_decide(actor=supervisor, appeal=appeal, upheld=True, decision="误评")
    assert count(today.today_for_supervisor(supervisor, day), today.APPEALS) == 0


def test_next_meeting(tree, staff, leader, resident_user):
    me = Resident.objects.get(user=leader)
    GroupMembership.objects.create(
        resident=me, group=ResidentGroup.REPRESENTATIVE, community=tree.heping
    )
    now = timezone.now()
    assert [i.kind for i in today.today_for_leader(leader, now)] == [today.LEADER_WAITING]
    later = meeting_call(
        actor=staff,
        compound=tree.compound1,
        title="第二次议事会",
        scheduled_at=now + dt.timedelta(days=9),
    )
    sooner = meeting_call(
        actor=staff,
        compound=tree.compound1,
        title="停车位议事会",
        scheduled_at=now + dt.timedelta(days=2),
        location="社区活动室",
    )
    item = one(today.today_for_leader(leader, now), today.NEXT_MEETING)
    assert (item.first, item.extra["title"], item.extra["location"]) == (
        sooner.pk,
        "停车位议事会",
        "社区活动室",
    )
    # A resident who is not a member has no meeting (and no leader items at all).
    assert today.today_for_leader(resident_user, now) == []
    meeting_cancel(actor=staff, meeting=sooner, reason="改期")
    assert one(today.today_for_leader(leader, now), today.NEXT_MEETING).first == later.pk
