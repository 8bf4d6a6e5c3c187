"""Activities services on the real database: publishing and weekly series, sign-up with the
waiting list and approval, scanning in and out (every bad input), the organiser's manual
sign-in, closing with the points exactly once, and the volunteer record."""

from __future__ import annotations

import datetime as dt

import pytest

from linli.activities.choices import ActivityStatus, HoursKind, PointsBasis, SignupStatus
from linli.activities.models import Activity, Attendance, ServiceHours, Signup
from linli.activities.services import (
    activity_cancel,
    activity_close,
    activity_publish,
    activity_settings_update,
    attendance_mark,
    attendance_scan,
    attendance_sign_out_all,
    series_create,
    series_generate,
    signup_create,
    signup_decide,
    signup_withdraw,
)
from linli.activities.tokens import TokenRejected, make_token
from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from linli.core.quarters import CHINA
from linli.notifications.models import Notification
from linli.people.models import Resident, TeamMember
from linli.points.models import Award, AwardBatch
from linli.points.selectors import resident_balance
from linli.points.services import ledger_verify, points_award

from .conftest import END, START, make_resident

pytestmark = pytest.mark.django_db

BEFORE = START - dt.timedelta(days=1)


def mins(n: float) -> dt.datetime:
    return START + dt.timedelta(minutes=n)


def scan(user, activity, direction="in", at=None):
    at = at or mins(0)
    return attendance_scan(
        actor=user,
        activity=activity,
        direction=direction,
        token=make_token(activity.pk, direction, at),
        now=at,
    )


def attend(user, activity, minutes_in=0.0, minutes_out=120.0):
    scan(user, activity, "in", mins(minutes_in))
    return scan(user, activity, "out", mins(minutes_out))


def snapshot(activity):
    return (
        sorted(Attendance.objects.filter(activity=activity).values_list("pk", "signed_out_at")),
        Award.objects.count(),
        ServiceHours.objects.count(),
    )


# --- publishing ------------------------------------------------------------------------


def test_team_leader_publishes_for_their_team(patrol, team_leader, team, patrol_rule):
    assert patrol.team == team and patrol.organiser == team_leader
    assert patrol.points == 10 and patrol.points_basis == PointsBasis.PER_ACTIVITY
    assert patrol.source_id == str(patrol.pk)
    assert AuditEvent.objects.filter(action="activities.publish", target_id=str(patrol.pk))


def test_a_resident_cannot_publish_and_a_leader_only_for_their_team(
    tree, resident_user, team_leader, team, patrol_rule
):
    kw = dict(community=tree.heping, title="清扫", starts_at=START, ends_at=END, capacity=5)
    with pytest.raises(NotFound):
        activity_publish(actor=resident_user, **kw)
    with pytest.raises(NotFound):
        activity_publish(actor=team_leader, **kw)  # open to all: staff only
    with pytest.raises(NotFound):
        activity_publish(actor=team_leader, **{**kw, "community": tree.other}, team=team)


def test_publishing_checks_its_fields(tree, staff, patrol_rule, suggestion_rule, outsider):
    kw = dict(community=tree.heping, title="清扫", starts_at=START, ends_at=END, capacity=5)
    activity_publish(actor=staff, **kw)
    bad = [
        {"ends_at": START},
        {"ends_at": START + dt.timedelta(hours=13)},
        {"capacity": 0},
        {"title": "  "},
        {"rule": patrol_rule, "points": 5},  # the rule is fixed at 10
        {"rule": patrol_rule, "points_basis": PointsBasis.PER_HOUR, "points": 11},
        {"rule": suggestion_rule, "points": 10},  # not an activity rule
        {"place": tree.other_building},
        {"team_only": True},
    ]
    for change in bad:
        with pytest.raises(ValidationFailed):
            activity_publish(actor=staff, **{**kw, **change})
    with pytest.raises(ValidationFailed):
        activity_publish(actor=staff, **kw, organiser=outsider)
    with pytest.raises(NotFound):
        activity_publish(actor=outsider, **kw)
    # A fixed rule's points need not be typed.
    a = activity_publish(actor=staff, **kw, rule=patrol_rule)
    assert a.points == 10


