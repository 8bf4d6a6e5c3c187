"""Who hears of each step: the raiser and followers on each state change of their matter,
the building's leaders of a new matter at building level, the community's staff when a
matter comes up to them or a department acts, the department's handlers when a referral is
sent or chased — never the person who acted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from linli.core.actors import SYSTEM
from linli.matters.choices import MatterSource
from linli.matters.models import Matter
from linli.matters.services import (
    matter_accept,
    matter_close,
    matter_decide,
    matter_decline,
    matter_escalate,
    matter_follow,
    matter_merge,
    matter_raise,
    matter_refer,
    matter_reopen,
    matter_settle,
    matter_withdraw,
    referral_answer,
    referral_chase,
    referral_complete,
    referral_extend,
    referral_return,
)
from linli.notifications.models import Notification
from linli.people.choices import Role
from tests.factories import GrantFactory, HouseholdFactory, ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()


def at(y: int, m: int, d: int, h: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=TZ)


def told(kind: str | None = None) -> set[int]:
    """Ids of the users notified (of ``kind``)."""
    rows = Notification.objects.all()
    if kind is not None:
        rows = rows.filter(kind=kind)
    return set(rows.values_list("user_id", flat=True))


def texts(user) -> list[str]:
    return list(
        Notification.objects.filter(user=user).order_by("id").values_list("text", flat=True)
    )


@pytest.fixture
def neighbour(tree):
    """Another resident of building 1, who follows 代正菊's matter."""
    household = HouseholdFactory(parent=tree.building1, name="3单元501", unit="3", room="501")
    user = UserFactory(name="邻居", phone="13900000031", password=PASSWORD)
    ResidentFactory(name="邻居", phone=user.phone, household=household, user=user)
    return user


@pytest.fixture
def leader2(tree):
    user = UserFactory(name="二栋长", phone="13900000032", password=PASSWORD)
    GrantFactory(user=user, role=Role.BUILDING_LEADER, place=tree.building2)
    return user


@pytest.fixture
def everyone(tree, resident_user, leader, staff, secretary, supervisor, outsider, leader2):
    return {
        "resident": resident_user,
        "leader": leader,
        "staff": staff,
        "secretary": secretary,
        "supervisor": supervisor,
        "outsider": outsider,
        "leader2": leader2,
    }


def ids(*users) -> set[int]:
    return {u.pk for u in users}


# --- raising --------------------------------------------------------------------------------------


def test_a_resident_raising_at_building_level_tells_that_buildings_leader(tree, everyone):
    m = matter_raise(
        actor=everyone["resident"], place=tree.building1, kind="problem", title="1栋楼道灯坏了"
    )
    assert told() == ids(everyone["leader"])  # not 2栋's leader, not staff, not the raiser
    n = Notification.objects.get()
    assert n.kind == "matter.raised" and m.case_number in n.text and "1栋楼道灯坏了" in n.text
    assert n.url == reverse("web:matter_detail", args=[m.pk]) == f"/matters/{m.pk}/"


def test_a_matter_raised_at_compound_level_tells_the_communitys_staff(tree, everyone):
    matter_raise(
        actor=everyone["resident"], place=tree.compound1, kind="suggestion", title="建小广场"
    )
    assert told("matter.raised") == ids(everyone["staff"], everyone["secretary"])


def test_the_leader_raising_for_residents_is_not_told_of_their_own(tree, everyone):
    matter_raise(
        actor=everyone["leader"],
        place=tree.building1,
        kind="request",
        title="代老人反映",
        source=MatterSource.LEADER,
    )
    assert told() == set()


# --- state changes ------------------------------------------------------------------------------


@pytest.fixture
def lamp(tree, everyone, neighbour) -> Matter:
    m = matter_raise(
        actor=everyone["resident"], place=tree.building1, kind="problem", title="1栋楼道灯坏了"
    )
    matter_follow(actor=neighbour, matter=m)
    Notification.objects.all().delete()
    return m


