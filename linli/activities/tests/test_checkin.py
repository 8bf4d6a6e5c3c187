"""Scanning with a confirmation and, where the organiser asks for it, the phone's position:
the distance arithmetic (pure), the bounds on positions and on the activity's setting, the
service refusing a missing or far position (and changing nothing), the grace from a scan to
its confirmation (never reviving an expired code), the read-only check the scan page uses,
and the organiser changing the setting."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from linli.activities.geo import (
    LocationRejected,
    Position,
    check_position,
    clean_checkin,
    distance_m,
    format_distance,
)
from linli.activities.models import Activity, ActivitySeries, Attendance
from linli.activities.services import (
    activity_checkin_set,
    activity_close,
    attendance_mark,
    attendance_scan,
    attendance_scan_check,
    series_create,
    signup_create,
)
from linli.activities.tokens import SCAN_GRACE, TokenRejected, make_token, scan_moment
from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, NotFound, ValidationFailed

from .conftest import END, START

pytestmark = pytest.mark.django_db

BEFORE = START - dt.timedelta(days=1)
# The patrol meets at 和平新村's east gate (the demo's map centre).
GATE = (Decimal("30.309500"), Decimal("112.257000"))
# 0.001° of latitude is 111.2 m: 100 m north is 0.0009°, 1.1 km north is 0.01°.
NEAR = Position(lat=30.3104, lng=112.2570, accuracy_m=15)
FAR = Position(lat=30.3195, lng=112.2570, accuracy_m=12)


def mins(n: float) -> dt.datetime:
    return START + dt.timedelta(minutes=n)


def scan(user, activity, direction="in", at=None, *, position=None, scanned_at=None):
    at = at or mins(0)
    return attendance_scan(
        actor=user,
        activity=activity,
        direction=direction,
        token=make_token(activity.pk, direction, scanned_at or at),
        position=position,
        scanned_at=scanned_at,
        now=at,
    )


@pytest.fixture
def located(patrol, team_leader, resident_user):
    """The patrol asks for the phone within 200 m of the east gate; 代正菊 signed up."""
    activity_checkin_set(actor=team_leader, activity=patrol, lat=GATE[0], lng=GATE[1], radius_m=200)
    signup_create(actor=resident_user, activity=patrol, now=BEFORE)
    patrol.refresh_from_db()
    return patrol


def rows(activity):
    return sorted(
        Attendance.objects.filter(activity=activity).values_list(
            "resident_id", "signed_in_at", "signed_out_at"
        )
    )


# --- distance and positions (pure) -------------------------------------------------------


def test_haversine_against_known_distances():
    assert distance_m(30.0, 112.0, 30.0, 112.0) == 0
    # One degree of latitude on the mean sphere: 2πR/360 = 111 195 m.
    assert distance_m(0, 0, 1, 0) == pytest.approx(111_195, abs=1)
    # A degree of longitude shrinks with the cosine of the latitude.
    assert distance_m(60, 10, 60, 11) == pytest.approx(
        111_195 * math.cos(math.radians(60)), rel=2e-3
    )
    # Beijing (Tiananmen) – Shanghai (People's Square): about 1 067 km.
    beijing_shanghai = distance_m(39.9087, 116.3975, 31.2304, 121.4737)
    assert beijing_shanghai == pytest.approx(1_067_000, rel=5e-3)
    # Symmetric; antipodes are half the circumference (no domain error from rounding).
    assert distance_m(10, 20, -10, -160) == pytest.approx(math.pi * 6_371_008.8, rel=1e-7)
    assert distance_m(1, 2, 3, 4) == distance_m(3, 4, 1, 2)
    # The fixtures: about 100 m and 1.1 km north of the gate.
    assert distance_m(*map(float, GATE), NEAR.lat, NEAR.lng) == pytest.approx(100, abs=1)
    assert distance_m(*map(float, GATE), FAR.lat, FAR.lng) == pytest.approx(1112, abs=1)


def test_distances_read_for_people():
    assert format_distance(3) == "10 米"
    assert format_distance(354) == "350 米"
    assert format_distance(999) == "1000 米"
    assert format_distance(1000) == "1.0 公里"
    assert format_distance(1234) == "1.2 公里"


@pytest.mark.parametrize(
    "lat, lng, accuracy",
    [
        (math.nan, 112.0, None),
        (30.0, math.inf, None),
        (30.0, 112.0, math.nan),
        (90.0001, 112.0, None),
        (-91, 0, None),
        (30.0, 180.5, None),
        (30.0, -181, None),
        (30.0, 112.0, -1),
        (30.0, 112.0, 1e9),
        (True, 112.0, None),
    ],
)
def test_positions_out_of_range_or_not_numbers_are_refused(lat, lng, accuracy):
    with pytest.raises(ValidationFailed, match="位置数据无效"):
        Position(lat=lat, lng=lng, accuracy_m=accuracy)


@pytest.mark.parametrize(
    "lat, lng, accuracy",
    [
        ("nan", "112.257", ""),
        ("30.3", "inf", ""),
        ("-Infinity", "112.257", ""),
        ("30.3", "", ""),
        ("", "112.257", ""),
        ("30,3", "112.257", ""),
        ("1e400", "112.257", ""),
        ("30.3", "112.257", "NaN"),
        ("30.3" + "0" * 40, "112.257", ""),
        ("0x1e", "112.257", ""),
    ],
)
def test_posted_positions_are_parsed_strictly(lat, lng, accuracy):
    with pytest.raises(ValidationFailed, match="位置数据无效"):
        Position.parse(lat, lng, accuracy)


def test_posted_positions_parse():
    assert Position.parse("", "", "") is None
    assert Position.parse(None, None) is None
    p = Position.parse(" 30.3095 ", "112.257", "18")
    assert p == Position(lat=30.3095, lng=112.257, accuracy_m=18.0)
    assert Position.parse("-33.8688", "151.2093").accuracy_m is None


def test_checkin_setting_is_all_or_none_and_bounded():
    assert clean_checkin(None, None, None) == (None, None, None)
    assert clean_checkin("", "", "") == (None, None, None)
    assert clean_checkin("30.30950049", "112.257", 200) == (
        Decimal("30.309500"),
        Decimal("112.257000"),
        200,
    )
    for lat, lng, radius, message in [
        ("30.3", "", 200, "标出活动地点"),
        ("", "112.2", 200, "标出活动地点"),
        ("30.3", "112.2", None, "签到范围"),
        ("30.3", "112.2", 19, "20 到 5000"),
        ("30.3", "112.2", 5001, "20 到 5000"),
        ("30.3", "112.2", True, "整数"),
        ("30.3", "112.2", "200", "整数"),
        ("91", "112.2", 200, "经纬度无效"),
        ("30.3", "-180.1", 200, "经纬度无效"),
        ("NaN", "112.2", 200, "经纬度无效"),
        ("Infinity", "112.2", 200, "经纬度无效"),
        ("北纬30度", "112.2", 200, "经纬度无效"),
    ]:
        with pytest.raises(ValidationFailed, match=message):
            clean_checkin(lat, lng, radius)


def test_check_position_rules():
    kwargs = {"lat": GATE[0], "lng": GATE[1], "radius_m": 200, "direction": "in"}
    assert check_position(lat=None, lng=None, radius_m=None, position=None, direction="in") is None
    assert check_position(**kwargs, position=NEAR) == pytest.approx(100, abs=1)
    with pytest.raises(LocationRejected, match="请允许定位"):
        check_position(**kwargs, position=None)
    with pytest.raises(LocationRejected) as far:
        check_position(**kwargs, position=FAR)
    assert str(far.value) == "您距离活动地点约 1.1 公里，需在 200 米内签到"
    # The accuracy the phone reports never widens the radius (anyone can report 5 km).
    vague = Position(lat=FAR.lat, lng=FAR.lng, accuracy_m=5000)
    with pytest.raises(LocationRejected, match=r"1\.1 公里.*误差约 5\.0 公里"):
        check_position(**kwargs, position=vague)
    with pytest.raises(LocationRejected, match="需在 200 米内签退"):
        check_position(**{**kwargs, "direction": "out"}, position=FAR)
    # Exactly on the radius counts; a metre beyond does not.
    edge = 200 / 111_195  # degrees of latitude for 200 m
    on = Position(lat=float(GATE[0]) + edge * 0.9999, lng=float(GATE[1]))
    assert check_position(**kwargs, position=on) <= 200
    off = Position(lat=float(GATE[0]) + edge * 1.006, lng=float(GATE[1]))
    with pytest.raises(LocationRejected):
        check_position(**kwargs, position=off)


# --- scanning with a position ------------------------------------------------------------


def test_missing_or_far_position_is_refused_and_changes_nothing(located, resident_user):
    audits = AuditEvent.objects.count()
    with pytest.raises(LocationRejected, match="请允许定位"):
        scan(resident_user, located)
    with pytest.raises(LocationRejected, match=r"约 1\.1 公里，需在 200 米内签到"):
        scan(resident_user, located, position=FAR)
    assert rows(located) == [] and AuditEvent.objects.count() == audits


def test_near_position_signs_in_and_out_and_keeps_only_the_distance(located, resident_user, dzj):
    a = scan(resident_user, located, "in", mins(-2), position=NEAR)
    assert a.signed_in_at == mins(-2) and not a.in_manual
    # Signing out is checked as well: a forwarded sign-out code from home is refused.
    with pytest.raises(LocationRejected, match="需在 200 米内签退"):
        scan(resident_user, located, "out", mins(118), position=FAR)
    assert Attendance.objects.get(pk=a.pk).signed_out_at is None
    a = scan(resident_user, located, "out", mins(119), position=NEAR)
    assert a.signed_out_at == mins(119) and a.counts
    event = AuditEvent.objects.filter(action="activities.sign_in").get()
    assert event.data["distance_m"] == 100 and event.data["accuracy_m"] == 15
    assert "lat" not in event.data and "lng" not in event.data  # not where the phone was


def test_other_refusals_come_before_the_position(located, resident_user):
    """Someone already signed in hears that, not a request for their position."""
    scan(resident_user, located, position=NEAR)
    with pytest.raises(Conflict, match="已经签到过了"):
        scan(resident_user, located, at=mins(1), position=None)


def test_organiser_marks_without_a_position(located, team_leader, dzj):
    """代签 from the list is the organiser vouching on the spot: no position asked."""
    a = attendance_mark(
        actor=team_leader, activity=located, resident=dzj, direction="in", at=mins(0), now=mins(1)
    )
    assert a.in_manual


def test_no_setting_no_position_needed(patrol, resident_user):
    signup_create(actor=resident_user, activity=patrol, now=BEFORE)
    assert scan(resident_user, patrol, position=None).signed_in_at == mins(0)


# --- from the scan to its confirmation ---------------------------------------------------


def test_scan_moment_bounds():
    now = mins(30)
    assert scan_moment(None, now) == now
    assert scan_moment(now - SCAN_GRACE, now) == now - SCAN_GRACE
    assert scan_moment(now - SCAN_GRACE - dt.timedelta(seconds=1), now) == now
    assert scan_moment(now + dt.timedelta(seconds=1), now) == now  # never from the future


def test_confirmation_within_the_grace_counts_at_the_scan(patrol, resident_user):
    signup_create(actor=resident_user, activity=patrol, now=BEFORE)
    # Scanned at 19:31 (the code valid then), confirmed at 19:40 after signing in.
    a = scan(resident_user, patrol, at=mins(10), scanned_at=mins(1))
    assert a.signed_in_at == mins(1)


def test_grace_never_revives_an_expired_code(patrol, resident_user):
    signup_create(actor=resident_user, activity=patrol, now=BEFORE)
    token = make_token(patrol.pk, "in", mins(0))
    # A screenshot of the 19:30 code: "scanned" at 19:33 (expired then) cannot be helped
    # by any scanned_at the web layer could have recorded, since it records only valid ones
    # — and a recorded moment older than the grace is ignored.
    for scanned_at, now in [
        (mins(3), mins(4)),  # expired at the scan
        (mins(0), mins(10) + dt.timedelta(seconds=1)),  # past the grace: checked at now
        (mins(-1), mins(5)),  # before the code existed: forged
    ]:
        with pytest.raises(TokenRejected):
            attendance_scan(
                actor=resident_user,
                activity=patrol,
                direction="in",
                token=token,
                scanned_at=scanned_at,
                now=now,
            )
    assert rows(patrol) == []


def test_scan_check_reads_only(located, resident_user, outsider, staff):
    token = make_token(located.pk, "in", mins(0))
    resident = attendance_scan_check(
        actor=resident_user, activity=located, direction="in", token=token, now=mins(0)
    )
    assert resident.user_id == resident_user.pk
    assert rows(located) == []
    with pytest.raises(TokenRejected, match="过期"):
        attendance_scan_check(
            actor=resident_user, activity=located, direction="in", token=token, now=mins(3)
        )
    with pytest.raises(NotFound):
        attendance_scan_check(
            actor=outsider, activity=located, direction="in", token=token, now=mins(0)
        )
    with pytest.raises(Forbidden, match="不是本社区登记的居民"):
        attendance_scan_check(
            actor=staff, activity=located, direction="in", token=token, now=mins(0)
        )
    out = make_token(located.pk, "out", mins(0))
    with pytest.raises(Conflict, match="还没有签到"):
        attendance_scan_check(
            actor=resident_user, activity=located, direction="out", token=out, now=mins(0)
        )
    scan(resident_user, located, position=NEAR)
    with pytest.raises(Conflict, match="已经签到过了"):
        attendance_scan_check(
            actor=resident_user, activity=located, direction="in", token=token, now=mins(1)
        )
    # The position is not asked here: the confirmation carries it.
    assert attendance_scan_check(
        actor=resident_user, activity=located, direction="out", token=out, now=mins(1)
    )


# --- the organiser's setting --------------------------------------------------------------


def test_organiser_sets_changes_and_clears_the_place(patrol, team_leader):
    activity_checkin_set(
        actor=team_leader, activity=patrol, lat="30.3095", lng="112.257", radius_m=300
    )
    patrol.refresh_from_db()
    assert (patrol.checkin_lat, patrol.checkin_lng, patrol.checkin_radius_m) == (
        Decimal("30.309500"),
        Decimal("112.257000"),
        300,
    )
    assert patrol.requires_location
    activity_checkin_set(actor=team_leader, activity=patrol, lat=None, lng=None, radius_m=None)
    patrol.refresh_from_db()
    assert not patrol.requires_location and patrol.checkin_lat is None
    events = AuditEvent.objects.filter(action="activities.checkin_place").order_by("pk")
    assert [e.data["after"] for e in events] == [
        {"lat": "30.309500", "lng": "112.257000", "radius_m": 300},
        None,
    ]


def test_setting_refusals_change_nothing(patrol, team_leader, resident_user, outsider, staff):
    def state():
        return Activity.objects.values_list("checkin_lat", "checkin_lng", "checkin_radius_m").get(
            pk=patrol.pk
        )

    before = state()
    for actor in (resident_user, outsider):
        with pytest.raises(NotFound):
            activity_checkin_set(
                actor=actor, activity=patrol, lat="30.3", lng="112.2", radius_m=200
            )
    with pytest.raises(ValidationFailed):
        activity_checkin_set(actor=team_leader, activity=patrol, lat="30.3", lng=None, radius_m=200)
    with pytest.raises(ValidationFailed):
        activity_checkin_set(
            actor=team_leader, activity=patrol, lat="30.3", lng="112.2", radius_m=10
        )
    activity_close(actor=staff, activity=patrol, now=END + dt.timedelta(hours=1))
    with pytest.raises(Conflict, match="不能再修改签到地点"):
        activity_checkin_set(
            actor=team_leader, activity=patrol, lat="30.3", lng="112.2", radius_m=200
        )
    assert state() == before


def test_database_refuses_a_half_set_place(patrol):
    for values in (
        {"checkin_radius_m": 200},
        {"checkin_lat": Decimal("30.3"), "checkin_lng": Decimal("112.2")},
        {"checkin_lat": Decimal("30.3"), "checkin_lng": Decimal("112.2"), "checkin_radius_m": 5},
        {"checkin_lat": Decimal("95"), "checkin_lng": Decimal("112.2"), "checkin_radius_m": 50},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Activity.objects.filter(pk=patrol.pk).update(**values)


def test_weekly_series_carries_the_place_to_every_occurrence(tree, team, team_leader):
    series, created = series_create(
        actor=team_leader,
        community=tree.heping,
        team=team,
        title="周二夜间巡逻",
        first_date=dt.date(2026, 3, 3),
        last_date=dt.date(2026, 3, 24),
        start_time=dt.time(19, 30),
        end_time=dt.time(21, 30),
        capacity=12,
        checkin_lat=GATE[0],
        checkin_lng=GATE[1],
        checkin_radius_m=150,
    )
    assert len(created) == 4
    assert ActivitySeries.objects.get(pk=series.pk).checkin_radius_m == 150
    assert {(a.checkin_lat, a.checkin_lng, a.checkin_radius_m) for a in created} == {
        (GATE[0], GATE[1], 150)
    }