def test_weekly_series_generates_each_tuesday_once(tree, team, team_leader, patrol_rule):
    series, created = series_create(
        actor=team_leader,
        community=tree.heping,
        team=team,
        title="周二夜间巡逻",
        first_date=dt.date(2026, 3, 3),
        last_date=dt.date(2026, 5, 26),
        start_time=dt.time(19, 30),
        end_time=dt.time(21, 30),
        capacity=12,
        rule=patrol_rule,
    )
    assert len(created) == 13
    assert {a.starts_at.astimezone(CHINA).weekday() for a in created} == {1}
    assert created[0].starts_at == START and created[0].ends_at == END
    assert created[-1].starts_at.astimezone(CHINA).date() == dt.date(2026, 5, 26)
    assert all(a.points == 10 and a.team == team for a in created)
    # Idempotent: a second generation creates nothing, a cancelled one stays cancelled.
    activity_cancel(actor=team_leader, activity=created[1], reason="暴雨")
    assert series_generate(actor=team_leader, series=series) == []
    assert Activity.objects.filter(series=series).count() == 13
    assert Activity.objects.get(pk=created[1].pk).status == ActivityStatus.CANCELLED


def test_series_limits(tree, staff):
    kw = dict(
        community=tree.heping,
        title="巡逻",
        first_date=dt.date(2026, 3, 3),
        start_time=dt.time(19, 30),
        end_time=dt.time(21, 30),
        capacity=5,
    )
    with pytest.raises(ValidationFailed):
        series_create(actor=staff, **kw, last_date=dt.date(2027, 3, 10))
    with pytest.raises(ValidationFailed):
        series_create(actor=staff, **kw, last_date=dt.date(2026, 3, 1))
    with pytest.raises(ValidationFailed):
        series_create(
            actor=staff, **{**kw, "end_time": dt.time(19, 0)}, last_date=dt.date(2026, 4, 1)
        )


# --- sign-up ---------------------------------------------------------------------------


def test_signup_waiting_list_and_promotion(tree, patrol, resident_user):
    users = [make_resident(tree, n).user for n in range(1, 7)]
    rows = [signup_create(actor=u, activity=patrol, now=BEFORE) for u in users]
    assert [r.status for r in rows] == ["confirmed"] * 5 + ["waiting"]
    with pytest.raises(Conflict):
        signup_create(actor=users[0], activity=patrol, now=BEFORE)
    # The second one withdraws: the one waiting gets the place, and is told.
    signup_withdraw(actor=users[1], activity=patrol, now=BEFORE)
    assert Signup.objects.get(pk=rows[5].pk).status == SignupStatus.CONFIRMED
    assert Notification.objects.filter(user=users[5], kind="activity.promoted").exists()
    # Withdrawn, one can sign up again (at the end of the queue).
    again = signup_create(actor=users[1], activity=patrol, now=BEFORE)
    assert again.status == SignupStatus.WAITING


def test_signup_closes_when_the_activity_starts(patrol, resident_user):
    with pytest.raises(Conflict):
        signup_create(actor=resident_user, activity=patrol, now=START)
    signup_create(actor=resident_user, activity=patrol, now=BEFORE)
    with pytest.raises(Conflict):
        signup_withdraw(actor=resident_user, activity=patrol, now=START)


def test_outsiders_and_moved_out_residents_cannot_sign_up(tree, patrol, outsider, stranger):
    with pytest.raises(NotFound):
        signup_create(actor=outsider, activity=patrol, now=BEFORE)


def test_team_only_activity(tree, team, team_leader, patrol_rule, resident_user, member):
    a = activity_publish(
        actor=team_leader,
        community=tree.heping,
        team=team,
        team_only=True,
        title="队内培训",
        starts_at=START,
        ends_at=END,
        capacity=5,
    )
    signup_create(actor=resident_user, activity=a, now=BEFORE)  # 代正菊 is a member
    outsider_resident = make_resident(tree, 9)
    with pytest.raises(Forbidden):
        signup_create(actor=outsider_resident.user, activity=a, now=BEFORE)


