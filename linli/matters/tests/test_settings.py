"""A community's matter settings and its calendar overrides: who may change them, the ranges,
the audit row, and that referral due dates follow them — a due date never lands on a day
off, including a holiday an operator entered for a year ``chinesecalendar`` does not cover."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, NotFound, ValidationFailed
from linli.core.workdays import LAST_COVERED_YEAR, WorkdayCalendar, add_workdays, covered
from linli.matters.models import CalendarDay, MatterSettings, Referral
from linli.matters.selectors import calendar_for, matter_settings_for
from linli.matters.services import matter_accept, matter_raise, matter_refer, referral_extend
from linli.matters.services.community_settings import (
    calendar_day_add,
    calendar_day_remove,
    calendar_days_for_year,
    matter_settings_update,
)
from linli.matters.services.referrals import referral_due_on
from linli.people.choices import Role
from tests.factories import GrantFactory, UserFactory

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()
UNCOVERED = LAST_COVERED_YEAR + 1


def at(y: int, m: int, d: int, h: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=TZ)


def first_weekday(year: int, month: int, weekday: int) -> dt.date:
    day = dt.date(year, month, 1)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return day


@pytest.fixture
def operator(tree):
    user = UserFactory(name="运维", phone="13900000041")
    GrantFactory(user=user, role=Role.OPERATOR, place=tree.street)
    return user


@pytest.fixture
def city_operator(tree):
    user = UserFactory(name="市运维", phone="13900000042")
    GrantFactory(user=user, role=Role.OPERATOR, place=tree.city)
    return user


VALID = {
    "quorum_percent": 66,
    "secret_ballot": True,
    "consultation_days": 3,
    "help_days": 7,
    "suggestion_days": 20,
    "complaint_days": 10,
    "rectification_days": 7,
    "flag_days": 3,
    "reminder_days": 2,
}


# --- settings ------------------------------------------------------------------------------------


def test_defaults_until_a_community_saves_its_own(tree):
    s = matter_settings_for(tree.heping.pk)
    assert s.pk is None and (s.quorum_percent, s.consultation_days, s.reminder_days) == (50, 5, 1)


@pytest.mark.parametrize("who", ["staff", "secretary", "operator"])
def test_staff_secretary_operator_change_settings_audited(request, tree, who):
    actor = request.getfixturevalue(who)
    row = matter_settings_update(actor=actor, community=tree.heping, values=VALID)
    assert MatterSettings.objects.get(community=tree.heping) == row
    for field, value in VALID.items():
        assert getattr(row, field) == value
    event = AuditEvent.objects.get(action="matters.settings")
    assert event.actor_id == actor.pk and event.place_id == tree.heping.pk
    assert event.data["changes"]["consultation_days"] == [5, 3]
    # Saving the same values again changes nothing and writes no audit row.
    matter_settings_update(actor=actor, community=tree.heping, values=VALID)
    assert AuditEvent.objects.filter(action="matters.settings").count() == 1


@pytest.mark.parametrize("who", ["resident_user", "leader", "supervisor", "outsider"])
def test_others_do_not_find_the_settings(request, tree, who):
    with pytest.raises(NotFound):
        matter_settings_update(
            actor=request.getfixturevalue(who), community=tree.heping, values=VALID
        )
    assert not MatterSettings.objects.exists()


def test_another_communitys_staff_do_not_find_it(tree, staff, outsider):
    with pytest.raises(NotFound):
        matter_settings_update(actor=staff, community=tree.other, values=VALID)
    matter_settings_update(actor=outsider, community=tree.other, values=VALID)
    assert matter_settings_for(tree.heping.pk).consultation_days == 5


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("quorum_percent", 40, "50%"),
        ("quorum_percent", 100, "50%"),
        ("consultation_days", 0, "咨询办理期限"),
        ("complaint_days", 61, "投诉办理期限"),
        ("rectification_days", 1, "整改期限"),
        ("rectification_days", 16, "整改期限"),
        ("flag_days", "", "办不成事"),
        ("help_days", "abc", "求助办理期限"),
        ("reminder_days", -1, "到期前提醒"),
        ("reminder_days", 3, "少于最短的办理期限"),  # consultation is 3
    ],
)
def test_out_of_range_values_are_refused_and_change_nothing(tree, secretary, field, value, message):
    with pytest.raises(ValidationFailed, match=message) as caught:
        matter_settings_update(
            actor=secretary, community=tree.heping, values={**VALID, field: value}
        )
    assert field in caught.value.errors
    assert not MatterSettings.objects.exists() and not AuditEvent.objects.exists()


def test_settings_need_a_community(tree, secretary):
    with pytest.raises(ValidationFailed):
        matter_settings_update(actor=secretary, community=tree.compound1, values=VALID)


# --- due dates follow the settings ------------------------------------------------------------


def accepted(tree, leader, staff, when):
    m = matter_raise(
        actor=leader, place=tree.compound1, kind="problem", title="违建", source="leader", when=when
    )
    matter_accept(actor=staff, matter=m, when=when)
    return m


def test_settings_change_referral_due_dates(tree, leader, staff, secretary, depts):
    m = accepted(tree, leader, staff, at(2024, 3, 1))
    matter_settings_update(actor=secretary, community=tree.heping, values=VALID)
    [r] = matter_refer(
        actor=staff,
        matter=m,
        departments=[depts["住建"]],
        lead=depts["住建"],
        kind="consultation",
        now=at(2024, 3, 4),
    )
    assert r.due_on == dt.date(2024, 3, 7)  # 3 working days after Monday 4 March
    # Another community keeps the defaults.
    assert referral_due_on(dt.date(2024, 3, 4), "consultation", community_id=tree.other.pk) == (
        dt.date(2024, 3, 11)
    )


def test_a_due_date_never_lands_on_an_operators_holiday_in_an_uncovered_year(
    tree, leader, staff, secretary, depts, zhujian
):
    assert not covered(UNCOVERED)
    start = first_weekday(UNCOVERED, 10, 4) - dt.timedelta(days=7)  # a Friday in late September
    plain = add_workdays(start, 5)
    assert plain == start + dt.timedelta(days=7)  # weekends only: the next Friday
    # The secretary enters the State Council's notice for that week: Mon-Fri off, with the
    # following Saturday worked.
    monday = start + dt.timedelta(days=3)
    for i in range(5):
        calendar_day_add(
            actor=secretary,
            community=tree.heping,
            day=monday + dt.timedelta(days=i),
            is_workday=False,
            note="国庆节放假（国办发明电）",
        )
    saturday = monday + dt.timedelta(days=5)
    calendar_day_add(
        actor=secretary, community=tree.heping, day=saturday, is_workday=True, note="调休上班"
    )
    m = accepted(tree, leader, staff, at(start.year, start.month, start.day, 9))
    [r] = matter_refer(
        actor=staff,
        matter=m,
        departments=[depts["住建"]],
        lead=depts["住建"],
        kind="consultation",
        now=at(start.year, start.month, start.day),
    )
    cal = calendar_for(tree.heping.pk)
    assert cal.is_workday(r.due_on)
    assert not monday <= r.due_on <= monday + dt.timedelta(days=4)
    # Working days: the make-up Saturday, then Mon-Thu of the week after.
    assert r.due_on == monday + dt.timedelta(days=10)
    # Explicit dates on the entered holidays are refused, and the extension skips them too.
    with pytest.raises(ValidationFailed, match="节假日"):
        matter_refer(
            actor=staff,
            matter=m,
            departments=[depts["城管"]],
            lead=depts["城管"],
            kind="help",
            due_on=monday + dt.timedelta(days=1),
            now=at(start.year, start.month, start.day),
        )
    assert Referral.objects.count() == 1
    r = referral_extend(
        actor=zhujian,
        referral=r,
        reason="需要勘查",
        days=1,
        now=at(start.year, start.month, start.day, 15),
    )
    assert r.extended_due_on == r.due_on + dt.timedelta(days=1) and cal.is_workday(
        r.extended_due_on
    )
    # Another community is not bound by 和平社区's entries.
    other = referral_due_on(start, "consultation", community_id=tree.other.pk)
    assert other == plain


def test_a_global_override_applies_everywhere_and_a_communitys_own_wins(
    tree, city_operator, secretary
):
    day = first_weekday(UNCOVERED, 5, 0)  # a Monday
    calendar_day_add(actor=city_operator, community=None, day=day, is_workday=False, note="劳动节")
    assert not calendar_for(tree.heping.pk).is_workday(day)
    assert not calendar_for(tree.other.pk).is_workday(day)
    calendar_day_add(
        actor=secretary, community=tree.heping, day=day, is_workday=True, note="本社区照常上班"
    )
    assert calendar_for(tree.heping.pk).is_workday(day)
    assert not calendar_for(tree.other.pk).is_workday(day)
    rows = calendar_days_for_year(tree.heping, UNCOVERED)
    assert [(r.day, r.community_id) for r in rows] == [(day, tree.heping.pk)]
    assert [r.community_id for r in calendar_days_for_year(tree.other, UNCOVERED)] == [None]


# --- calendar overrides: policy and bad input -----------------------------------------------


@pytest.mark.parametrize("who", ["staff", "resident_user", "leader", "supervisor", "outsider"])
def test_only_secretaries_and_operators_enter_holidays(request, tree, who):
    with pytest.raises(NotFound):
        calendar_day_add(
            actor=request.getfixturevalue(who),
            community=tree.heping,
            day=first_weekday(UNCOVERED, 6, 0),
            is_workday=False,
        )
    assert not CalendarDay.objects.exists()


def test_global_overrides_need_an_operator_on_a_city(tree, operator, secretary, city_operator):
    day = first_weekday(UNCOVERED, 6, 0)
    for actor in (operator, secretary):
        with pytest.raises(NotFound):
            calendar_day_add(actor=actor, community=None, day=day, is_workday=False)
    calendar_day_add(actor=operator, community=tree.heping, day=day, is_workday=False)
    row = calendar_day_add(actor=city_operator, community=None, day=day, is_workday=False)
    with pytest.raises(NotFound):
        calendar_day_remove(actor=secretary, community=tree.heping, pk=row.pk)
    calendar_day_remove(actor=city_operator, community=tree.heping, pk=row.pk)
    assert list(CalendarDay.objects.values_list("community_id", flat=True)) == [tree.heping.pk]


def test_overrides_that_change_nothing_or_repeat_are_refused(tree, secretary):
    sunday = first_weekday(UNCOVERED, 6, 6)
    monday = sunday + dt.timedelta(days=1)
    with pytest.raises(ValidationFailed, match="本来就是休息日"):
        calendar_day_add(actor=secretary, community=tree.heping, day=sunday, is_workday=False)
    with pytest.raises(ValidationFailed, match="本来就是工作日"):
        calendar_day_add(actor=secretary, community=tree.heping, day=monday, is_workday=True)
    calendar_day_add(actor=secretary, community=tree.heping, day=monday, is_workday=False)
    with pytest.raises(Conflict, match="已有调整"):
        calendar_day_add(actor=secretary, community=tree.heping, day=monday, is_workday=True)
    with pytest.raises(ValidationFailed, match="说明不能超过 100 个字"):
        calendar_day_add(
            actor=secretary,
            community=tree.heping,
            day=monday + dt.timedelta(days=1),
            is_workday=False,
            note="长" * 101,
        )
    assert CalendarDay.objects.count() == 1


def test_remove_is_audited_and_another_communitys_row_is_not_found(tree, secretary, outsider):
    day = first_weekday(UNCOVERED, 6, 0)
    row = calendar_day_add(actor=secretary, community=tree.heping, day=day, is_workday=False)
    with pytest.raises(NotFound):
        calendar_day_remove(actor=outsider, community=tree.other, pk=row.pk)
    with pytest.raises(NotFound):
        calendar_day_remove(actor=outsider, community=tree.heping, pk=row.pk)
    calendar_day_remove(actor=secretary, community=tree.heping, pk=row.pk)
    assert not CalendarDay.objects.exists()
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "matters.calendar.add",
        "matters.calendar.remove",
    ]
    assert calendar_for(tree.heping.pk) == WorkdayCalendar()
