"""The boards' figures on a crafted data set (test_boards_data.py) with every number worked
out by hand: scope per role, the period's edges, extended due dates, excluded ratings,
rates without a denominator, the uncovered-year warning and the number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.core.errors import NotFound
from linli.core.workdays import LAST_COVERED_YEAR
from linli.matters.choices import MatterLevel, MatterState
from linli.matters.models import CalendarDay, Matter
from linli.matters.selectors_boards import (
    AREA,
    DEPARTMENT,
    AgeBuckets,
    Rate,
    board_figures,
    board_places,
    board_scope,
    has_board,
)

from .test_boards_data import END, START, TODAY, at, board_data, matter, referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(tree):
    return board_data(tree)


def figures(actor, **kw):
    kw.setdefault("start", START)
    kw.setdefault("end", END)
    kw.setdefault("today", TODAY)
    return board_figures(actor, **kw)


def by_level(f):
    return {lv.level: lv for lv in f.by_level}


# --- rates -------------------------------------------------------------------------------------


def test_rate_shows_numerator_denominator_and_never_divides_by_zero():
    assert str(Rate(506, 539)) == "506/539 · 93.9%"
    assert Rate(506, 539).percent == Decimal("93.9")
    assert str(Rate(0, 0)) == "0/0 · —" and Rate(0, 0).percent is None
    assert Rate(1, 3).percent == Decimal("33.3") and Rate(2, 3).percent == Decimal("66.7")
    assert Rate(1, 8).percent == Decimal("12.5")  # half up, not to even
    assert Rate(1, 1).percent_text == "100.0%" and Rate(0, 4).percent_text == "0.0%"


# --- staff of 和平社区: every figure --------------------------------------------------------------


def test_staff_board_every_figure(data, staff):
    f = figures(staff)
    assert f.scope.kind == AREA and [p.name for p in f.scope.roots] == ["和平社区"]
    # Open now, by level and age (A B ≤ 7; C D 8–30; E 31–90; F P > 90).
    assert f.open_ages == AgeBuckets(d7=2, d30=2, d90=1, older=2) and f.open_total == 7
    levels = by_level(f)
    assert levels[MatterLevel.BUILDING].open == AgeBuckets(d7=2)
    assert levels[MatterLevel.COMPOUND].open == AgeBuckets(d30=1)
    assert levels[MatterLevel.COMMUNITY].open == AgeBuckets(d30=1)
    assert levels[MatterLevel.DEPARTMENT].open == AgeBuckets(d90=1, older=2)
    # Raised and finished in the period, in all and by level.
    assert (f.raised, f.finished) == (8, 5)
    # building: G I J M raised, L G J finished; compound K; community D; department E F / Q Q2.
    assert [(x.raised, x.finished) for x in f.by_level] == [(4, 3), (1, 0), (1, 0), (2, 2)]
    # Referrals: two overdue (R1 since 07-01: 7 working days; R3 past its extension: 1).
    assert f.overdue_count == 2
    assert [
        (r.case_number.split("-")[1], r.workdays_overdue, r.days_overdue) for r in f.overdue
    ] == [
        ("E", 7, 9),
        ("F", 1, 1),
    ]
    assert f.overdue[1].extended and f.overdue[1].current_due == dt.date(2025, 7, 9)
    assert f.overdue[0].department == "住建" and f.overdue[0].state == "sent"
    # On time: R4 (on the due date, late evening), R8 (co-department's answer), R5 (within
    # its extension) of R4 R5 R6 R8 R10.
    assert f.on_time == Rate(3, 5)
    depts = {d.name: d for d in f.by_department}
    assert (depts["住建"].open, depts["住建"].overdue, depts["住建"].on_time) == (2, 2, Rate(1, 2))
    assert (depts["城管"].open, depts["城管"].overdue, depts["城管"].on_time) == (1, 0, Rate(2, 3))
    assert [d.name for d in f.by_department] == ["住建", "城管"]  # most overdue first
    # Rectification.
    assert f.problems == Rate(2, 5)
    assert f.rectifications == Rate(2, 3)
    assert f.rectifications_on_time == Rate(1, 2)
    assert f.rectifications_overdue == 1
    # Satisfaction (round 0, not excluded): 5 4 3 1 2.
    assert f.satisfaction == Rate(2, 5)
    assert (f.ratings_excluded, f.ratings_bad) == (1, 2)
    assert [(c.level, c.count) for c in f.rating_levels] == [(5, 1), (4, 1), (3, 1), (2, 1), (1, 1)]
    assert f.rectification_satisfaction == Rate(1, 1)
    assert levels[MatterLevel.BUILDING].satisfaction == Rate(1, 1)
    assert levels[MatterLevel.DEPARTMENT].satisfaction == Rate(1, 4)
    assert levels[MatterLevel.COMPOUND].satisfaction == Rate(0, 0)
    # 办不成事.
    assert (f.flags_raised, f.flags_open, f.flags_overdue) == (2, 1, 1)
    # Monthly series over the period's months.
    assert [(m.month, m.raised, m.finished) for m in f.by_month] == [
        (dt.date(2025, 4, 1), 2, 1),
        (dt.date(2025, 5, 1), 3, 2),
        (dt.date(2025, 6, 1), 3, 2),
    ]
    # One community: no per-community table; 2025 is covered: no warning.
    assert f.by_community is None
    assert f.uncovered_years == () and f.calendar_warning == ""


def test_figures_take_a_fixed_number_of_queries(data, staff):
    figures(staff)  # warm the actor's grants
    with CaptureQueriesContext(connection) as few:
        figures(staff)
    for n in range(30):
        matter(data.m["A"].place, f"X{n}", raised=at(2025, 5, 1 + n % 28))
    with CaptureQueriesContext(connection) as many:
        figures(staff)
    assert len(many) == len(few) <= 15


# --- the period's edges ------------------------------------------------------------------------


def test_period_edges_are_inclusive_days_in_china_time(data, staff):
    # The first day only: K (00:00) is raised in it, the rating on its first minute counts.
    f = figures(staff, start=START, end=START)
    assert f.raised == 1 and f.problems == Rate(0, 1)
    assert f.satisfaction == Rate(0, 1) and f.rectifications == Rate(0, 1)
    # The last day only: M (23:59) is raised in it and rectified (rated) since.
    f = figures(staff, start=END, end=END)
    assert f.raised == 1 and f.problems == Rate(1, 1)
    # July: N (00:00) and A B C are raised; R7 completed late on 07-01; R1 R3 still overdue.
    f = figures(staff, start=dt.date(2025, 7, 1), end=TODAY)
    assert f.raised == 4 and f.on_time == Rate(0, 1)
    assert f.overdue_count == 2  # overdue referrals are as of today, whatever the period


def test_on_time_counts_the_extended_due_date_and_china_days(data, staff):
    # R6 was completed at 07:00 China time on 06-11 (still 06-10 in UTC): one day late.
    f = figures(staff, start=dt.date(2025, 6, 11), end=dt.date(2025, 6, 11))
    assert f.on_time == Rate(0, 2)  # R6 and R10 (closed with R6, no answer of its own)
    # R5 was completed on 06-03, after its due date 04-30 but on its extended one.
    f = figures(staff, start=dt.date(2025, 6, 3), end=dt.date(2025, 6, 3))
    assert f.on_time == Rate(1, 1)
    # Without the extension it would have been late.
    data.r["R5"].extended_due_on = None
    data.r["R5"].save()
    assert figures(staff, start=dt.date(2025, 6, 3), end=dt.date(2025, 6, 3)).on_time == Rate(0, 1)


def test_an_empty_period_shows_dashes(data, staff):
    f = figures(staff, start=dt.date(2024, 1, 1), end=dt.date(2024, 1, 31))
    for rate in (f.on_time, f.problems, f.rectifications, f.satisfaction):
        assert rate == Rate(0, 0) and str(rate) == "0/0 · —"
    assert f.raised == 0 and [m.raised for m in f.by_month] == [0]
    assert f.open_total == 7  # open matters are as of today


def test_period_must_not_end_before_it_starts(data, staff):
    with pytest.raises(ValueError):
        figures(staff, start=END, end=START)


# --- scope -------------------------------------------------------------------------------------


def test_leader_sees_only_their_building(data, leader):
    f = figures(leader)
    assert [p.name for p in f.scope.roots] == ["1栋"]
    assert f.open_total == 3  # A B E
    assert f.raised == 5  # E G I J M
    assert [r.case_number.split("-")[1] for r in f.overdue] == ["E"]
    assert f.problems == Rate(2, 3)  # E G M found; G M rectified
    assert f.satisfaction == Rate(1, 2)  # G (5), Q (3)
    with pytest.raises(NotFound):
        board_scope(leader, place=data.m["F"].place)  # building 2
    with pytest.raises(NotFound):
        board_scope(leader, place=data.m["F"].place.compound_id)


def test_place_filter_within_the_community(data, staff, tree):
    f = figures(staff, place=tree.building2)
    assert f.open_total == 3  # C F P
    assert f.scope.place == tree.building2 and f.scope.title == "2栋"
    assert figures(staff, place=tree.compound1).open_total == 7
    with pytest.raises(NotFound):
        board_scope(staff, place=tree.other)
    with pytest.raises(NotFound):
        board_scope(staff, place=tree.street)  # above the community
    with pytest.raises(NotFound):
        board_scope(staff, place=999_999)


def test_another_communitys_staff_see_nothing_of_heping(data, outsider, tree):
    f = figures(outsider)
    assert [p.name for p in f.scope.roots] == ["胜利社区"]
    assert f.open_total == 1 and f.raised == 1  # H only
    assert [r.case_number.split("-")[1] for r in f.overdue] == ["H"]
    assert {d.name for d in f.by_department} == {"住建"}
    with pytest.raises(NotFound):
        board_scope(outsider, place=tree.heping)
    with pytest.raises(NotFound):
        board_scope(outsider, place=tree.building1)


def test_supervisor_sees_the_street_with_a_row_per_community(data, supervisor, tree):
    f = figures(supervisor)
    assert f.open_total == 8 and f.overdue_count == 3
    assert (f.flags_raised, f.flags_open, f.flags_overdue) == (2, 2, 1)  # H: after Q2
    assert f.satisfaction == Rate(3, 6)
    rows = {c.name: c for c in f.by_community or ()}
    assert set(rows) == {"和平社区", "胜利社区"}
    heping, other = rows["和平社区"], rows["胜利社区"]
    assert (heping.raised, heping.open, heping.overdue) == (8, 7, 2)
    assert (heping.on_time, heping.problems, heping.satisfaction) == (
        Rate(3, 5),
        Rate(2, 5),
        Rate(2, 5),
    )
    assert (other.raised, other.open, other.overdue) == (1, 1, 1)
    assert (other.problems, other.satisfaction) == (Rate(0, 1), Rate(1, 1))
    # Narrowed to a community: that community's board, no per-community table.
    f = figures(supervisor, place=tree.heping)
    assert f.open_total == 7 and f.by_community is None


def test_department_board_is_the_departments_referrals(data, tree):
    f = figures(data.zj_handler)
    assert f.scope.kind == DEPARTMENT and f.scope.title == "住建"
    assert f.open_total == 3  # E F H hold an open referral to 住建
    assert f.overdue_count == 3  # R1 R3 H1
    assert f.on_time == Rate(1, 2)  # R4 yes, R6 no
    assert [d.name for d in f.by_department] == ["住建"]
    assert f.satisfaction == Rate(2, 4)  # P 4, Q2 1, P 2, H 5
    assert f.rectifications == Rate(2, 3)
    rows = {c.name: c for c in f.by_community or ()}
    assert set(rows) == {"和平社区", "胜利社区"}
    # The 城管 handler sees 城管's, not 住建's.
    g = figures(data.cg_handler)
    assert g.open_total == 1 and g.overdue_count == 0 and g.on_time == Rate(2, 3)
    # Narrowed to a place in the department's district; another district's place is 404.
    h = figures(data.zj_handler, place=tree.heping)
    assert h.open_total == 2 and h.by_community is None
    assert [p.name for p in board_places(board_scope(data.zj_handler))] == ["和平社区", "胜利社区"]


def test_department_parameter_needs_a_handler(data, staff):
    with pytest.raises(NotFound):
        board_scope(staff, department=data.zj.pk)
    assert board_scope(data.zj_handler, department=data.zj.pk).kind == DEPARTMENT
    with pytest.raises(NotFound):
        board_scope(data.zj_handler, department=data.cg.pk)


def test_no_board_for_residents_and_anonymous(data, resident_user):
    from django.contrib.auth.models import AnonymousUser

    assert not has_board(resident_user) and not has_board(AnonymousUser())
    for actor in (resident_user, AnonymousUser()):
        with pytest.raises(NotFound):
            board_scope(actor)


def test_place_picker_offers_the_area_two_levels_down(data, staff, supervisor, leader, tree):
    assert [p.name for p in board_places(board_scope(staff))] == [
        "和平社区",
        "和平小区",
        "1栋",
        "2栋",
    ]
    assert [p.name for p in board_places(board_scope(leader))] == ["1栋"]
    names = [p.name for p in board_places(board_scope(supervisor))]
    assert names[0] == "测试街道" and {"和平社区", "胜利社区", "和平小区", "胜利小区"} <= set(names)
    assert "1栋" not in names


# --- the calendar warning ----------------------------------------------------------------------


def test_warning_when_the_period_touches_an_uncovered_year(data, staff, tree):
    year = LAST_COVERED_YEAR + 1
    f = figures(
        staff, start=dt.date(year, 1, 1), end=dt.date(year, 3, 31), today=dt.date(year, 2, 1)
    )
    assert f.uncovered_years == (year,)
    assert str(year) in f.calendar_warning and "管理员录入" in f.calendar_warning
    # Even with the operator's holidays entered: the board still says the count rests on them.
    CalendarDay.objects.create(day=dt.date(year, 1, 1), is_workday=False, note="元旦")
    assert figures(
        staff, start=dt.date(year, 1, 1), end=dt.date(year, 1, 31), today=dt.date(year, 2, 1)
    ).uncovered_years == (year,)
    # A covered period and today: no warning.
    assert figures(staff).uncovered_years == ()


def test_overdue_working_days_use_the_operators_holidays_in_an_uncovered_year(data, staff, tree):
    year = LAST_COVERED_YEAR + 1
    m = matter(
        tree.building1,
        "U",
        level=MatterLevel.DEPARTMENT,
        state=MatterState.WAITING,
        raised=at(year, 1, 2),
    )
    # Due Friday 8 Jan; today Wednesday 13 Jan: 11, 12, 13 are working days …
    referral(m, data.zj, lead=True, referred=at(year, 1, 4), due=dt.date(year, 1, 8), state="sent")
    today = dt.date(year, 1, 13)
    f = figures(staff, start=dt.date(year, 1, 1), end=dt.date(year, 1, 31), today=today)
    [row] = [r for r in f.overdue if r.matter_id == m.pk]
    weekday_count = sum(
        1 for d in (dt.date(year, 1, 8) + dt.timedelta(n) for n in range(1, 6)) if d.weekday() < 5
    )
    assert row.workdays_overdue == weekday_count
    # … unless the operator entered the 12th as a holiday for 和平社区.
    CalendarDay.objects.create(community=tree.heping, day=dt.date(year, 1, 12), is_workday=False)
    f = figures(staff, start=dt.date(year, 1, 1), end=dt.date(year, 1, 31), today=today)
    [row] = [r for r in f.overdue if r.matter_id == m.pk]
    expected = weekday_count - (1 if dt.date(year, 1, 12).weekday() < 5 else 0)
    assert row.workdays_overdue == expected
    assert f.uncovered_years == (year,)


def test_merged_and_withdrawn_problems_are_not_found(data, staff):
    f = figures(staff)
    found_before = f.problems.denominator
    # Reopening the withdrawn one and finishing it: then it was a problem after all.
    j = data.m["J"]
    Matter.objects.filter(pk=j.pk).update(state=MatterState.DONE)
    from .test_boards_data import event

    event(j, "settle", at(2025, 5, 3), from_state="accepted", to_state=MatterState.DONE)
    assert figures(staff).problems == Rate(3, found_before + 1)