def test_approval(tree, staff, patrol_rule, team_leader, team):
    a = activity_publish(
        actor=team_leader,
        community=tree.heping,
        team=team,
        title="敬老院探访",
        starts_at=START,
        ends_at=END,
        capacity=2,
        needs_approval=True,
    )
    r1, r2, r3 = (make_resident(tree, n) for n in (1, 2, 3))
    s1 = signup_create(actor=r1.user, activity=a, now=BEFORE)
    s2 = signup_create(actor=r2.user, activity=a, now=BEFORE)
    s3 = signup_create(actor=r3.user, activity=a, now=BEFORE)
    assert [s1.status, s2.status, s3.status] == ["pending", "pending", "waiting"]
    assert (
        Notification.objects.filter(user=team_leader, kind="activity.signup_pending").count() == 2
    )
    # Residents cannot decide; the organiser can; a rejection needs a reason.
    with pytest.raises(NotFound):
        signup_decide(actor=r3.user, signup=s1, approve=True)
    signup_decide(actor=team_leader, signup=s1, approve=True, now=BEFORE)
    with pytest.raises(ValidationFailed):
        signup_decide(actor=team_leader, signup=s2, approve=False, now=BEFORE)
    signup_decide(actor=staff, signup=s2, approve=False, reason="名额留给队员", now=BEFORE)
    with pytest.raises(Conflict):
        signup_decide(actor=team_leader, signup=s2, approve=True, now=BEFORE)
    # The rejection freed a seat: the waiting one moves up to pending (it needs approval).
    assert Signup.objects.get(pk=s3.pk).status == SignupStatus.PENDING
    # A rejection is its own notice kind (one kind, one sentence), with the reason typed.
    told = Notification.objects.get(user=r2.user, kind="activity.signup_rejected")
    assert told.params["reason"] == "名额留给队员" and "名额留给队员" in told.message
    # Pending is not enough to sign in.
    with pytest.raises(Conflict, match="审核"):
        scan(r3.user, a)
    with pytest.raises(Conflict, match="审核"):
        attendance_mark(actor=team_leader, activity=a, resident=r3, direction="in", now=mins(1))


def test_organiser_signs_up_someone_without_a_phone(tree, patrol, team_leader, resident_user):
    elder = make_resident(tree, 80, user=False)
    s = signup_create(actor=team_leader, activity=patrol, resident=elder, now=BEFORE)
    assert s.status == SignupStatus.CONFIRMED and s.created_by == team_leader
    with pytest.raises(NotFound):
        signup_create(actor=resident_user, activity=patrol, resident=elder, now=BEFORE)


# --- sign-in and sign-out ---------------------------------------------------------------


def test_scan_in_and_out(patrol, resident_user, dzj):
    signup_create(actor=resident_user, activity=patrol, now=BEFORE)
    a = scan(resident_user, patrol, "in", mins(-5))
    assert a.signed_in_at == mins(-5) and not a.in_manual and a.signup is not None
    a = scan(resident_user, patrol, "out", mins(121))
    assert a.signed_out_at == mins(121) and (a.minutes, a.half_hours, a.counts) == (120, 4, True)
    assert AuditEvent.objects.filter(action="activities.sign_in").count() == 1


def test_scan_refusals_change_nothing(tree, patrol, resident_user, outsider, team_leader):
    snap = snapshot(patrol)
    # Not signed up (sign-up required).
    with pytest.raises(Conflict, match="没有报名"):
        scan(resident_user, patrol)
    signup_create(actor=resident_user, activity=patrol, now=BEFORE)
    # Expired (scanned more than two minutes after the code was shown), forged, another's.
    with pytest.raises(TokenRejected, match="过期"):
        attendance_scan(
            actor=resident_user,
            activity=patrol,
            direction="in",
            token=make_token(patrol.pk, "in", mins(0)),
            now=mins(2),
        )
    with pytest.raises(TokenRejected):
        attendance_scan(
            actor=resident_user, activity=patrol, direction="in", token="forged", now=mins(0)
        )
    other = activity_publish(
        actor=team_leader,
        community=tree.heping,
        team=patrol.team,
        title="另一场",
        starts_at=START,
        ends_at=END,
        capacity=5,
    )
    with pytest.raises(TokenRejected, match="另一场活动"):
        attendance_scan(
            actor=resident_user,
            activity=patrol,
            direction="in",
            token=make_token(other.pk, "in", mins(0)),
            now=mins(0),
        )
    # Signing out before signing in; too early; after the end.
    with pytest.raises(Conflict, match="还没有签到"):
        scan(resident_user, patrol, "out", mins(10))
    # Too early says when signing in opens, with its date (30 minutes before the start).
    with pytest.raises(Conflict, match="还没到签到时间：2026-03-03 19:00 起可以签到"):
        scan(resident_user, patrol, "in", mins(-31))
    with pytest.raises(Conflict, match="已经结束"):
        scan(resident_user, patrol, "in", mins(121))
    # An outsider (another community's staff) does not find the activity.
    with pytest.raises(NotFound):
        scan(outsider, patrol)
    assert snapshot(patrol) == snap
    # Signing in twice; signing out twice.
    scan(resident_user, patrol, "in", mins(0))
    with pytest.raises(Conflict, match="已经签到过了"):
        scan(resident_user, patrol, "in", mins(1))
    scan(resident_user, patrol, "out", mins(100))
    with pytest.raises(Conflict, match="已经签退过了"):
        scan(resident_user, patrol, "out", mins(101))