def test_accept_and_settle_tell_the_raiser_and_followers_not_the_leader(lamp, everyone, neighbour):
    matter_accept(actor=everyone["leader"], matter=lamp)
    assert told("matter.accept") == ids(everyone["resident"], neighbour)
    matter_settle(actor=everyone["leader"], matter=lamp, note="已换灯泡")
    assert told("matter.settle") == ids(everyone["resident"], neighbour)
    assert everyone["leader"].pk not in told()
    assert texts(everyone["resident"]) == [
        f"事项 {lamp.case_number}「1栋楼道灯坏了」已受理",
        f"事项 {lamp.case_number}「1栋楼道灯坏了」已办结，欢迎评价办理情况",
    ]


def test_escalations_tell_followers_and_the_staff_above(lamp, everyone, neighbour):
    resident, leader, staff, secretary = (
        everyone[k] for k in ("resident", "leader", "staff", "secretary")
    )
    matter_accept(actor=leader, matter=lamp)
    Notification.objects.all().delete()
    matter_escalate(actor=leader, matter=lamp, reason="需要全小区议一议")
    assert told("matter.escalate") == ids(resident, neighbour)
    assert told("matter.escalated") == ids(staff, secretary)
    assert "已上报到小区" in texts(resident)[-1]
    Notification.objects.all().delete()
    matter_escalate(actor=staff, matter=lamp, reason="小区议不下来")
    assert told("matter.escalated") == ids(secretary)  # the staff member who did it is not told
    assert told("matter.escalate") == ids(resident, neighbour)
    assert "已上报到社区" in texts(resident)[-1]
    Notification.objects.all().delete()
    matter_decide(actor=secretary, matter=lamp, decision="由社区出资更换")
    assert told() == ids(resident, neighbour)
    assert everyone["outsider"].pk not in told() and everyone["supervisor"].pk not in told()


def test_decline_reopen_close_withdraw(tree, lamp, everyone, neighbour):
    resident, staff = everyone["resident"], everyone["staff"]
    matter_decline(actor=staff, matter=lamp, reason="不属于社区职责")
    assert told("matter.decline") == ids(resident, neighbour)
    assert "不属于社区职责" in texts(resident)[-1]
    matter_reopen(actor=resident, matter=lamp, reason="其实是公共区域")
    assert told("matter.reopen") == ids(neighbour)  # the raiser reopened it themself
    matter_accept(actor=staff, matter=lamp)
    matter_settle(actor=staff, matter=lamp, note="已修好")
    Notification.objects.all().delete()
    matter_close(actor=staff, matter=lamp)
    assert told("matter.close") == ids(resident, neighbour)
    other = matter_raise(actor=resident, place=tree.building1, kind="problem", title="另一件事")
    matter_follow(actor=neighbour, matter=other)
    Notification.objects.all().delete()
    matter_withdraw(actor=resident, matter=other)
    assert told("matter.withdraw") == ids(neighbour)


def test_merge_tells_the_duplicates_followers_with_the_survivors_page(
    tree, lamp, everyone, neighbour
):
    resident, staff = everyone["resident"], everyone["staff"]
    survivor = matter_raise(
        actor=staff, place=tree.building1, kind="problem", title="楼道灯", source="visit"
    )
    Notification.objects.all().delete()
    matter_merge(actor=staff, matter=lamp, into=survivor)
    assert told("matter.merge") == ids(resident, neighbour)
    n = Notification.objects.filter(user=resident).get()
    assert survivor.case_number in n.text and lamp.case_number in n.text
    assert n.url == reverse("web:matter_detail", args=[survivor.pk])


def test_the_raiser_is_told_even_without_following(tree, everyone):
    """The raiser rates the handling at the end, so they hear of every step of their matter
    even after they stopped following it."""
    m = matter_raise(
        actor=everyone["resident"], place=tree.building1, kind="problem", title="门禁坏了"
    )
    from linli.matters.models import MatterFollower

    MatterFollower.objects.filter(matter=m).delete()
    Notification.objects.all().delete()
    matter_accept(actor=everyone["leader"], matter=m)
    assert told() == ids(everyone["resident"])


