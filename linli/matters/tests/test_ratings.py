"""好差评: rating once per round by the raiser only, bad ratings open a rectification due in
working days, rectification with a return visit and the next round, appeals decided by the
street's supervisors, reminders; and the rater kept from the handlers' timeline and notices."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from linli.matters.choices import MatterAction, MatterLevel, MatterState
from linli.matters.models import (
    AppealState,
    CalendarDay,
    MatterEvent,
    MatterSettings,
    Rating,
    RatingAppeal,
    Rectification,
    RectificationState,
)
from linli.matters.selectors_ratings import (
    appeal_rater,
    appeals_decided,
    appeals_pending,
    ratings_summary,
    rectifications_for,
)
from linli.matters.services import matter_close
from linli.matters.services.ratings import (
    appeal_decide,
    appeal_file,
    rating_give,
    rectification_done,
    rectification_visit,
)
from linli.notifications.models import Notification

from .test_ratings_support import (  # noqa: F401 - fixtures
    at,
    done_by_department,
    done_by_leader,
    fixture_chengguan_handler,
    fixture_far_resident,
    fixture_far_supervisor,
    fixture_neighbour_user,
    fixture_zhujian_handler,
    raise_lamp,
)

pytestmark = pytest.mark.django_db

S = MatterState


def snapshot(matter):
    """Everything a refused rating step must leave as it was."""
    matter.refresh_from_db()
    return (
        matter.state,
        matter.events.count(),
        Rating.objects.filter(matter=matter).count(),
        list(Rectification.objects.filter(matter=matter).values_list("state", "note")),
        RatingAppeal.objects.filter(rating__matter=matter).count(),
        list(Rating.objects.filter(matter=matter).values_list("excluded", flat=True)),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    )


@pytest.fixture
def done(tree, resident_user, leader):
    """代正菊's lamp, settled by the building leader 杨声芬."""
    return done_by_leader(raise_lamp(tree, resident_user), leader)


# --- rating ---------------------------------------------------------------------------------


def test_good_rating_rates_it_and_hides_the_rater(done, resident_user):
    rating = rating_give(actor=resident_user, matter=done, level=5, comment="很快就修好了")
    done.refresh_from_db()
    assert done.state == S.RATED
    assert (rating.round, rating.level, rating.handled_level) == (0, 5, MatterLevel.BUILDING)
    assert rating.department_id is None and not rating.excluded
    assert not Rectification.objects.exists()
    event = done.events.order_by("-id").first()
    assert event.action == MatterAction.RATE and event.actor_id is None
    assert event.actor_kind == "raiser" and (event.from_state, event.to_state) == (S.DONE, S.RATED)
    assert str(resident_user.pk) not in str(event.data) and "代正菊" not in event.note
    assert event.data == {"round": 0, "level": 5}
    # The audit row keeps who did it (operators only).
    audit = AuditEvent.objects.filter(action="matters.rate").get()
    assert audit.actor_id == resident_user.pk and audit.data["rating"] == rating.pk


def test_bad_rating_opens_a_rectification_and_tells_the_handlers(
    done, resident_user, leader, staff, secretary
):
    before = Notification.objects.count()
    rating = rating_give(actor=resident_user, matter=done, level=1, comment="灯还是不亮")
    done.refresh_from_db()
    assert done.state == S.RECTIFYING
    rect = Rectification.objects.get()
    assert (rect.rating_id, rect.round, rect.state) == (rating.pk, 1, RectificationState.OPEN)
    event = done.events.order_by("-id").first()
    assert event.action == MatterAction.RATE_BAD and event.actor_id is None
    assert rect.due_on.isoformat() in event.note and event.data["rectification"] == rect.pk
    told = Notification.objects.filter(kind="rating.bad")
    assert {n.user_id for n in told} == {leader.pk, staff.pk, secretary.pk}
    assert Notification.objects.count() == before + 3
    for n in told:
        assert "代正菊" not in n.text and "代*菊" not in n.text
        assert rect.due_on.isoformat() in n.text and n.url.endswith(f"/matters/{done.pk}/")
    assert not Notification.objects.filter(user=resident_user, kind="rating.bad").exists()


