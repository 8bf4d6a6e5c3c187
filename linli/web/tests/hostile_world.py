"""One 和平社区 with something on every page, for the hostile-input walk (test_hostile_input):
a matter in each state a button needs, an open referral, a bad rating with its rectification,
appeal and 办不成事 flag, a meeting called and one running with a motion open, a public points
list with an objection, an open shop with orders, a pledge and a voucher, activities
upcoming, running and past, a correction request, calendar overrides. Built through the
services, with its own people (phones 1391111xxxx) besides conftest's personas."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from conftest import PASSWORD
from linli.activities.services import (
    activity_publish,
    attendance_mark,
    correction_request,
    signup_create,
)
from linli.core.quarters import CHINA
from linli.matters.choices import MatterKind
from linli.matters.models import AgendaItem, MeetingMember, Rectification
from linli.matters.services import (
    matter_accept,
    matter_escalate,
    matter_raise,
    matter_refer,
    matter_settle,
    referral_complete,
)
from linli.matters.services.community_settings import calendar_day_add
from linli.matters.services.flags import flag_raise
from linli.matters.services.meetings import meeting_call, meeting_open, motion_open
from linli.matters.services.ratings import appeal_file, rating_give
from linli.notifications.models import Notification
from linli.people.choices import ResidentGroup, Role
from linli.people.models import Department, GroupMembership, Resident, Team, TeamMember
from linli.points.choices import Awarders, RewardKind, RuleCategory
from linli.points.models import Award
from linli.points.services import catalog_version_create, points_award, rule_create
from linli.points.services.publication import (
    objection_raise,
    publication_create,
    publication_publish,
)
from linli.points.services.shop import (
    pledge_create,
    redemption_place,
    reward_create,
    sponsor_create,
)
from linli.points.tests.shop_fixtures import make_window
from tests.factories import GrantFactory, HouseholdFactory, ResidentFactory, UserFactory


def _user(name: str, phone: str, building: Any = None, room: str = "") -> Any:
    user = UserFactory(name=name, phone=phone, password=PASSWORD)
    if building is not None:
        home = HouseholdFactory(parent=building, name=room, unit="", room=room)
        ResidentFactory(name=name, phone=phone, household=home, user=user)
    return user


def build_world(tree: Any, people: dict[str, Any]) -> SimpleNamespace:
    """``people``: conftest's personas (secretary, staff, leader, resident_user, supervisor,
    outsider); the other personas are made here and added to it."""
    w = SimpleNamespace(tree=tree, people=people, heping=tree.heping)
    sec, staff, leader = people["secretary"], people["staff"], people["leader"]
    resident_user = people["resident_user"]
    now = timezone.now()
    dzj = Resident.objects.get(user=resident_user)
    w.dzj = dzj
    neighbour: Any = ResidentFactory(
        name="邻居甲", phone="", household=HouseholdFactory(parent=tree.building1, name="303")
    )
    w.neighbour = neighbour

    # --- people ---------------------------------------------------------------------------
    dept = Department.objects.create(place=tree.district, name="住建局", short_name="住建")
    handler = _user("陈立新", "13911110001")
    GrantFactory(user=handler, role=Role.DEPARTMENT_HANDLER, place=tree.district, department=dept)
    sponsor_user = _user("王师傅", "13911110002")
    GrantFactory(user=sponsor_user, role=Role.SPONSOR, place=tree.heping)
    member_user = _user("李建国", "13911110003", tree.building2, "201")
    team_leader = _user("周国强", "13911110004", tree.building2, "202")
    people.update(handler=handler, sponsor_user=sponsor_user, member_user=member_user)
    people.update(team_leader=team_leader)
    w.dept = dept
    members: list[Any] = [Resident.objects.get(user=member_user)]
    for i, name in enumerate(["王秀兰", "张国强", "刘玉珍"]):
        home = HouseholdFactory(parent=tree.building1, name=f"5{i}1")
        members.append(ResidentFactory(name=name, household=home, phone=""))
    for r in members:
        GroupMembership.objects.create(
            resident=r, group=ResidentGroup.REPRESENTATIVE, community=tree.heping
        )

    # --- points ---------------------------------------------------------------------------
    version = catalog_version_create(
        actor=sec,
        community=tree.heping,
        decision="居民代表会议通过",
        decided_on=dt.date(2023, 1, 10),
    )
    w.version = version
    common = {"actor": sec, "version": version, "active_from": dt.date(2023, 1, 1)}
    w.suggestion_rule = rule_create(
        **common,
        key="suggestion",
        name="建言献策被采纳",
        category=RuleCategory.SUGGESTION,
        points_min=5,
        points_max=20,
        awarders=Awarders.STAFF_AND_LEADERS,
    )
    w.patrol_rule = rule_create(
        **common, key="patrol", name="义务巡逻", category=RuleCategory.VOLUNTEER, points_min=10
    )
    w.bonus_rule = rule_create(
        **common,
        key="bonus",
        name="环境整治",
        category=RuleCategory.ENVIRONMENT,
        points_min=1,
        points_max=1000,
    )
    q3 = dt.datetime(2023, 8, 10, 10, tzinfo=CHINA)
    points_award(actor=sec, resident=dzj, rule=w.bonus_rule, points=500, idempotency_key="fund")
    w.posted = points_award(
        actor=sec, resident=neighbour, rule=w.bonus_rule, points=3, idempotency_key="to-reverse"
    )
    points_award(
        actor=sec,
        resident=neighbour,
        rule=w.bonus_rule,
        points=7,
        idempotency_key="q3",
        occurred_at=q3,
    )
    w.proposal = points_award(
        actor=leader, resident=dzj, rule=w.suggestion_rule, points=5, idempotency_key="prop"
    )
    assert w.proposal.status == "proposed"

    # --- publication: 2023Q3 public, with an objection ------------------------------------
    w.publication = publication_publish(
        actor=sec,
        publication=publication_create(actor=sec, community=tree.heping, year=2023, quarter=3),
    )
    w.objection = objection_raise(
        actor=resident_user,
        publication=w.publication,
        subject_resident=neighbour,
        reason="漏登了一次巡逻",
    )
    w.draft = publication_create(actor=sec, community=tree.heping, year=2023, quarter=2)

    # --- shop -----------------------------------------------------------------------------
    make_window(
        tree.heping,
        opens=now - dt.timedelta(days=1),
        closes=now + dt.timedelta(days=13),
        year=2022,
        quarter=4,
    )
    w.barber = sponsor_create(
        actor=sec, community=tree.heping, name="好邻居理发店", user=sponsor_user
    )
    w.masks = reward_create(
        actor=sec, community=tree.heping, kind=RewardKind.GOODS, name="口罩", price=20, stock=50
    )
    w.haircut = reward_create(
        actor=sec,
        community=tree.heping,
        kind=RewardKind.SERVICE,
        name="理发",
        price=30,
        stock=50,
        sponsor=w.barber,
    )
    w.order = redemption_place(
        actor=resident_user, resident=dzj, reward=w.masks, idempotency_key="order-1"
    )
    w.voucher = redemption_place(
        actor=resident_user, resident=dzj, reward=w.haircut, idempotency_key="order-2"
    )
    w.pledge = pledge_create(
        actor=sec, sponsor=w.barber, year=2023, quarter=3, description="理发 10 次", value_yuan=300
    )

    # --- matters --------------------------------------------------------------------------
    def lamp(title: str, place: Any = None) -> Any:
        return matter_raise(
            actor=resident_user,
            place=place or tree.building1,
            kind=MatterKind.PROBLEM,
            title=title,
        )

    w.raised = lamp("1栋楼道灯坏了")
    w.other_raised = lamp("1栋门禁坏了")
    w.community = matter_accept(actor=staff, matter=lamp("小区路面塌陷"))
    matter_escalate(actor=staff, matter=w.community, reason="需要社区协调")
    matter_escalate(actor=staff, matter=w.community, reason="需要社区决定")
    w.community.refresh_from_db()
    w.done = matter_accept(actor=leader, matter=lamp("1栋扶手松动"))
    matter_settle(actor=leader, matter=w.done, note="已加固")
    w.done.refresh_from_db()
    w.to_rate = matter_accept(actor=leader, matter=lamp("1栋信箱坏了"))
    matter_settle(actor=leader, matter=w.to_rate, note="已修好")
    referred = matter_accept(actor=staff, matter=lamp("1栋外墙渗水"))
    (w.referral,) = matter_refer(
        actor=staff, matter=referred, departments=[dept], lead=dept, kind="help"
    )
    w.referred = referred
    # A bad rating: rectification open, an appeal pending, a 办不成事 flag.
    bad = matter_accept(actor=staff, matter=lamp("1栋外墙瓷砖脱落"))
    (ref,) = matter_refer(actor=staff, matter=bad, departments=[dept], lead=dept, kind="help")
    referral_complete(actor=handler, referral=ref, note="已修复")
    w.rating = rating_give(actor=resident_user, matter=bad, level=1, comment="只清理了碎片")
    w.rect = Rectification.objects.get(matter=bad)
    w.bad = bad
    w.appeal = appeal_file(actor=staff, rating=w.rating, reason="mistaken", text="疑为误评")
    bad2 = matter_accept(actor=staff, matter=lamp("1栋雨棚破损"))
    (ref,) = matter_refer(actor=staff, matter=bad2, departments=[dept], lead=dept, kind="help")
    referral_complete(actor=handler, referral=ref, note="已更换")
    w.unappealed = rating_give(actor=resident_user, matter=bad2, level=2, comment="没换好")
    w.flag = flag_raise(actor=resident_user, matter=bad, text="说修好了其实没修好")

    # --- meetings -------------------------------------------------------------------------
    def held(title: str) -> Any:
        return matter_accept(
            actor=staff,
            matter=matter_raise(
                actor=resident_user,
                place=tree.compound1,
                kind=MatterKind.SUGGESTION,
                title=title,
            ),
        )

    w.held = held("小区空地改成小广场")
    w.called = meeting_call(
        actor=staff,
        compound=tree.compound1,
        title="议事会（未开始）",
        scheduled_at=now + dt.timedelta(days=3),
        matters=[held("增设充电桩")],
    )
    w.running = meeting_call(
        actor=staff,
        compound=tree.compound1,
        title="议事会（进行中）",
        scheduled_at=now + dt.timedelta(days=1),
        matters=[held("垃圾分类点搬迁"), held("楼道堆物清理")],
    )
    w.running_members = list(MeetingMember.objects.filter(meeting=w.running).order_by("pk"))
    meeting_open(actor=staff, meeting=w.running, present=w.running_members[:3])
    w.item, voted = AgendaItem.objects.filter(meeting=w.running).order_by("pk")
    w.motion = motion_open(actor=staff, meeting=w.running, text="同意清理", item=voted)
    # Open, with no vote open: it may be closed.
    w.quiet = meeting_call(
        actor=staff,
        compound=tree.compound1,
        title="议事会（无表决）",
        scheduled_at=now + dt.timedelta(days=2),
        matters=[held("健身器材维修")],
    )
    quiet_members = list(MeetingMember.objects.filter(meeting=w.quiet).order_by("pk"))
    meeting_open(actor=staff, meeting=w.quiet, present=quiet_members[:3])
    w.member_row = next(m for m in w.running_members if m.resident.user_id == member_user.pk)
    w.absent_row = w.running_members[-1]

    # --- activities -----------------------------------------------------------------------
    team = Team.objects.create(community=tree.heping, name="义务巡逻队")
    TeamMember.objects.create(
        team=team, resident=Resident.objects.get(user=team_leader), is_leader=True
    )
    TeamMember.objects.create(team=team, resident=dzj)
    w.team = team

    def activity(title: str, start: dt.datetime, **kw: Any) -> Any:
        return activity_publish(
            actor=sec,
            community=tree.heping,
            place=tree.compound1,
            title=title,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            capacity=10,
            rule=w.patrol_rule,
            points=10,
            now=start - dt.timedelta(days=7),
            **kw,
        )

    w.upcoming = activity("下周巡逻", now + dt.timedelta(days=7))
    w.approval = activity("需审核的活动", now + dt.timedelta(days=7), needs_approval=True)
    w.pending_signup = signup_create(actor=resident_user, activity=w.approval)
    w.ongoing = activity("正在巡逻", now - dt.timedelta(hours=1))
    signup_create(actor=resident_user, activity=w.ongoing, now=now - dt.timedelta(days=2))
    attendance_mark(
        actor=sec,
        activity=w.ongoing,
        resident=dzj,
        direction="in",
        at=now - dt.timedelta(minutes=50),
    )
    w.past = activity("上周巡逻", now - dt.timedelta(days=7))
    w.correction = correction_request(actor=resident_user, text="3月3日巡逻忘记签退")

    # --- settings and the rest ------------------------------------------------------------
    w.calendar_day = calendar_day_add(
        actor=sec, community=tree.heping, day=dt.date(2031, 5, 6), is_workday=False, note="调休"
    )
    w.notification = Notification.objects.filter(user=resident_user).order_by("pk").first()
    assert Award.objects.filter(status="posted").exists()
    return w