# --- referrals --------------------------------------------------------------------------------


@pytest.fixture
def referred(tree, lamp, everyone, depts, zhujian, chengguan):
    staff = everyone["staff"]
    matter_accept(actor=everyone["leader"], matter=lamp, when=at(2024, 3, 4))
    matter_escalate(actor=everyone["leader"], matter=lamp, reason="需要部门")
    matter_escalate(actor=staff, matter=lamp, reason="需要部门")
    Notification.objects.all().delete()
    rows = matter_refer(
        actor=staff,
        matter=lamp,
        departments=[depts["住建"], depts["城管"]],
        lead=depts["住建"],
        kind="consultation",
        now=at(2024, 3, 6),
    )
    return lamp, rows


def test_refer_tells_followers_and_each_departments_handlers(
    referred, everyone, neighbour, zhujian, chengguan, depts
):
    _m, _rows = referred
    assert told("matter.refer") == ids(everyone["resident"], neighbour)
    assert told("referral.sent") == ids(zhujian, chengguan)
    assert everyone["staff"].pk not in told()
    assert "住建、城管" in texts(everyone["resident"])[-1]
    assert "2024-03-13" in texts(zhujian)[-1]  # 5 working days after Wed 6 March


def test_department_steps_tell_the_staff_not_the_handler(
    referred, everyone, neighbour, zhujian, chengguan
):
    _m, rows = referred
    zj, cg = rows
    staff, secretary, resident = everyone["staff"], everyone["secretary"], everyone["resident"]
    Notification.objects.all().delete()
    referral_answer(actor=chengguan, referral=cg, answer="属住建职责", now=at(2024, 3, 7))
    assert told("referral.answer") == ids(staff, secretary)
    assert chengguan.pk not in told() and resident.pk not in told()
    referral_extend(actor=zhujian, referral=zj, reason="需要现场勘查", days=3, now=at(2024, 3, 8))
    assert told("referral.extend") == ids(staff, secretary, resident, neighbour)
    assert "需要现场勘查" in texts(resident)[-1]
    Notification.objects.all().delete()
    referral_complete(actor=zhujian, referral=zj, note="已修复", now=at(2024, 3, 12))
    assert told("referral.complete") == ids(staff, secretary)
    assert told("matter.complete") == ids(resident, neighbour)
    assert zhujian.pk not in told()


def test_return_tells_the_staff(referred, everyone, zhujian):
    _m, rows = referred
    Notification.objects.all().delete()
    referral_return(actor=zhujian, referral=rows[0], reason="不属于本部门", now=at(2024, 3, 7))
    assert told("referral.return") == ids(everyone["staff"], everyone["secretary"])
    assert "不属于本部门" in texts(everyone["staff"])[-1]


def test_chase_tells_the_late_departments_handlers_once(referred, zhujian, chengguan, everyone):
    _m, rows = referred
    referral_answer(actor=chengguan, referral=rows[1], answer="已答复", now=at(2024, 3, 7))
    Notification.objects.all().delete()
    assert referral_chase(actor=SYSTEM, now=at(2024, 3, 13, 18)) == []  # due today: not late
    assert told() == set()
    referral_chase(actor=SYSTEM, now=at(2024, 3, 14))
    referral_chase(actor=SYSTEM, now=at(2024, 3, 15))
    assert told("referral.chase") == ids(zhujian)  # 城管 answered: not chased
    assert Notification.objects.filter(kind="referral.chase").count() == 1
    assert "2024-03-13" in texts(zhujian)[-1]


def test_a_revoked_handler_hears_nothing(referred, zhujian, chengguan):
    from linli.people.models import RoleGrant

    RoleGrant.objects.filter(user=zhujian).update(revoked_at=timezone.now())
    _m, _rows = referred
    Notification.objects.all().delete()
    referral_chase(actor=SYSTEM, now=at(2024, 3, 14))
    assert told() == ids(chengguan)
