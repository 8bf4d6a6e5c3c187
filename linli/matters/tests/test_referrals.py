"""Referrals: due dates in Chinese working days, the department's steps, the chase, the
policy (only the department's handler; others 404), and the seed's 280-day case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.core.actors import SYSTEM
from linli.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from linli.matters.choices import MatterLevel, MatterSource, MatterState, ReferralState
from linli.matters.models import Matter, MatterEvent, Referral
from linli.matters.selectors import matter_age_text, referral_queue
from linli.matters.services import (
    matter_accept,
    matter_raise,
    matter_refer,
    referral_answer,
    referral_chase,
    referral_complete,
    referral_extend,
    referral_return,
)
from tests.race import race

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()


def at(y: int, m: int, d: int, h: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=TZ)


def accepted(tree, leader, staff, when: dt.datetime, **kw) -> Matter:
    m = matter_raise(
        actor=leader,
        place=tree.compound1,
        kind="problem",
        title=kw.pop("title", "小区七处违建"),
        source=MatterSource.LEADER,
        backers=kw.pop("backers", 1),
        when=when,
    )
    matter_accept(actor=staff, matter=m, when=when + dt.timedelta(hours=1))
    return m


def refer(staff, m, depts, lead="住建", kind="consultation", when=None, names=None):
    return matter_refer(
        actor=staff,
        matter=m,
        departments=[depts[n] for n in names or [lead]],
        lead=depts[lead],
        kind=kind,
        note="",
        now=when,
    )


# --- due dates --------------------------------------------------------------------------------


def test_due_date_across_spring_festival(tree, leader, staff, depts):
    m = accepted(tree, leader, staff, at(2024, 2, 6))
    [r] = refer(staff, m, depts, when=at(2024, 2, 7))
    # 5 working days from Wed 7 Feb 2024: 8, 9, 18 (Sunday make-up day), 19, 20.
    assert r.due_on == dt.date(2024, 2, 20)
    m.refresh_from_db()
    assert (m.state, m.level) == (MatterState.REFERRED, MatterLevel.DEPARTMENT)


def test_due_date_across_national_day_by_kind(tree, leader, staff, depts):
    m = accepted(tree, leader, staff, at(2024, 9, 26))
    rows = refer(staff, m, depts, kind="complaint", when=at(2024, 9, 27), names=["住建", "城管"])
    # 15 working days from Fri 27 Sep: 29 Sep and 12 Oct are make-up days, 1-7 Oct off.
    assert {r.due_on for r in rows} == {dt.date(2024, 10, 23)}
    assert [r.lead for r in rows] == [True, False]


def test_explicit_due_date_on_a_holiday_is_refused(tree, leader, staff, depts):
    m = accepted(tree, leader, staff, at(2024, 9, 26))
    with pytest.raises(ValidationFailed, match="节假日"):
        matter_refer(
            actor=staff,
            matter=m,
            departments=[depts["住建"]],
            lead=depts["住建"],
            kind="help",
            due_on=dt.date(2024, 10, 3),
            now=at(2024, 9, 27),
        )
    m.refresh_from_db()
    assert m.state == MatterState.ACCEPTED and not Referral.objects.exists()


def test_refer_needs_staff_and_a_lead_among_them(tree, leader, staff, depts, zhujian):
    m = accepted(tree, leader, staff, at(2024, 3, 1))
    with pytest.raises(ValidationFailed):
        refer(staff, m, depts, lead="信访", names=["住建"])
    with pytest.raises(Forbidden):
        refer(leader, m, depts)
    with pytest.raises(NotFound):
        refer(zhujian, m, depts)  # not referred to 住建: the handler does not find it
    assert not Referral.objects.exists()


# --- the department's steps -------------------------------------------------------------------


def test_extend_only_before_the_due_date(tree, leader, staff, depts, zhujian):
    m = accepted(tree, leader, staff, at(2024, 2, 6))
    [r] = refer(staff, m, depts, when=at(2024, 2, 7))
    with pytest.raises(Conflict, match="已过办理期限"):
        referral_extend(
            actor=zhujian, referral=r, reason="需要现场勘查", days=5, now=at(2024, 2, 21)
        )
    r.refresh_from_db()
    assert r.state == ReferralState.SENT and r.extended_due_on is None
    r = referral_extend(
        actor=zhujian, referral=r, reason="需要现场勘查", days=5, now=at(2024, 2, 19)
    )
    assert r.state == ReferralState.EXTENDED and r.extended_due_on == dt.date(2024, 2, 27)
    m.refresh_from_db()
    assert m.state == MatterState.WAITING
    # The reason is on the (public) timeline.
    assert m.events.filter(action="extend", note__contains="需要现场勘查").exists()
    with pytest.raises(Conflict):
        referral_extend(actor=zhujian, referral=r, reason="再延", days=5, now=at(2024, 2, 20))


@pytest.mark.parametrize("step", ["answer", "extend", "return", "complete"])
def test_only_the_departments_handler_acts(
    tree, leader, staff, depts, zhujian, chengguan, resident_user, outsider, step
):
    m = accepted(tree, leader, staff, at(2024, 3, 4))
    [r] = refer(staff, m, depts, when=at(2024, 3, 5))
    events = m.events.count()
    calls = {
        "answer": lambda a: referral_answer(actor=a, referral=r, answer="收到", now=at(2024, 3, 6)),
        "extend": lambda a: referral_extend(
            actor=a, referral=r, reason="理由", days=3, now=at(2024, 3, 6)
        ),
        "return": lambda a: referral_return(
            actor=a, referral=r, reason="不属于本部门", now=at(2024, 3, 6)
        ),
        "complete": lambda a: referral_complete(
            actor=a, referral=r, note="已办结", now=at(2024, 3, 6)
        ),
    }
    for other in (chengguan, staff, leader, resident_user, outsider):
        with pytest.raises(NotFound):
            calls[step](other)
    r.refresh_from_db()
    m.refresh_from_db()
    assert r.state == ReferralState.SENT and m.state == MatterState.REFERRED
    assert m.events.count() == events
    calls[step](zhujian)
    r.refresh_from_db()
    assert r.state != ReferralState.SENT and r.handled_by == zhujian


def test_return_by_lead_brings_it_back(tree, leader, staff, depts, zhujian, chengguan):
    m = accepted(tree, leader, staff, at(2024, 3, 4))
    rows = refer(staff, m, depts, when=at(2024, 3, 5), names=["住建", "城管"])
    referral_return(actor=chengguan, referral=rows[1], reason="不属于城管", now=at(2024, 3, 6))
    m.refresh_from_db()
    assert m.state == MatterState.REFERRED  # the lead still has it
    referral_return(actor=zhujian, referral=rows[0], reason="请社区先核实", now=at(2024, 3, 7))
    m.refresh_from_db()
    assert (m.state, m.level) == (MatterState.IN_HAND, MatterLevel.COMMUNITY)
    with pytest.raises(Conflict):
        referral_answer(actor=zhujian, referral=rows[0], answer="晚了", now=at(2024, 3, 8))


def test_handler_sees_only_referred_matters(tree, leader, staff, depts, zhujian, chengguan):
    from linli.matters.selectors import matters_visible

    m = accepted(tree, leader, staff, at(2024, 3, 4))
    other = accepted(tree, leader, staff, at(2024, 3, 4), title="另一件事")
    assert not matters_visible(zhujian).exists()
    refer(staff, m, depts, when=at(2024, 3, 5))
    assert list(matters_visible(zhujian)) == [m]
    assert not matters_visible(chengguan).exists()
    assert other not in matters_visible(zhujian)


# --- the chase ---------------------------------------------------------------------------------


def test_chase_is_idempotent(tree, leader, staff, depts, zhujian):
    m = accepted(tree, leader, staff, at(2024, 2, 6))
    [r] = refer(staff, m, depts, when=at(2024, 2, 7))  # due 2024-02-20
    assert referral_chase(actor=SYSTEM, now=at(2024, 2, 20, 18)) == []
    with pytest.raises(Forbidden):
        referral_chase(actor=staff, now=at(2024, 2, 21))
    chased = referral_chase(actor=SYSTEM, now=at(2024, 2, 21))
    assert [c.pk for c in chased] == [r.pk]
    assert referral_chase(actor=SYSTEM, now=at(2024, 2, 22)) == []
    assert m.events.filter(action="chase").count() == 1
    r.refresh_from_db()
    assert r.chased_at == at(2024, 2, 21)
    # The queue puts overdue referrals first.
    m2 = accepted(tree, leader, staff, at(2024, 2, 19), title="第二件")
    refer(staff, m2, depts, when=at(2024, 2, 20))
    queue = referral_queue(zhujian, today=dt.date(2024, 2, 22))
    assert [q.matter_id for q in queue] == [m.pk, m2.pk] and queue[0].overdue


# --- two handlers at once ------------------------------------------------------------------------


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_handlers_at_once_one_wins(tree, leader, staff, depts, zhujian):
    from linli.people.choices import Role
    from tests.factories import GrantFactory, UserFactory

    second = UserFactory(name="住建二", phone="13900000013")
    GrantFactory(
        user=second, role=Role.DEPARTMENT_HANDLER, place=tree.district, department=depts["住建"]
    )
    m = accepted(tree, leader, staff, at(2024, 3, 4))
    [r] = refer(staff, m, depts, when=at(2024, 3, 5))

    def run(i: int) -> Referral:
        if i == 0:
            return referral_complete(actor=zhujian, referral=r, note="已拆除", now=at(2024, 3, 6))
        return referral_return(actor=second, referral=r, reason="不归我们", now=at(2024, 3, 6))

    results = race(2, run)
    won = [x for x in results if isinstance(x, Referral)]
    lost = [x for x in results if isinstance(x, Conflict)]
    assert len(won) == 1 and len(lost) == 1, results
    m.refresh_from_db()
    assert m.state in (MatterState.DONE, MatterState.IN_HAND)
    assert MatterEvent.objects.filter(matter=m, action__in=["complete", "return"]).count() == 1


# --- the seed's case ---------------------------------------------------------------------------


def test_seed_case_from_first_complaint_to_the_square(
    tree, leader, staff, depts, zhujian, chengguan
):
    m = matter_raise(
        actor=leader,
        place=tree.compound1,
        kind="problem",
        title="小区七处违建房存在安全隐患",
        source=MatterSource.LEADER,
        on_behalf_of_name="108 位居民",
        backers=108,
        when=at(2022, 12, 20),
    )
    matter_accept(actor=staff, matter=m, when=at(2022, 12, 21))
    rows = refer(
        staff,
        m,
        depts,
        kind="complaint",
        when=at(2022, 12, 22),
        names=["住建", "城管", "信访", "创文办"],
    )
    zj, cg, xf, cw = rows
    assert zj.lead and zj.due_on == dt.date(2023, 1, 13)  # across New Year's Day
    assert matter_age_text(m, today=dt.date(2022, 12, 23)) == "第 4 天，在住建"
    referral_answer(actor=SYSTEM, referral=xf, answer="已登记，由住建牵头", now=at(2023, 1, 4))
    referral_answer(actor=chengguan, referral=cg, answer="已现场核查", now=at(2023, 1, 9))
    referral_extend(
        actor=zhujian, referral=zj, reason="产权复杂，需逐户调查", days=20, now=at(2023, 1, 12)
    )
    referral_chase(actor=SYSTEM, now=at(2023, 1, 16))  # 创文办 is late
    referral_answer(actor=SYSTEM, referral=cw, answer="纳入创文整治", now=at(2023, 1, 30))
    referral_chase(actor=SYSTEM, now=at(2023, 2, 16))  # 住建 past its extension
    referral_answer(actor=zhujian, referral=zj, answer="已下达限期拆除通知", now=at(2023, 4, 3))
    m.refresh_from_db()
    assert "在" in matter_age_text(m, today=dt.date(2023, 8, 14))
    assert matter_age_text(m, today=dt.date(2023, 8, 14)).startswith("第 238 天")
    referral_complete(
        actor=zhujian,
        referral=zj,
        note="七处违建已全部拆除，原址建成休闲小广场",
        now=at(2023, 10, 10),
    )
    m.refresh_from_db()
    assert m.state == MatterState.DONE
    assert (m.finished_at - m.raised_at).days > 280
    assert set(Referral.objects.filter(matter=m).values_list("state", flat=True)) == {
        ReferralState.DONE
    }
    actions = list(m.events.values_list("action", flat=True))
    assert actions == [
        "raise",
        "accept",
        "refer",
        "sign",
        "answer",
        "answer",
        "extend",
        "chase",
        "answer",
        "chase",
        "answer",
        "complete",
    ]
    times = list(m.events.values_list("created_at", flat=True))
    assert times == sorted(times)
    assert "小广场" in m.events.last().note
