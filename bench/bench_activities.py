"""Activities: closing a big activity (300 attendees) and scanning in, next to floors.

Runs in the scratch database ``bench.run`` migrated (one community, 300 residents with
sign-ins, written with ``bulk_create``).

- ``activity_close_300``: ``activity_close`` of an activity whose 300 attendees signed in
  and out: settle the hours, write 300 record lines, then the points through the ledger's
  batch award. Floor: ``points_award_batch`` alone for 300 other residents' deed (what the
  close must at least do).
- ``activity_scan_each``: one ``attendance_scan`` (token check, row lock, checks, insert,
  audit), the median of 200. No floor: printed for the record (a phone waits for it).

Goal: the close within 3x of its floor.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Iterator

from bench import figure
from linli.activities.models import Attendance, Signup
from linli.activities.services import activity_close, activity_publish, attendance_scan
from linli.activities.tokens import make_token
from linli.core.actors import SYSTEM
from linli.core.quarters import CHINA
from linli.people.models import Resident, User
from linli.places.choices import PlaceKind
from linli.places.models import Place
from linli.places.services import place_create
from linli.points.choices import RuleCategory
from linli.points.models import Rule
from linli.points.services import catalog_version_create, points_award_batch, rule_create

N = 300
SCANS = 200
GOAL_RATIO = 3.0
FAILED = 0
START = dt.datetime(2025, 6, 3, 19, 30, tzinfo=CHINA)
END = START + dt.timedelta(hours=2)


def _setup() -> tuple[Place, list[Resident], Rule]:
    city = place_create(parent=None, kind=PlaceKind.CITY, name="基准市")
    district = place_create(parent=city, kind=PlaceKind.DISTRICT, name="基准区")
    street = place_create(parent=district, kind=PlaceKind.STREET, name="基准街道")
    community = place_create(parent=street, kind=PlaceKind.COMMUNITY, name="基准社区")
    compound = place_create(parent=community, kind=PlaceKind.COMPOUND, name="基准小区")
    building = place_create(parent=compound, kind=PlaceKind.BUILDING, name="1栋")
    residents = []
    users = User.objects.bulk_create(
        [User(phone=f"1350000{i:04d}", name=f"志愿者{i}", password="!") for i in range(2 * N)]
    )
    for i in range(2 * N):
        home = place_create(parent=building, kind=PlaceKind.HOUSEHOLD, name=f"{i + 1}室")
        residents.append(
            Resident(name=f"志愿者{i}", phone=users[i].phone, household=home, user=users[i])
        )
    residents = Resident.objects.bulk_create(residents)
    version = catalog_version_create(
        actor=SYSTEM, community=community, decision="基准", decided_on=dt.date(2025, 1, 1)
    )
    rule = rule_create(
        actor=SYSTEM,
        version=version,
        key="patrol",
        name="义务巡逻",
        category=RuleCategory.VOLUNTEER,
        points_min=10,
        active_from=dt.date(2025, 1, 1),
    )
    return community, residents, rule


def run() -> Iterator[str]:
    global FAILED
    community, residents, rule = _setup()
    organiser = residents[0].user
    activity = activity_publish(
        actor=SYSTEM,
        community=community,
        title="基准巡逻",
        starts_at=START,
        ends_at=END,
        capacity=N,
        rule=rule,
        organiser=organiser,
    )
    crew = residents[:N]
    signups = Signup.objects.bulk_create(
        [Signup(activity=activity, resident=r, status="confirmed", created_at=START) for r in crew]
    )
    Attendance.objects.bulk_create(
        [
            Attendance(
                activity=activity,
                resident=r,
                signup=s,
                signed_in_at=START,
                signed_out_at=END,
            )
            for r, s in zip(crew, signups, strict=True)
        ]
    )
    started = time.perf_counter()
    result = activity_close(actor=SYSTEM, activity=activity, now=END)
    close = time.perf_counter() - started
    assert result.awarded == N, result

    others = residents[N:]
    started = time.perf_counter()
    points_award_batch(
        actor=SYSTEM,
        rule=rule,
        residents=others,
        points=10,
        idempotency_key="bench:floor",
        occurred_at=END,
        source_type="activity",
        source_id="bench-floor",
    )
    floor = time.perf_counter() - started
    yield figure("activity_close_300", close, floor)
    if close > GOAL_RATIO * floor:
        FAILED = 1

    scan = activity_publish(
        actor=SYSTEM,
        community=community,
        title="基准扫码",
        starts_at=START,
        ends_at=END,
        capacity=SCANS,
        signup_required=False,
        organiser=organiser,
    )
    times = []
    for r in others[:SCANS]:
        assert r.user is not None
        t0 = time.perf_counter()
        attendance_scan(
            actor=r.user,
            activity=scan,
            direction="in",
            token=make_token(scan.pk, "in", START),
            now=START,
        )
        times.append(time.perf_counter() - t0)
    yield figure("activity_scan_each", statistics.median(times))
