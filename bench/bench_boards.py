"""The boards (issue 5 item 9) on 50,000 matters, next to a hand-written SQL floor.

Runs in its own database (``<bench db>_boards``, e.g. ``linli_bench_boards``), created,
migrated and dropped here: one street of 10 communities × 5 compounds × 10 buildings, 50,000
matters over three years (2023–2025) at every level and state, about 12,000 referrals to four
departments (a lead each, some with a co-department; open ones sent, answered or extended,
done ones with the ``complete`` / ``answer`` events their completion is read from), a
rating for most finished matters and a rectification for the bad ones — all written with
``bulk_create``.

Figures, each next to a floor measured in the same run (median of ``RUNS`` after a warm-up):

- ``board_street_50k``: ``board_figures_for`` for the street's supervisor (every figure, the
  per-community table) for 2025 Q2. Floor: the same figures as six hand-written SQL queries
  with ``FILTER`` aggregates (matters by level; referrals by department and community with a
  LATERAL read of the completion event; ratings; rectifications; months) — what a careful
  hand would send, with nothing to map into objects. Both run with PostgreSQL's JIT off, as
  the board does (``selectors_boards.without_jit``: the planner over-prices the correlated
  reads of the timeline, and JIT compiling then cost seconds).
- ``board_community_5k``: ``board_figures_for`` for one community's staff (5,000 matters).

Goal: the street board within 3x of the floor (it also reads the overdue rows and their
calendars, the places of the per-community table, and maps rows into figures).
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.db import connection

from bench.scratch import scratch_database, sibling_name
from linli.core.quarters import CHINA, start_of_day
from linli.matters.choices import MatterKind, MatterLevel, MatterSource, MatterState
from linli.matters.models import Matter, MatterEvent, Rating, Rectification, Referral
from linli.matters.selectors_boards import AREA, BoardScope, board_figures_for, without_jit
from linli.people.models import Department
from linli.places.choices import PlaceKind
from linli.places.models import Place
from linli.places.services import place_create

MATTERS = 50_000
COMMUNITIES = 10
COMPOUNDS = 5
BUILDINGS = 10  # per compound
START, END = dt.date(2025, 4, 1), dt.date(2025, 6, 30)
TODAY = dt.date(2025, 7, 10)
FIRST = dt.datetime(2023, 1, 1, tzinfo=CHINA)
SPAN_DAYS = (dt.datetime(2025, 7, 10, tzinfo=CHINA) - FIRST).days
RUNS = 5
GOAL_RATIO = 3.0
FAILED = 0

S = MatterState
OPEN = ["raised", "accepted", "in_hand", "deliberating", "decided", "referred", "waiting"]
OPEN += ["rectifying", "reopened"]


def run() -> Iterator[str]:
    """On a private database for the duration (``bench.scratch``), dropped afterwards."""
    global FAILED
    started = time.monotonic()
    with scratch_database(sibling_name("boards")) as name:
        street, communities = _populate()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        yield (
            f"# database {name}: {Matter.objects.count()} matters, "
            f"{Referral.objects.count()} referrals, {MatterEvent.objects.count()} events, "
            f"{Rating.objects.count()} ratings, {Rectification.objects.count()} rectifications "
            f"in {time.monotonic() - started:.1f} s"
        )
        street_scope = BoardScope(AREA, (street,))
        board = _median(lambda: board_figures_for(street_scope, start=START, end=END, today=TODAY))
        floor = _median(lambda: _floor(street.pk))
        ratio = board / floor
        if ratio > GOAL_RATIO:
            FAILED = 1
        f = board_figures_for(street_scope, start=START, end=END, today=TODAY)
        yield (
            f"board_street_50k: {board * 1000:.0f} ms (floor {floor * 1000:.0f} ms, "
            f"{ratio:.1f}x, goal ≤ {GOAL_RATIO:.0f}x) — open {f.open_total}, overdue "
            f"{f.overdue_count}, on time {f.on_time}, problems {f.problems}, "
            f"satisfaction {f.satisfaction}"
        )
        community_scope = BoardScope(AREA, (communities[0],))
        one = _median(lambda: board_figures_for(community_scope, start=START, end=END, today=TODAY))
        yield f"board_community_5k: {one * 1000:.0f} ms"


def _median(fn: Callable[[], Any]) -> float:
    fn()
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


# --- data ------------------------------------------------------------------------------------


def _populate() -> tuple[Place, list[Place]]:
    city = place_create(parent=None, kind=PlaceKind.CITY, name="荆州市")
    district = place_create(parent=city, kind=PlaceKind.DISTRICT, name="沙市区")
    street = place_create(parent=district, kind=PlaceKind.STREET, name="看板街道")
    communities, buildings = [], []
    for c in range(COMMUNITIES):
        community = place_create(parent=street, kind=PlaceKind.COMMUNITY, name=f"第{c + 1}社区")
        communities.append(community)
        for k in range(COMPOUNDS):
            compound = place_create(parent=community, kind=PlaceKind.COMPOUND, name=f"{k + 1}区")
            buildings += [
                place_create(parent=compound, kind=PlaceKind.BUILDING, name=f"{b + 1}栋")
                for b in range(BUILDINGS)
            ]
    departments = [
        Department.objects.create(place=district, name=n, short_name=n)
        for n in ("住建", "城管", "信访", "创文办")
    ]
    from linli.people.models import User

    raters = [User.objects.create(phone=f"1580000{i:04d}", name=f"居民{i}") for i in range(50)]
    rng = random.Random(20250710)
    levels = [MatterLevel.BUILDING] * 5 + [MatterLevel.COMPOUND] * 2 + [MatterLevel.COMMUNITY]
    levels += [MatterLevel.DEPARTMENT] * 2
    matters = []
    for i in range(MATTERS):
        building = buildings[i % len(buildings)]
        raised = FIRST + dt.timedelta(days=rng.randrange(SPAN_DAYS), minutes=rng.randrange(1440))
        level = rng.choice(levels)
        age = (dt.datetime(2025, 7, 10, tzinfo=CHINA) - raised).days
        roll = rng.random()
        if roll < 0.15 or age < 20:
            state = rng.choice(["raised", "accepted", "in_hand"])
            if level == MatterLevel.DEPARTMENT:
                state = rng.choice(["referred", "waiting"])
            finished = None
        elif roll < 0.2:
            state, finished = rng.choice(["merged", "declined"]), raised + dt.timedelta(days=2)
        else:
            state = rng.choice(["done", "rated", "rated", "closed"])
            finished = raised + dt.timedelta(days=rng.randrange(1, min(age, 200) + 1))
        matters.append(
            Matter(
                community_id=int(building.community_id or 0),
                place=building if rng.random() < 0.8 else Place(pk=building.compound_id),
                case_number=f"B-{i:06d}",
                kind=rng.choice([MatterKind.PROBLEM, MatterKind.PROBLEM, MatterKind.REQUEST]),
                title=f"基准事项{i}",
                source=MatterSource.VISIT,
                level=level,
                state=state,
                raised_at=raised,
                finished_at=finished,
            )
        )
    Matter.objects.bulk_create(matters, batch_size=5000)
    referrals, events = [], []
    for m in matters:
        if m.level != MatterLevel.DEPARTMENT or m.state in ("merged", "declined"):
            continue
        referred = m.raised_at + dt.timedelta(days=3)
        due = (referred + dt.timedelta(days=21)).astimezone(CHINA).date()
        depts = rng.sample(departments, 2 if rng.random() < 0.3 else 1)
        for n, dept in enumerate(depts):
            if m.state in OPEN:
                state = rng.choice(["sent", "answered", "extended"])
                extended = due + dt.timedelta(days=14) if state == "extended" else None
            else:
                state, extended = "done", None
            referrals.append(
                Referral(
                    matter=m,
                    department=dept,
                    lead=n == 0,
                    kind="complaint",
                    referred_at=referred,
                    due_on=due,
                    extended_due_on=extended,
                    state=state,
                )
            )
    Referral.objects.bulk_create(referrals, batch_size=5000)
    for r in referrals:
        if r.state == "done":
            m = r.matter
            done = m.finished_at or r.referred_at + dt.timedelta(days=20)
            events.append(
                MatterEvent(
                    matter=m,
                    action="complete" if r.lead else "answer",
                    level=m.level,
                    data={"referral": r.pk},
                    created_at=done if r.lead else done - dt.timedelta(days=1),
                )
            )
    MatterEvent.objects.bulk_create(events, batch_size=5000)
    ratings = []
    for m in matters:
        if m.state in ("rated", "closed") and m.finished_at is not None:
            ratings.append(
                Rating(
                    matter=m,
                    rater=rng.choice(raters),
                    round=0,
                    level=rng.choices([5, 4, 3, 2, 1], weights=[50, 30, 10, 6, 4])[0],
                    handled_level=m.level,
                    excluded=rng.random() < 0.01,
                    created_at=m.finished_at + dt.timedelta(days=1),
                )
            )
    Rating.objects.bulk_create(ratings, batch_size=5000)
    Rectification.objects.bulk_create(
        [
            Rectification(
                matter_id=r.matter_id,
                rating=r,
                round=1,
                due_on=(r.created_at + dt.timedelta(days=7)).astimezone(CHINA).date(),
                state="done" if rng.random() < 0.9 else "open",
                done_at=r.created_at + dt.timedelta(days=rng.randrange(2, 10)),
                created_at=r.created_at,
            )
            for r in ratings
            if r.level <= 2
        ],
        batch_size=5000,
    )
    return street, communities


# --- the floor -------------------------------------------------------------------------------

FLOOR = [
    # Matters: open by level and age, raised and finished, problems found and rectified.
    """
    SELECT m.level, m.community_id,
      count(*) FILTER (WHERE m.state = ANY(%(open)s) AND m.raised_at >= %(t7)s),
      count(*) FILTER (WHERE m.state = ANY(%(open)s) AND m.raised_at < %(t7)s
                       AND m.raised_at >= %(t30)s),
      count(*) FILTER (WHERE m.state = ANY(%(open)s) AND m.raised_at < %(t30)s
                       AND m.raised_at >= %(t90)s),
      count(*) FILTER (WHERE m.state = ANY(%(open)s) AND m.raised_at < %(t90)s),
      count(*) FILTER (WHERE m.raised_at >= %(lo)s AND m.raised_at < %(hi)s),
      count(*) FILTER (WHERE m.finished_at >= %(lo)s AND m.finished_at < %(hi)s
                       AND m.state IN ('done', 'rated', 'closed')),
      count(*) FILTER (WHERE m.kind = 'problem' AND m.state <> 'merged'
                       AND m.raised_at >= %(lo)s AND m.raised_at < %(hi)s),
      count(*) FILTER (WHERE m.kind = 'problem' AND m.state IN ('done', 'rated', 'closed')
                       AND m.raised_at >= %(lo)s AND m.raised_at < %(hi)s)
    FROM matters_matter m JOIN places_place p ON p.id = m.place_id
    WHERE p.street_id = %(street)s
    GROUP BY m.level, m.community_id
    """,
    # Referrals: open, overdue, completed in the period and on time, by department and
    # community.
    """
    SELECT r.department_id, m.community_id,
      count(*) FILTER (WHERE r.state IN ('sent', 'answered', 'extended')),
      count(*) FILTER (WHERE r.state IN ('sent', 'answered', 'extended')
                       AND coalesce(r.extended_due_on, r.due_on) < %(today)s),
      count(*) FILTER (WHERE d.done_on BETWEEN %(start)s AND %(end)s),
      count(*) FILTER (WHERE d.done_on BETWEEN %(start)s AND %(end)s
                       AND d.done_on <= coalesce(r.extended_due_on, r.due_on))
    FROM matters_referral r
    JOIN matters_matter m ON m.id = r.matter_id
    JOIN places_place p ON p.id = m.place_id
    LEFT JOIN LATERAL (
      SELECT (e.created_at AT TIME ZONE 'Asia/Shanghai')::date AS done_on
      FROM matters_matterevent e
      WHERE r.state = 'done' AND e.matter_id = r.matter_id
        AND e.action IN ('complete', 'answer') AND e.data ->> 'referral' = r.id::text
      ORDER BY e.created_at DESC LIMIT 1
    ) d ON true
    WHERE p.street_id = %(street)s
    GROUP BY r.department_id, m.community_id
    """,
    # The overdue rows.
    """
    SELECT r.id, m.case_number, m.title, coalesce(r.extended_due_on, r.due_on)
    FROM matters_referral r
    JOIN matters_matter m ON m.id = r.matter_id
    JOIN places_place p ON p.id = m.place_id
    WHERE p.street_id = %(street)s AND r.state IN ('sent', 'answered', 'extended')
      AND coalesce(r.extended_due_on, r.due_on) < %(today)s
    ORDER BY coalesce(r.extended_due_on, r.due_on), r.referred_at, r.id LIMIT 50
    """,
    # Ratings: satisfaction by handled level and community, the five levels.
    """
    SELECT g.handled_level, m.community_id, g.level, g.round, g.excluded, count(*)
    FROM matters_rating g
    JOIN matters_matter m ON m.id = g.matter_id
    JOIN places_place p ON p.id = m.place_id
    WHERE p.street_id = %(street)s AND g.created_at >= %(lo)s AND g.created_at < %(hi)s
    GROUP BY 1, 2, 3, 4, 5
    """,
    # Rectifications.
    """
    SELECT count(*), count(*) FILTER (WHERE x.state = 'done'),
      count(*) FILTER (WHERE x.state = 'done'
                       AND (x.done_at AT TIME ZONE 'Asia/Shanghai')::date <= x.due_on)
    FROM matters_rectification x
    JOIN matters_matter m ON m.id = x.matter_id
    JOIN places_place p ON p.id = m.place_id
    WHERE p.street_id = %(street)s AND x.created_at >= %(lo)s AND x.created_at < %(hi)s
    """,
    # Months.
    """
    SELECT date_trunc('month', m.raised_at AT TIME ZONE 'Asia/Shanghai'), count(*)
    FROM matters_matter m JOIN places_place p ON p.id = m.place_id
    WHERE p.street_id = %(street)s AND m.raised_at >= %(lo)s AND m.raised_at < %(hi)s
    GROUP BY 1
    UNION ALL
    SELECT date_trunc('month', m.finished_at AT TIME ZONE 'Asia/Shanghai'), -count(*)
    FROM matters_matter m JOIN places_place p ON p.id = m.place_id
    WHERE p.street_id = %(street)s AND m.finished_at >= %(lo)s AND m.finished_at < %(hi)s
      AND m.state IN ('done', 'rated', 'closed')
    GROUP BY 1
    """,
]


def _floor(street_id: int) -> None:
    def since(days: int) -> dt.datetime:
        return start_of_day(TODAY - dt.timedelta(days=days - 1))

    params = {
        "street": street_id,
        "open": OPEN,
        "t7": since(7),
        "t30": since(30),
        "t90": since(90),
        "lo": start_of_day(START),
        "hi": start_of_day(END + dt.timedelta(days=1)),
        "start": START,
        "end": END,
        "today": TODAY,
    }
    with without_jit(), connection.cursor() as cursor:
        for sql in FLOOR:
            cursor.execute(sql, params)  # type: ignore[arg-type]
            cursor.fetchall()