def test_due_date_in_working_days_across_national_day(done, resident_user):
    # 2025-09-30 + 5 working days: 10-01..08 are off, Saturday 10-11 is a make-up workday.
    rating_give(actor=resident_user, matter=done, level=2, now=at(2025, 9, 30, 16))
    rect = Rectification.objects.get()
    assert rect.due_on == dt.date(2025, 10, 14)
    counted = [
        dt.date(2025, 9, 30) + dt.timedelta(days=i)
        for i in range(1, 15)
        if chinese_calendar.is_workday(dt.date(2025, 9, 30) + dt.timedelta(days=i))
    ]
    assert counted[4] == rect.due_on
    assert dt.date(2025, 10, 11) in counted[:5]  # the make-up Saturday counts


def test_due_date_follows_the_communitys_settings_and_calendar(tree, done, resident_user):
    MatterSettings.objects.create(community=tree.heping, rectification_days=2)
    # An operator's extra holiday on Monday 2025-06-09 pushes the due date by a day.
    CalendarDay.objects.create(community=tree.heping, day=dt.date(2025, 6, 9), is_workday=False)
    rating_give(actor=resident_user, matter=done, level=1, now=at(2025, 6, 6))  # a Friday
    assert Rectification.objects.get().due_on == dt.date(2025, 6, 11)


def test_second_rating_is_refused_and_changes_nothing(done, resident_user):
    rating_give(actor=resident_user, matter=done, level=4)
    before = snapshot(done)
    for level in (5, 1):
        with pytest.raises(Conflict, match="已经评价过"):
            rating_give(actor=resident_user, matter=done, level=level)
    assert snapshot(done) == before


def test_second_bad_rating_is_refused_while_rectifying(done, resident_user):
    rating_give(actor=resident_user, matter=done, level=1)
    before = snapshot(done)
    with pytest.raises(Conflict, match="已经评价过"):
        rating_give(actor=resident_user, matter=done, level=2)
    assert snapshot(done) == before


def test_only_the_raiser_rates(done, leader, staff, neighbour_user, supervisor, outsider):
    before = snapshot(done)
    for who in (leader, staff, neighbour_user, supervisor):  # they see it: a clear refusal
        with pytest.raises(Forbidden, match="只有提出"):
            rating_give(actor=who, matter=done, level=5)
    with pytest.raises(NotFound):  # another community's secretary does not find it
        rating_give(actor=outsider, matter=done, level=5)
    assert snapshot(done) == before


def test_a_resident_who_cannot_see_it_does_not_find_it(done, far_resident):
    with pytest.raises(NotFound):
        rating_give(actor=far_resident, matter=done, level=5)


def test_a_matter_not_done_cannot_be_rated(tree, resident_user, leader):
    m = raise_lamp(tree, resident_user)
    before = snapshot(m)
    with pytest.raises(Conflict, match="办结后才能评价"):
        rating_give(actor=resident_user, matter=m, level=5)
    assert snapshot(m) == before


def test_a_closed_matter_cannot_be_rated(done, resident_user, staff):
    matter_close(actor=staff, matter=done)
    with pytest.raises(Conflict, match="办结后才能评价"):
        rating_give(actor=resident_user, matter=done, level=5)


@pytest.mark.parametrize("level", [0, 6, -1, True, "x", None, "5 "])
def test_bad_levels_are_refused(done, resident_user, level):
    before = snapshot(done)
    if level == "5 ":
        rating_give(actor=resident_user, matter=done, level=level)  # a form's " 5" is fine
        return
    with pytest.raises(ValidationFailed):
        rating_give(actor=resident_user, matter=done, level=level)
    assert snapshot(done) == before


def test_comment_too_long(done, resident_user):
    with pytest.raises(ValidationFailed):
        rating_give(actor=resident_user, matter=done, level=5, comment="好" * 501)
    assert not Rating.objects.exists()