def test_open_activity_takes_walk_ins(tree, staff, resident_user):
    cleanup = activity_publish(
        actor=staff,
        community=tree.heping,
        title="小区大扫除",
        starts_at=START,
        ends_at=END,
        capacity=50,
        signup_required=False,
    )
    a = scan(resident_user, cleanup)
    assert a.signup is None


def test_organiser_signs_people_in_and_out_marked_as_such(tree, patrol, team_leader, staff):
    elder = make_resident(tree, 80, user=False)
    signup_create(actor=team_leader, activity=patrol, resident=elder, now=BEFORE)
    a = attendance_mark(
        actor=team_leader, activity=patrol, resident=elder, direction="in", now=mins(3)
    )
    assert a.in_manual and a.in_by == team_leader and a.signed_in_at == mins(3)
    with pytest.raises(ValidationFailed):
        attendance_mark(
            actor=team_leader,
            activity=patrol,
            resident=elder,
            direction="out",
            at=mins(200),
            now=mins(100),
        )
    a = attendance_mark(
        actor=staff, activity=patrol, resident=elder, direction="out", at=mins(120), now=mins(150)
    )
    assert a.out_manual and a.out_by == staff and a.half_hours == 3  # 117 minutes


def test_leader_cannot_sign_themselves_in_by_hand(patrol, team_leader):
    me = Resident.objects.get(user=team_leader)
    signup_create(actor=team_leader, activity=patrol, now=BEFORE)
    with pytest.raises(Forbidden):
        attendance_mark(
            actor=team_leader, activity=patrol, resident=me, direction="in", now=mins(0)
        )
    scan(team_leader, patrol)  # scanning is fine


def test_residents_cannot_sign_others_in(tree, patrol, resident_user):
    other = make_resident(tree, 5)
    with pytest.raises(NotFound):
        attendance_mark(
            actor=resident_user, activity=patrol, resident=other, direction="in", now=mins(0)
        )


# --- closing and points ----------------------------------------------------------------


def _crew(tree, patrol, n=3):
    users = [make_resident(tree, i).user for i in range(1, n + 1)]
    for u in users:
        signup_create(actor=u, activity=patrol, now=BEFORE)
    return users


