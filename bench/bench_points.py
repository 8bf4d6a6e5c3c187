"""The points ledger (issue 3): single awards, a batch award, and ``linli points verify``.

Runs in its own database (``<bench db>_points``, e.g. ``linli_bench_points``), created,
migrated and dropped here, with 100,000 residents in one community (5 compounds × 40
buildings, 40,000 households) loaded with COPY into the same tables the import uses, a
resident account each, a catalogue version and two rules made through the services, and a
year of past awards (postings, entries and award rows generated in the server) so that the
ledger holds exactly 1,000,000 entries once the timed awards are in.

Figures, each next to a floor measured in the same run:

- ``award_service_{1,8}w``: single awards through ``points_award`` (a community staff user
  awards 10 points under a rule with day/month/quarter caps, a fresh idempotency key each,
  every award to a different resident), from 1 and 8 worker processes. Floor: the same
  transaction in raw SQL through psycopg — lock the account, sum the resident's points under
  the rule for the cap windows, insert the posting, its two entries, move the balance,
  insert the award row and its audit row (every award must check its caps and be audited).
  Goal: ≥ 0.5x the floor's rate. The bare floor (no cap sums, no audit row) is printed too,
  and ``award_service_orm_{1,8}w``: the same service on the ledger writer's ORM path (its
  PostgreSQL statements switched off, as on SQLite), which decides whether the statement
  path is worth keeping (docs/points.md).
- ``award_batch_1000``: ``points_award_batch`` of one rule to 1,000 residents (2,000
  entries), median of 5. Floor: the same rows in raw SQL in one transaction. Goal:
  ≥ 20,000 entries/s. ``award_batch_orm_1000``: the same on the ORM path, interleaved.
- ``points_verify_1m``: ``ledger_verify()`` and ``manage.py points verify`` (a subprocess,
  Django start-up included) over 1,000,000 entries; they must report no drift. Floor: the
  bare ``SELECT account_id, SUM(amount) FROM points_entry GROUP BY account_id``. Goal: < 10 s.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

from django.db import connection, transaction
from django.utils import timezone

from bench import figure, points_workers
from bench.scratch import scratch_database, sibling_name
from linli.core.actors import SYSTEM
from linli.core.pinyin import pinyin_keys
from linli.people.choices import Role
from linli.people.models import Resident, RoleGrant, User
from linli.places.choices import ANCESTOR_KINDS, PlaceKind
from linli.places.models import Place
from linli.places.services import place_create
from linli.places.services.places import household_name
from linli.points.choices import AccountKind, AwardStatus, Evidence, RuleCategory
from linli.points.locks import system_account
from linli.points.models import Account, Award, Entry
from linli.points.services import (
    catalog_version_create,
    ledger_verify,
    points_award_batch,
    rule_create,
)

RESIDENTS = 100_000
COMPOUNDS = 5
BUILDINGS = 40  # per compound: 200 buildings × 200 households × 2.5 people
SINGLE_1W = 1_500  # timed awards with one worker
SINGLE_8W = 500  # timed awards per worker with eight workers
WORKERS = 8
BATCH = 1_000
BATCH_RUNS = 5
ENTRIES = 1_000_000
# Awards the run makes (warm-ups included), each a posting of two entries.
PLANNED_AWARDS = (
    4 * (points_workers.WARMUP + SINGLE_1W)
    + 4 * WORKERS * (points_workers.WARMUP + SINGLE_8W)
    + 3 * (BATCH_RUNS + 1) * BATCH
)
GOAL_RATIO = 0.5
GOAL_BATCH = 20_000.0
GOAL_VERIFY = 10.0
ROOT = Path(__file__).resolve().parent.parent
FAILED = 0

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡代"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红娥玲芬燕彩春菊凤洁梅琳素云莲"


def run() -> Iterator[str]:
    """On a private database for the duration (``bench.scratch``; the worker processes
    inherit its ``DATABASE_URL``), dropped afterwards."""
    started = time.monotonic()
    with scratch_database(sibling_name("points")) as name:
        ctx = _populate()
        loaded = time.monotonic()
        history = _history(ctx)
        yield (
            f"# database {name}: {RESIDENTS} residents in {loaded - started:.1f} s, "
            f"{history} past awards in {time.monotonic() - loaded:.1f} s"
        )
        yield from _singles(ctx)
        yield from _batches(ctx)
        yield from _verify(ctx)


# --- data ----------------------------------------------------------------------------------


def _populate() -> SimpleNamespace:
    city = place_create(parent=None, kind=PlaceKind.CITY, name="荆州市")
    district = place_create(parent=city, kind=PlaceKind.DISTRICT, name="沙市区")
    street = place_create(parent=district, kind=PlaceKind.STREET, name="积分街道")
    community = place_create(parent=street, kind=PlaceKind.COMMUNITY, name="积分基准社区")
    buildings = []
    for c in range(COMPOUNDS):
        compound = place_create(parent=community, kind=PlaceKind.COMPOUND, name=f"第{c + 1}小区")
        buildings += [
            place_create(parent=compound, kind=PlaceKind.BUILDING, name=f"{b + 1}栋")
            for b in range(BUILDINGS)
        ]
    households = RESIDENTS * 2 // 5
    per_building = households // len(buildings)
    rng = random.Random(20241118)
    names = [
        rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice([1, 2])))
        for _ in range(RESIDENTS)
    ]
    keys = {n: pinyin_keys(n) for n in set(names)}
    ancestor_columns = [f"{k}_id" for k in ANCESTOR_KINDS]
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        pg = cursor.cursor  # the psycopg cursor
        columns = ["kind", "name", "parent_id", "code", "unit", "room", *ancestor_columns]
        with pg.copy(
            f"COPY {Place._meta.db_table} ({', '.join(columns)}, created_at) FROM STDIN"
        ) as copy:
            for h in range(households):
                building = buildings[h // per_building]
                within = h % per_building
                unit, room = str(within // 50 + 1), str((within % 50 // 5 + 1) * 100 + h % 5 + 1)
                ancestors = [getattr(building, c) for c in ancestor_columns]
                copy.write_row(
                    [
                        *("household", household_name(unit, room), building.pk, "", unit, room),
                        *ancestors,
                        now,
                    ]
                )
        pg.execute(
            f"SELECT id FROM {Place._meta.db_table} WHERE community_id = %s "
            "AND kind = 'household' ORDER BY id",
            [community.pk],
        )
        household_ids = [row[0] for row in pg.fetchall()]
        columns = [
            "name",
            "phone",
            "gender",
            "birth_year",
            "household_id",
            "moved_in",
            "public_consent",
            "pinyin_full",
            "pinyin_initials",
            "note",
            "created_at",
            "updated_at",
        ]
        with pg.copy(f"COPY {Resident._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy:
            for i, n in enumerate(names):
                full, initials = keys[n]
                copy.write_row(
                    [
                        n,
                        f"150{i:08d}",
                        "MF"[i % 2],
                        1940 + i % 70,
                        household_ids[i * 2 // 5],
                        dt.date(2005, 1, 1),
                        True,
                        full,
                        initials,
                        "",
                        now,
                        now,
                    ]
                )
        pg.execute(
            f"INSERT INTO {Account._meta.db_table} (community_id, kind, resident_id, balance,"
            f" created_at) SELECT %s, 'resident', r.id, 0, %s FROM {Resident._meta.db_table} r"
            f" JOIN {Place._meta.db_table} h ON h.id = r.household_id"
            " WHERE h.community_id = %s ORDER BY r.id",
            [community.pk, now, community.pk],
        )
    staff = User.objects.create_user("13000000002", "bench-pass-2", name="积分基准工作人员")
    RoleGrant.objects.create(user=staff, role=Role.COMMUNITY_STAFF, place=community)
    version = catalog_version_create(
        actor=SYSTEM,
        community=community,
        decision="基准测试：居民代表会议表决通过",
        decided_on=dt.date(2024, 1, 10),
    )
    common = {"active_from": dt.date(2024, 1, 1), "cap_day": 20, "cap_month": 60}
    rule = rule_create(
        actor=SYSTEM,
        version=version,
        key="volunteer",
        name="志愿服务",
        category=RuleCategory.VOLUNTEER,
        points_min=5,
        points_max=20,
        cap_quarter=150,
        **common,
    )
    batch_rule = rule_create(
        actor=SYSTEM,
        version=version,
        key="activity",
        name="参加公益活动",
        category=RuleCategory.PUBLIC_WELFARE,
        points_min=5,
        evidence=Evidence.ACTIVITY,
        **common,
    )
    issuance = system_account(community.pk, AccountKind.ISSUANCE)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    residents = list(
        Resident.objects.filter(household__community=community)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if len(residents) != RESIDENTS:
        raise SystemExit(f"bench: expected {RESIDENTS} residents, got {len(residents)}")
    return SimpleNamespace(
        community=community,
        staff=staff,
        rule=rule,
        batch_rule=batch_rule,
        issuance=issuance,
        free=iter(residents),  # residents not yet awarded anything
    )


def _take(ctx: SimpleNamespace, n: int) -> list[int]:
    return [next(ctx.free) for _ in range(n)]


# --- single awards -------------------------------------------------------------------------


def _race(ctx: SimpleNamespace, kind: str, workers: int, per_worker: int) -> tuple[float, float]:
    """Awards per second and p99 latency (s) with ``workers`` processes."""
    spawn = mp.get_context("spawn")
    barrier = spawn.Barrier(workers)
    queue = spawn.Queue()
    processes = []
    for _ in range(workers):
        residents = _take(ctx, points_workers.WARMUP + per_worker)
        if kind in ("service", "service_orm"):
            target = points_workers.service_worker
            args: tuple[object, ...] = (ctx.staff.pk, ctx.rule.pk, residents, kind == "service")
        else:
            target = points_workers.floor_worker
            ids = (ctx.community.pk, ctx.rule.pk, ctx.issuance.pk, ctx.staff.pk, ctx.rule.key)
            args = (os.environ["DATABASE_URL"], ids, residents, kind == "floor_same_work")
        processes.append(spawn.Process(target=target, args=(barrier, queue, *args)))
    for p in processes:
        p.start()
    results = [queue.get(timeout=300) for _ in processes]
    for p in processes:
        p.join(timeout=60)
    errors = [r[1] for r in results if r[0] == "error"]
    if errors:
        raise SystemExit(f"bench: a {kind} worker failed:\n{errors[0]}")
    started = min(r[0] for r in results)
    finished = max(r[1] for r in results)
    latencies = sorted(x for r in results for x in r[2])
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return len(latencies) / (finished - started), p99


def _singles(ctx: SimpleNamespace) -> Iterator[str]:
    global FAILED
    before = Award.objects.count()
    for workers, per_worker in ((1, SINGLE_1W), (WORKERS, SINGLE_8W)):
        bare_rate, bare_p99 = _race(ctx, "floor", workers, per_worker)
        floor_rate, floor_p99 = _race(ctx, "floor_same_work", workers, per_worker)
        rate, p99 = _race(ctx, "service", workers, per_worker)
        orm_rate, orm_p99 = _race(ctx, "service_orm", workers, per_worker)
        yield (
            f"award_floor_bare_{workers}w: {bare_rate:.0f} awards/s p99 {bare_p99 * 1000:.1f} ms"
            " (lock, posting, entries, balance, award row)"
        )
        yield (
            f"award_floor_{workers}w: {floor_rate:.0f} awards/s p99 {floor_p99 * 1000:.1f} ms"
            " (the same, plus the cap sums and the audit row the service must write)"
        )
        yield (
            f"award_service_{workers}w: {rate:.0f} awards/s p99 {p99 * 1000:.1f} ms "
            f"({rate / floor_rate:.2f}x floor {floor_rate:.0f}/s; "
            f"{rate / bare_rate:.2f}x bare floor {bare_rate:.0f}/s)"
        )
        yield (
            f"award_service_orm_{workers}w: {orm_rate:.0f} awards/s p99 {orm_p99 * 1000:.1f} ms "
            f"({orm_rate / floor_rate:.2f}x floor {floor_rate:.0f}/s; "
            f"{orm_rate / rate:.2f}x the statement path) — the ORM path, as on SQLite"
        )
        if rate < GOAL_RATIO * floor_rate:
            FAILED = 1
            yield f"# award_service_{workers}w below the {GOAL_RATIO}x floor goal"
    made = Award.objects.count() - before
    expected = PLANNED_AWARDS - 3 * (BATCH_RUNS + 1) * BATCH
    if made != expected:
        raise SystemExit(f"bench: expected {expected} awards, found {made}")


# --- batch award ---------------------------------------------------------------------------


def _batch_floor(ctx: SimpleNamespace, resident_ids: list[int]) -> float:
    """The batch's rows in raw SQL, one transaction: lock the accounts, the batch row, the
    postings, their entries, the awards, the balances."""
    pts = 5
    now = timezone.now()
    key = f"floor-batch:{uuid.uuid4().hex}"
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        pg = cursor.cursor
        pg.execute(
            "SELECT id, resident_id FROM points_account WHERE resident_id = ANY(%s) "
            "ORDER BY id FOR UPDATE",
            [resident_ids],
        )
        account_of = {resident: account for account, resident in pg.fetchall()}
        pg.execute(
            "INSERT INTO points_awardbatch (community_id, rule_id, idempotency_key,"
            " request_hash, source_type, source_id, created_by_id, created_at, size)"
            " VALUES (%s, %s, %s, '', 'activity', %s, %s, %s, %s) RETURNING id",
            [ctx.community.pk, ctx.batch_rule.pk, key, key, ctx.staff.pk, now, len(resident_ids)],
        )
        (batch_id,) = pg.fetchone()
        posting_keys = [f"{key}:{r}" for r in resident_ids]
        pg.execute(
            "INSERT INTO points_posting (community_id, kind, memo, occurred_at, created_at,"
            " created_by_id, idempotency_key)"
            " SELECT %s, 'award', '参加公益活动', %s, %s, %s, k FROM unnest(%s::text[]) k"
            " RETURNING id, idempotency_key",
            [ctx.community.pk, now, now, ctx.staff.pk, posting_keys],
        )
        posting_of = {k: p for p, k in pg.fetchall()}
        postings = [posting_of[k] for k in posting_keys]
        accounts = [account_of[r] for r in resident_ids]
        pg.execute(
            "INSERT INTO points_entry (posting_id, account_id, amount)"
            " SELECT p, %s, %s FROM unnest(%s::bigint[]) p"
            " UNION ALL SELECT p, a, %s FROM unnest(%s::bigint[], %s::bigint[]) AS t(p, a)",
            [ctx.issuance.pk, -pts, postings, pts, postings, accounts],
        )
        pg.execute(
            "INSERT INTO points_award (community_id, rule_id, resident_id, points, status,"
            " occurred_at, evidence_note, evidence_file, source_type, source_id, source_key,"
            " reject_reason, awarded_by_id, decided_at, posting_id, batch_id,"
            " idempotency_key, request_hash, created_at)"
            " SELECT %s, %s, r, %s, 'posted', %s, '', '', 'activity', %s, %s || r, '', %s, %s,"
            " p, %s, %s || r, '', %s FROM unnest(%s::bigint[], %s::bigint[]) AS t(r, p)",
            [
                ctx.community.pk,
                ctx.batch_rule.pk,
                pts,
                now,
                key,
                f"{key}:",
                ctx.staff.pk,
                now,
                batch_id,
                f"{key}#",
                now,
                resident_ids,
                postings,
            ],
        )
        pg.execute(
            "UPDATE points_account SET balance = balance + %s WHERE id = ANY(%s)",
            [pts, accounts],
        )
    return time.perf_counter() - started


def _batch(ctx: SimpleNamespace, i: int, statements: bool) -> float:
    from linli.points.ledger import statements as ledger_statements

    ids = _take(ctx, BATCH)
    residents = list(Resident.objects.filter(pk__in=ids).select_related("household"))
    ledger_statements.ENABLED = statements
    try:
        started = time.perf_counter()
        batch = points_award_batch(
            actor=ctx.staff,
            rule=ctx.batch_rule,
            residents=residents,
            points=5,
            idempotency_key=f"bench-batch:{uuid.uuid4().hex}",
            source_type="activity",
            source_id=f"bench-{i}-{statements}",
        )
        seconds = time.perf_counter() - started
    finally:
        ledger_statements.ENABLED = True
    if batch.awards.filter(status=AwardStatus.POSTED).count() != BATCH:
        raise SystemExit("bench: the batch did not post every award")
    return seconds


def _batches(ctx: SimpleNamespace) -> Iterator[str]:
    global FAILED
    times, orm_times, floors = [], [], []
    for i in range(BATCH_RUNS + 1):  # the first of each is a warm-up; the three interleaved
        floors.append(_batch_floor(ctx, _take(ctx, BATCH)))
        times.append(_batch(ctx, i, statements=True))
        orm_times.append(_batch(ctx, i, statements=False))
    seconds, floor = statistics.median(times[1:]), statistics.median(floors[1:])
    orm_seconds = statistics.median(orm_times[1:])
    rate, floor_rate = 2 * BATCH / seconds, 2 * BATCH / floor
    orm_rate = 2 * BATCH / orm_seconds
    yield (
        f"award_batch_{BATCH}: {rate:.0f} entries/s {seconds * 1000:.0f} ms per batch "
        f"({rate / floor_rate:.2f}x floor {floor_rate:.0f}/s)"
    )
    yield (
        f"award_batch_orm_{BATCH}: {orm_rate:.0f} entries/s {orm_seconds * 1000:.0f} ms per "
        f"batch ({orm_rate / floor_rate:.2f}x floor {floor_rate:.0f}/s) — the ORM path"
    )
    if rate < GOAL_BATCH:
        FAILED = 1
        yield f"# award_batch_{BATCH} below the {GOAL_BATCH:.0f} entries/s goal"


# --- verify --------------------------------------------------------------------------------


def _history(ctx: SimpleNamespace) -> int:
    """A year of history, so the ledger holds ENTRIES entries once the timed awards are in:
    balanced award postings (issuance → a resident, 1–10 points, each resident's total
    within the rule's caps) with their award rows, generated in the server, ending a day
    ago. Then every cached balance is set to the sum of its entries, and the tables are
    vacuumed and analysed as autovacuum would have. Every posting and account id comes
    from rows made here, so the deferred foreign-key checks (3M trigger calls at COMMIT)
    are skipped via session_replication_role (the bench connects as a superuser)."""
    postings = (ENTRIES - 2 * PLANNED_AWARDS) // 2
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "CREATE TEMP TABLE bench_ra ON COMMIT DROP AS SELECT (row_number() OVER"
            " (ORDER BY id)) - 1 AS n, id AS account_id, resident_id FROM points_account"
            " WHERE community_id = %s AND kind = 'resident'",
            [ctx.community.pk],
        )
        cursor.execute("SELECT pg_get_serial_sequence('points_posting', 'id')")
        (sequence,) = cursor.fetchone()
        cursor.execute("SELECT nextval(%s)", [sequence])
        (start,) = cursor.fetchone()
        cursor.execute("SELECT setval(%s, %s)", [sequence, start + postings])
        cursor.execute(
            "CREATE TEMP TABLE bench_h ON COMMIT DROP AS SELECT %s + g AS posting_id,"
            " ra.account_id, ra.resident_id, 1 + g %% 10 AS points,"
            " now() - interval '1 day' - g * interval '1 minute' AS occurred_at, g"
            " FROM generate_series(0, %s - 1) g JOIN bench_ra ra ON ra.n = g %% %s",
            [start, postings, RESIDENTS],
        )
        cursor.execute(
            "INSERT INTO points_posting (id, community_id, kind, memo, occurred_at,"
            " created_at, created_by_id, idempotency_key) SELECT posting_id, %s, 'award',"
            " '志愿服务', occurred_at, occurred_at, %s, 'history:' || g FROM bench_h",
            [ctx.community.pk, ctx.staff.pk],
        )
        cursor.execute(
            "INSERT INTO points_entry (posting_id, account_id, amount)"
            " SELECT posting_id, %s, -points FROM bench_h"
            " UNION ALL SELECT posting_id, account_id, points FROM bench_h",
            [ctx.issuance.pk],
        )
        cursor.execute(
            "INSERT INTO points_award (community_id, rule_id, resident_id, points, status,"
            " occurred_at, evidence_note, evidence_file, source_type, source_id,"
            " reject_reason, awarded_by_id, decided_at, posting_id, idempotency_key,"
            " request_hash, created_at) SELECT %s, %s, resident_id, points, 'posted',"
            " occurred_at, '', '', '', '', '', %s, occurred_at, posting_id, 'history:' || g,"
            " '', occurred_at FROM bench_h",
            [ctx.community.pk, ctx.rule.pk, ctx.staff.pk],
        )
        cursor.execute(
            "UPDATE points_account a SET balance = s.total FROM (SELECT account_id,"
            " SUM(amount) AS total FROM points_entry GROUP BY account_id) s"
            " WHERE a.id = s.account_id AND a.kind = 'resident'"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM (ANALYZE) points_entry, points_posting, points_account, points_award"
        )
    return postings


def _verify(ctx: SimpleNamespace) -> Iterator[str]:
    global FAILED
    count = Entry.objects.count()
    if count != ENTRIES:
        raise SystemExit(f"bench: expected {ENTRIES} entries, have {count}")

    def floor_query() -> float:
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT account_id, SUM(amount) FROM points_entry GROUP BY account_id")
            rows = cursor.fetchall()
        if len(rows) != RESIDENTS + 1:
            raise SystemExit(f"bench: {len(rows)} accounts have entries")
        return time.perf_counter() - t0

    floor_query()  # warm the cache, as for everything after it
    floor = floor_query()
    t0 = time.perf_counter()
    drifts = ledger_verify()
    seconds = time.perf_counter() - t0
    if drifts:
        raise SystemExit(f"bench: verify found drift: {[str(d) for d in drifts[:5]]}")
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", "points", "verify"],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        check=False,
    )
    command = time.perf_counter() - t0
    if done.returncode != 0 or not done.stdout.startswith("OK:"):
        raise SystemExit(f"bench: points verify exited {done.returncode}: {done.stderr[-2000:]}")
    yield figure("points_verify_1m", seconds, floor)
    yield figure("points_verify_1m_command", command, floor)
    yield figure("points_verify_1m_floor_group_by", floor)
    if max(seconds, command) > GOAL_VERIFY:
        FAILED = 1
        yield f"# points_verify_1m over the {GOAL_VERIFY:.0f} s goal"