def test_unique_constraint_backs_once_per_round(done, resident_user):
    from django.db import IntegrityError, transaction

    rating_give(actor=resident_user, matter=done, level=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(
            matter=done,
            rater=resident_user,
            round=0,
            level=3,
            handled_level="building",
            created_at=done.raised_at,
        )


def test_department_handled_matter_records_the_department(
    tree, resident_user, staff, zhujian_handler
):
    handler, dept = zhujian_handler
    m = done_by_department(raise_lamp(tree, resident_user), staff, handler, dept)
    rating = rating_give(actor=resident_user, matter=m, level=2)
    assert (rating.handled_level, rating.department_id) == (MatterLevel.DEPARTMENT, dept.pk)
    told = set(Notification.objects.filter(kind="rating.bad").values_list("user_id", flat=True))
    assert handler.pk in told and staff.pk in told


# --- rectification ----------------------------------------------------------------------------


def test_rectification_then_the_rater_rates_it(done, resident_user, staff, leader):
    rating_give(actor=resident_user, matter=done, level=1, comment="还是不亮")
    rect = Rectification.objects.get()
    rectification_done(
        actor=staff, rectification=rect, note="更换了整条线路", return_visit="电话回访，灯已亮"
    )
    done.refresh_from_db()
    rect.refresh_from_db()
    assert done.state == S.DONE
    assert (rect.state, rect.done_by_id) == (RectificationState.DONE, staff.pk)
    assert rect.note == "更换了整条线路" and rect.return_visit == "电话回访，灯已亮"
    actions = list(done.events.order_by("id").values_list("action", flat=True))[-2:]
    assert actions == [MatterAction.RECTIFY, MatterAction.RETURN_VISIT]
    asked = Notification.objects.get(kind="rating.rectified")
    assert asked.user_id == resident_user.pk and "再评价" in asked.text
    # The rater rates the rectification: round 1.
    second = rating_give(actor=resident_user, matter=done, level=5, comment="这次好了")
    done.refresh_from_db()
    assert (second.round, done.state) == (1, S.RATED)
    assert "第 1 次整改" in done.events.order_by("-id").first().note
    with pytest.raises(Conflict):
        rating_give(actor=resident_user, matter=done, level=5)


def test_a_bad_rating_of_the_rectification_opens_the_next(done, resident_user, staff):
    rating_give(actor=resident_user, matter=done, level=2)
    rectification_done(
        actor=staff, rectification=Rectification.objects.get(), note="修了", return_visit="回访"
    )
    rating_give(actor=resident_user, matter=done, level=1)
    rounds = list(Rectification.objects.order_by("round").values_list("round", "state"))
    assert rounds == [(1, RectificationState.DONE), (2, RectificationState.OPEN)]
    done.refresh_from_db()
    assert done.state == S.RECTIFYING


def test_rectify_by_a_resident_or_the_leader_is_refused(
    done, resident_user, leader, neighbour_user, outsider
):
    rating_give(actor=resident_user, matter=done, level=1)
    rect = Rectification.objects.get()
    before = snapshot(done)
    for who in (resident_user, neighbour_user, leader):
        with pytest.raises(Forbidden):
            rectification_done(actor=who, rectification=rect, note="好了", return_visit="回访")
        with pytest.raises(Forbidden):
            rectification_visit(actor=who, rectification=rect, text="回访")
    with pytest.raises(NotFound):
        rectification_done(actor=outsider, rectification=rect, note="好了", return_visit="回访")
    assert snapshot(done) == before


def test_rectify_needs_a_note_and_a_return_visit(done, resident_user, staff):
    rating_give(actor=resident_user, matter=done, level=1)
    rect = Rectification.objects.get()
    before = snapshot(done)
    with pytest.raises(ValidationFailed, match="整改情况"):
        rectification_done(actor=staff, rectification=rect, note=" ", return_visit="回访")
    with pytest.raises(ValidationFailed, match="回访"):
        rectification_done(actor=staff, rectification=rect, note="修好了")
    assert snapshot(done) == before
    # A return visit recorded on its own is enough.
    rectification_visit(actor=staff, rectification=rect, text="上门回访，居民说还要观察几天")
    assert done.events.order_by("-id").first().action == MatterAction.RETURN_VISIT
    rectification_done(actor=staff, rectification=rect, note="修好了")
    rect.refresh_from_db()
    assert rect.return_visit == "上门回访，居民说还要观察几天"
    assert rect.state == RectificationState.DONE
    with pytest.raises(Conflict, match="已经完成"):
        rectification_done(actor=staff, rectification=rect, note="再来", return_visit="再回访")
    # A later visit is added, not overwritten.
    rectification_visit(actor=staff, rectification=rect, text="一周后再回访，正常")
    rect.refresh_from_db()
    assert rect.return_visit.splitlines() == ["上门回访，居民说还要观察几天", "一周后再回访，正常"]


def test_the_handling_departments_handler_rectifies(
    tree, resident_user, staff, zhujian_handler, chengguan_handler
):
    handler, dept = zhujian_handler
    other, _other_dept = chengguan_handler
    m = done_by_department(raise_lamp(tree, resident_user), staff, handler, dept)
    rating_give(actor=resident_user, matter=m, level=1)
    rect = Rectification.objects.get()
    with pytest.raises(NotFound):  # 城管 was never referred this matter
        rectification_done(actor=other, rectification=rect, note="x", return_visit="y")
    rectification_done(actor=handler, rectification=rect, note="已返工", return_visit="已回访")
    m.refresh_from_db()
    assert m.state == S.DONE
    assert m.events.order_by("-id")[1].actor_kind == "department"


# --- appeals ----------------------------------------------------------------------------------


@pytest.fixture
def bad(done, resident_user):
    return rating_give(actor=resident_user, matter=done, level=1, comment="态度不好")


def test_handlers_appeal_once(done, bad, staff, leader):
    appeal = appeal_file(actor=leader, rating=bad, reason="malicious", text="灯已修好，恶意差评")
    assert (appeal.state, appeal.appellant_id) == (AppealState.PENDING, leader.pk)
    event = done.events.order_by("-id").first()
    assert event.action == MatterAction.APPEAL and event.actor_id == leader.pk
    assert "灯已修好" not in event.note  # the text stays on the appeal
    before = snapshot(done)
    with pytest.raises(Conflict, match="已经申诉过"):
        appeal_file(actor=staff, rating=bad, reason="mistaken", text="再申诉")
    assert snapshot(done) == before


def test_appeal_by_others_or_with_bad_input_is_refused(
    done, bad, resident_user, neighbour_user, supervisor, outsider, staff
):
    before = snapshot(done)
    for who in (resident_user, neighbour_user, supervisor):
        with pytest.raises(Forbidden):
            appeal_file(actor=who, rating=bad, reason="mistaken", text="误评")
    with pytest.raises(NotFound):
        appeal_file(actor=outsider, rating=bad, reason="mistaken", text="误评")
    with pytest.raises(ValidationFailed):
        appeal_file(actor=staff, rating=bad, reason="unfair", text="误评")
    with pytest.raises(ValidationFailed):
        appeal_file(actor=staff, rating=bad, reason="mistaken", text="  ")
    assert snapshot(done) == before


def test_a_good_rating_cannot_be_appealed(tree, resident_user, leader, staff):
    m = done_by_leader(raise_lamp(tree, resident_user), leader)
    good = rating_give(actor=resident_user, matter=m, level=4)
    with pytest.raises(ValidationFailed, match="差评"):
        appeal_file(actor=staff, rating=good, reason="mistaken", text="误评")


def test_leader_appeals_only_what_was_settled_at_building_level(
    tree, resident_user, leader, staff, zhujian_handler
):
    handler, dept = zhujian_handler
    m = done_by_department(raise_lamp(tree, resident_user), staff, handler, dept)
    rating = rating_give(actor=resident_user, matter=m, level=1)
    with pytest.raises(Forbidden):
        appeal_file(actor=leader, rating=rating, reason="mistaken", text="不是我办的")
    appeal = appeal_file(actor=handler, rating=rating, reason="mistaken", text="已修好")
    assert appeal.appellant_id == handler.pk


def test_upheld_appeal_excludes_the_rating_and_keeps_the_rectification(
    done, bad, staff, supervisor, resident_user
):
    appeal = appeal_file(actor=staff, rating=bad, reason="mistaken", text="居民点错了")
    assert Notification.objects.filter(user=supervisor, kind="rating.appeal").exists()
    assert [a.pk for a in appeals_pending(supervisor)] == [appeal.pk]
    decided = appeal_decide(actor=supervisor, appeal=appeal, upheld=True, decision="核实属误评")
    bad.refresh_from_db()
    done.refresh_from_db()
    assert decided.state == AppealState.UPHELD and decided.decided_by_id == supervisor.pk
    assert bad.excluded
    # The table has no step out of rectifying for a supervisor: the rectification stays.
    assert done.state == S.RECTIFYING
    assert Rectification.objects.get().state == RectificationState.OPEN
    event = done.events.order_by("-id").first()
    assert event.action == MatterAction.APPEAL_DECIDED and "整改仍需完成" in event.note
    assert Notification.objects.filter(user=staff, kind="rating.appeal_decided").exists()
    assert Notification.objects.filter(user=resident_user, kind="rating.excluded").exists()
    assert appeals_pending(supervisor) == [] and appeals_decided(supervisor)[0].pk == appeal.pk
    summary = ratings_summary(done, staff)
    assert (summary.total, summary.excluded) == (0, 1)
    with pytest.raises(Conflict, match="已经裁定过"):
        appeal_decide(actor=supervisor, appeal=appeal, upheld=False, decision="改判")


def test_dismissed_appeal_keeps_the_rating(done, bad, staff, supervisor):
    appeal = appeal_file(actor=staff, rating=bad, reason="malicious", text="恶意")
    appeal_decide(actor=supervisor, appeal=appeal, upheld=False, decision="居民反映属实")
    bad.refresh_from_db()
    assert not bad.excluded
    assert RatingAppeal.objects.get().state == AppealState.DISMISSED
    assert "不成立" in done.events.order_by("-id").first().note


def test_appeal_decided_elsewhere_or_by_a_handler_is_refused(
    done, bad, staff, secretary, far_supervisor
):
    appeal = appeal_file(actor=staff, rating=bad, reason="mistaken", text="点错了")
    before = snapshot(done)
    with pytest.raises(NotFound):  # a supervisor of another street does not find it
        appeal_decide(actor=far_supervisor, appeal=appeal, upheld=True, decision="成立")
    assert appeals_pending(far_supervisor) == []
    with pytest.raises(Forbidden, match="督办"):
        appeal_decide(actor=secretary, appeal=appeal, upheld=True, decision="成立")
    assert snapshot(done) == before


def test_the_supervisor_sees_the_rater_of_an_appealed_rating(done, bad, staff, resident_user):
    appeal = appeal_file(actor=staff, rating=bad, reason="malicious", text="恶意")
    record = appeal_rater(appeal)
    assert (record.name, record.ratings, record.bad) == ("代正菊", 1, 1)


# --- reads and reminders ---------------------------------------------------------------------


def test_summary_counts_without_raters(done, bad, staff, neighbour_user, resident_user):
    s = ratings_summary(done, staff)
    assert s.total == 1 and [c.count for c in s.counts] == [0, 0, 0, 0, 1]
    row = s.rows[0]
    assert row.comment == "态度不好" and row.can_appeal and not row.mine
    assert not hasattr(row, "rater") and not hasattr(row, "rater_id")
    neighbour_view = ratings_summary(done, neighbour_user).rows[0]
    assert neighbour_view.comment == "" and not neighbour_view.can_appeal
    own = ratings_summary(done, resident_user).rows[0]
    assert own.mine and own.comment == "态度不好" and not own.can_appeal


def test_overdue_rectifications_are_marked(done, resident_user):
    rating_give(actor=resident_user, matter=done, level=1, now=at(2025, 3, 3))
    (rect,) = rectifications_for(done, today=dt.date(2025, 3, 20))
    assert rect.overdue


def test_rating_events_never_name_the_rater(done, resident_user, staff):
    rating_give(actor=resident_user, matter=done, level=2, comment="不满意")
    rectification_done(
        actor=staff, rectification=Rectification.objects.get(), note="修", return_visit="访"
    )
    rating_give(actor=resident_user, matter=done, level=5)
    rated = MatterEvent.objects.filter(
        matter=done, action__in=[MatterAction.RATE, MatterAction.RATE_BAD]
    )
    assert rated.count() == 2
    for e in rated:
        assert e.actor_id is None and e.actor_kind == "raiser"
        # Only the round, the level and the rectification: nothing that leads to a person.
        assert set(e.data) <= {"round", "level", "rectification", "due_on"}