def test_close_awards_attendees_once(tree, patrol, team_leader):
    full, short, late = _crew(tree, patrol)
    attend(full, patrol, -10, 125)  # capped at 2 hours
    attend(short, patrol, 0, 71)  # 59 % of the activity: does not count
    attend(late, patrol, 48, 120)  # 72 minutes = 60 %: counts, 1 hour
    result = activity_close(actor=team_leader, activity=patrol, now=mins(130))
    assert result.closed_now and (result.attended, result.counted) == (3, 2)
    assert (result.awarded, result.points) == (2, 20)
    patrol.refresh_from_db()
    assert patrol.status == ActivityStatus.CLOSED and patrol.closed_by == team_leader
    rows = {a.resident.user: a for a in Attendance.objects.filter(activity=patrol)}
    assert (rows[full].half_hours, rows[full].points, rows[full].award is not None) == (4, 10, True)
    assert (rows[short].counts, rows[short].points, rows[short].award) == (False, 0, None)
    assert "60%" in rows[short].points_note
    assert (rows[late].half_hours, rows[late].points) == (2, 10)
    for u, pts in ((full, 10), (short, 0), (late, 10)):
        assert resident_balance(Resident.objects.get(user=u)) == pts
    award = rows[full].award
    assert award.source_type == "activity" and award.source_id == str(patrol.pk)
    assert award.occurred_at == END and award.batch is not None
    # The volunteer record: lines for the counted attendances only.
    lines = ServiceHours.objects.filter(activity=patrol).order_by("half_hours")
    assert [(line.kind, line.half_hours) for line in lines] == [
        (HoursKind.ATTENDANCE, 2),
        (HoursKind.ATTENDANCE, 4),
    ]
    assert Notification.objects.filter(user=full, kind="activity.points").exists()
    assert not Notification.objects.filter(user=short, kind="activity.points").exists()
    # Closing twice changes nothing.
    before = (Award.objects.count(), AwardBatch.objects.count(), ServiceHours.objects.count())
    again = activity_close(actor=team_leader, activity=patrol, now=mins(200))
    assert not again.closed_now and again.awarded == 0
    assert (
        Award.objects.count(),
        AwardBatch.objects.count(),
        ServiceHours.objects.count(),
    ) == before
    assert ledger_verify() == []


def test_close_refused_while_people_are_still_signed_in(tree, patrol, team_leader):
    a, b = _crew(tree, patrol, 2)
    scan(a, patrol, "in", mins(0))
    attend(b, patrol)
    with pytest.raises(Conflict, match="没有签退") as exc:
        activity_close(actor=team_leader, activity=patrol, now=mins(130))
    assert "居民1" in str(exc.value)
    patrol.refresh_from_db()
    assert patrol.status == ActivityStatus.OPEN and Award.objects.count() == 0
    # Sign out everyone still in (at the end), then close.
    assert attendance_sign_out_all(actor=team_leader, activity=patrol, now=mins(130)) == 1
    row = Attendance.objects.get(activity=patrol, resident__user=a)
    assert row.signed_out_at == END and row.out_manual
    activity_close(actor=team_leader, activity=patrol, now=mins(131))
    assert Award.objects.count() == 2


def test_close_before_start_and_after_cancel(tree, patrol, team_leader, resident_user):
    with pytest.raises(Conflict, match="还没开始"):
        activity_close(actor=team_leader, activity=patrol, now=mins(-1))
    with pytest.raises(NotFound):
        activity_close(actor=resident_user, activity=patrol, now=mins(130))
    activity_cancel(actor=team_leader, activity=patrol, reason="暴雨")
    with pytest.raises(Conflict):
        activity_close(actor=team_leader, activity=patrol, now=mins(130))


def test_scans_after_closing_are_refused(tree, patrol, team_leader):
    (u,) = _crew(tree, patrol, 1)
    attend(u, patrol)
    activity_close(actor=team_leader, activity=patrol, now=mins(125))
    with pytest.raises(Conflict, match="已结束"):
        scan(u, patrol, "out", mins(126))


def test_per_hour_points(tree, staff, hourly_rule):
    visit = activity_publish(
        actor=staff,
        community=tree.heping,
        title="陪老人看病",
        starts_at=START,
        ends_at=START + dt.timedelta(hours=4),
        capacity=5,
        rule=hourly_rule,
        points_basis=PointsBasis.PER_HOUR,
        points=5,
    )
    users = _crew(tree, visit, 3)
    attend(users[0], visit, 0, 240)  # 4 h → 20
    attend(users[1], visit, 0, 175)  # 2.5 h (floor of 2 h 55) → 12
    attend(users[2], visit, 0, 150)  # 2.5 h → 12
    result = activity_close(actor=staff, activity=visit, now=mins(300))
    pts = sorted(Award.objects.filter(source_id=str(visit.pk)).values_list("points", flat=True))
    assert pts == [12, 12, 20]
    # One batch per points value.
    assert AwardBatch.objects.filter(source_id=str(visit.pk)).count() == 2
    assert result.points == 44


def test_caps_are_applied_not_refused(tree, staff, patrol_rule, resident_user, dzj):
    """The patrol rule allows 10 a day: a second patrol the same day pays nothing more,
    with a note; the close still succeeds."""
    kw = dict(community=tree.heping, capacity=5, rule=patrol_rule)
    first = activity_publish(actor=staff, title="早巡", starts_at=START, ends_at=END, **kw)
    second = activity_publish(
        actor=staff,
        title="晚巡",
        starts_at=START + dt.timedelta(hours=2),
        ends_at=START + dt.timedelta(hours=3),
        **kw,
    )
    for a in (first, second):
        signup_create(actor=resident_user, activity=a, now=BEFORE)
    attend(resident_user, first, 0, 120)
    attend(resident_user, second, 121, 180)
    activity_close(actor=staff, activity=first, now=mins(200))
    result = activity_close(actor=staff, activity=second, now=mins(200))
    assert result.pending == []
    row = Attendance.objects.get(activity=second)
    assert row.points == 0 and "上限" in row.points_note and row.award is None
    assert resident_balance(dzj) == 10
    assert ServiceHours.objects.filter(resident=dzj).count() == 2  # the hours still count


def test_close_without_a_rule_records_hours_only(tree, staff, resident_user, dzj):
    a = activity_publish(
        actor=staff, community=tree.heping, title="读书会", starts_at=START, ends_at=END, capacity=5
    )
    signup_create(actor=resident_user, activity=a, now=BEFORE)
    attend(resident_user, a)
    activity_close(actor=staff, activity=a, now=mins(130))
    assert Award.objects.count() == 0
    assert ServiceHours.objects.get(resident=dzj).half_hours == 4


def test_history_already_in_the_ledger_is_not_paid_again(
    tree, staff, secretary, patrol_rule, resident_user, dzj
):
    """An activity entered after its points were registered (``ledger_source_id``): closing
    finds the award and links it instead of paying again."""
    points_award(
        actor=secretary,
        resident=dzj,
        rule=patrol_rule,
        points=10,
        idempotency_key="history-1",
        occurred_at=END,
        source_type="activity",
        source_id="patrol-2026-03-03",
    )
    a = activity_publish(
        actor=staff,
        community=tree.heping,
        title="周二夜间巡逻",
        starts_at=START,
        ends_at=END,
        capacity=5,
        rule=patrol_rule,
        ledger_source_id="patrol-2026-03-03",
    )
    signup_create(actor=resident_user, activity=a, now=BEFORE)
    attend(resident_user, a)
    activity_close(actor=staff, activity=a, now=mins(130))
    assert resident_balance(dzj) == 10 and Award.objects.count() == 1
    assert Attendance.objects.get(activity=a).award.idempotency_key == "history-1"


def test_moved_out_attendee_gets_hours_but_no_points(tree, patrol, team_leader, secretary):
    from linli.people.services import resident_move_out

    (u,) = _crew(tree, patrol, 1)
    attend(u, patrol)
    resident = Resident.objects.get(user=u)
    resident_move_out(actor=secretary, resident=resident, on=dt.date(2026, 3, 4))
    activity_close(actor=team_leader, activity=patrol, now=mins(130))
    row = Attendance.objects.get(activity=patrol)
    assert row.points == 0 and row.points_note == "已迁出"
    assert Award.objects.count() == 0


def test_community_share_setting(tree, patrol, team_leader, secretary, staff):
    (u,) = _crew(tree, patrol, 1)
    attend(u, patrol, 0, 90)  # 75 %
    with pytest.raises(NotFound):
        activity_settings_update(
            actor=staff, community=tree.heping, min_share_percent=80, signin_open_minutes=30
        )
    activity_settings_update(
        actor=secretary, community=tree.heping, min_share_percent=80, signin_open_minutes=30
    )
    activity_close(actor=team_leader, activity=patrol, now=mins(130))
    assert Attendance.objects.get(activity=patrol).counts is False


def test_leaving_the_team_ends_leadership(tree, patrol, team_leader, resident_user):
    from linli.activities import policies
    from linli.people.models import User

    TeamMember.objects.filter(resident__user=team_leader).update(left_on=dt.date(2026, 3, 1))
    fresh = User.objects.get(pk=team_leader.pk)  # a new request: grants and teams re-read
    # Still the organiser of the patrol they published; no longer publishes for the team.
    assert policies.can_manage(fresh, patrol)
    assert not policies.can_publish(fresh, tree.heping, patrol.team)
