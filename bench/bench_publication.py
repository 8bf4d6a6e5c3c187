"""The quarterly publication (issue 4, 一季度一公示): a 10,000-resident community's list.

Runs in its own database (``<bench db>_publication``, e.g. ``linli_bench_publication``),
created, migrated and dropped here: one community of 10,000 residents (5 compounds × 20
buildings, 4,000 households, 1% without consent to show their name) loaded with COPY, a
resident account each, a catalogue version with four rules of four categories made through
the services, 100,000 entries of history before the quarter and 1,000,000 entries in it
(2024 Q3): 495,000 awards and 5,000 reversals of some of them, with their award rows,
generated in the server; balances set from the entries and checked with ``ledger_verify()``.

Figures, each next to a floor measured in the same run:

- ``publication_list_10k``: the list computed through the app
  (``selectors_publication.compute_lines``: the ledger aggregate, the residents, masking,
  sorting — everything publishing does except writing the lines), median of 5 after a
  warm-up. Floor: the plain SQL aggregate on the same data — earned by (resident, category)
  in the quarter and the balance at its end, one GROUP BY, rows fetched. Goal: ≤ 2x.
- ``publication_publish_10k``: ``publication_publish`` (compute and write 10,000 lines).
- ``publication_pdf_10k``: the A4 PDF of the published 10,000-line list (read the lines,
  HTML, WeasyPrint). Goal: < 20 s.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import statistics
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from bench.scratch import scratch_database, sibling_name
from linli.core.actors import SYSTEM
from linli.core.pinyin import pinyin_keys
from linli.core.quarters import start_of_day
from linli.people.choices import Role
from linli.people.models import Resident, RoleGrant, User
from linli.places.choices import ANCESTOR_KINDS, PlaceKind
from linli.places.models import Place
from linli.places.services import place_create
from linli.places.services.places import household_name
from linli.points.choices import AccountKind, RuleCategory
from linli.points.locks import system_account
from linli.points.models import Account, Entry
from linli.points.pdf_publication import publication_pdf
from linli.points.selectors_publication import compute_lines, stored_lines
from linli.points.services import catalog_version_create, ledger_verify, rule_create
from linli.points.services.publication import publication_create, publication_publish

RESIDENTS = 10_000
COMPOUNDS = 5
BUILDINGS = 20  # per compound
HOUSEHOLDS = 4_000
QUARTER_ENTRIES = 1_000_000
REVERSALS = 5_000
HISTORY_POSTINGS = 50_000
YEAR, QUARTER = 2024, 3
START, END = dt.date(2024, 7, 1), dt.date(2024, 10, 1)
RUNS = 5
GOAL_RATIO = 2.0
GOAL_PDF = 20.0
FAILED = 0

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡代"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红娥玲芬燕彩春菊凤洁梅琳素云莲"

FLOOR_SQL = """
SELECT a.resident_id, ru.category,
       SUM(e.amount) FILTER (WHERE aw.id IS NOT NULL AND p.occurred_at >= %(start)s),
       SUM(e.amount)
FROM points_entry e
JOIN points_account a ON a.id = e.account_id
JOIN points_posting p ON p.id = e.posting_id
LEFT JOIN points_award aw ON aw.posting_id = COALESCE(p.reverses_id, p.id)
LEFT JOIN points_rule ru ON ru.id = aw.rule_id
WHERE a.community_id = %(community)s AND a.kind = 'resident' AND p.occurred_at < %(end)s
GROUP BY a.resident_id, ru.category
"""


def run() -> Iterator[str]:
    """On a private database for the duration (``bench.scratch``), dropped afterwards."""
    started = time.monotonic()
    with scratch_database(sibling_name("publication")) as name:
        ctx = _populate()
        loaded = time.monotonic()
        _ledger(ctx)
        yield (
            f"# database {name}: {RESIDENTS} residents in {loaded - started:.1f} s, "
            f"{Entry.objects.count()} entries in {time.monotonic() - loaded:.1f} s"
        )
        yield from _list(ctx)
        yield from _publish_and_pdf(ctx)


# --- data ----------------------------------------------------------------------------------


def _populate() -> SimpleNamespace:
    city = place_create(parent=None, kind=PlaceKind.CITY, name="荆州市")
    district = place_create(parent=city, kind=PlaceKind.DISTRICT, name="沙市区")
    street = place_create(parent=district, kind=PlaceKind.STREET, name="公示街道")
    community = place_create(parent=street, kind=PlaceKind.COMMUNITY, name="公示基准社区")
    buildings = []
    for c in range(COMPOUNDS):
        compound = place_create(parent=community, kind=PlaceKind.COMPOUND, name=f"第{c + 1}小区")
        buildings += [
            place_create(parent=compound, kind=PlaceKind.BUILDING, name=f"{b + 1}栋")
            for b in range(BUILDINGS)
        ]
    per_building = HOUSEHOLDS // len(buildings)
    rng = random.Random(20221231)
    names = [
        rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice([1, 2, 2])))
        for _ in range(RESIDENTS)
    ]
    keys = {n: pinyin_keys(n) for n in set(names)}
    ancestor_columns = [f"{k}_id" for k in ANCESTOR_KINDS]
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        pg = cursor.cursor
        columns = ["kind", "name", "parent_id", "code", "unit", "room", *ancestor_columns]
        with pg.copy(
            f"COPY {Place._meta.db_table} ({', '.join(columns)}, created_at) FROM STDIN"
        ) as copy:
            for h in range(HOUSEHOLDS):
                building = buildings[h // per_building]
                within = h % per_building
                unit, room = str(within // 20 + 1), str((within % 20 // 4 + 1) * 100 + h % 4 + 1)
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
                        f"151{i:08d}",
                        "MF"[i % 2],
                        1940 + i % 70,
                        household_ids[i * HOUSEHOLDS // RESIDENTS],
                        dt.date(2010, 1, 1),
                        i % 100 != 7,  # 1% withdrew consent: 居民 N on the list
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
    staff = User.objects.create_user("13000000004", "bench-pass-4", name="公示基准工作人员")
    RoleGrant.objects.create(user=staff, role=Role.COMMUNITY_STAFF, place=community)
    version = catalog_version_create(
        actor=SYSTEM,
        community=community,
        decision="基准测试：居民代表会议表决通过",
        decided_on=dt.date(2024, 1, 10),
    )
    rules = [
        rule_create(
            actor=SYSTEM,
            version=version,
            key=key,
            name=name,
            category=category,
            points_min=1,
            points_max=20,
            active_from=dt.date(2024, 1, 1),
        )
        for key, name, category in [
            ("volunteer", "志愿服务", RuleCategory.VOLUNTEER),
            ("welfare", "公益活动", RuleCategory.PUBLIC_WELFARE),
            ("cleanup", "环境整治", RuleCategory.ENVIRONMENT),
            ("suggestion", "建言献策", RuleCategory.SUGGESTION),
        ]
    ]
    issuance = system_account(community.pk, AccountKind.ISSUANCE)
    return SimpleNamespace(community=community, staff=staff, rules=rules, issuance=issuance)


def _reserve(cursor: Any, table: str, n: int) -> int:
    """Reserve ``n`` ids of ``table``'s sequence; the first one."""
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    (sequence,) = cursor.fetchone()
    cursor.execute("SELECT nextval(%s)", [sequence])
    (first,) = cursor.fetchone()
    cursor.execute("SELECT setval(%s, %s)", [sequence, first + n])
    return int(first)


def _ledger(ctx: SimpleNamespace) -> None:
    """History before the quarter, the quarter's awards and reversals, their award rows;
    balances from the entries. Generated in the server (session_replication_role skips the
    deferred FK checks: every id comes from rows made here)."""
    awards_q = QUARTER_ENTRIES // 2 - REVERSALS
    every = awards_q // REVERSALS  # reverse every ``every``-th award of the quarter
    span = int((start_of_day(END) - start_of_day(START)).total_seconds()) - 2 * 86400
    step = span // awards_q
    rule_ids = [r.pk for r in ctx.rules]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "CREATE TEMP TABLE bench_ra ON COMMIT DROP AS SELECT (row_number() OVER"
            " (ORDER BY id)) - 1 AS n, id AS account_id, resident_id FROM points_account"
            " WHERE community_id = %s AND kind = 'resident'",
            [ctx.community.pk],
        )
        total_awards = HISTORY_POSTINGS + awards_q
        first = _reserve(cursor, "points_posting", total_awards + REVERSALS)
        # awards: g < HISTORY_POSTINGS before the quarter (Q2), the rest in the quarter
        cursor.execute(
            "CREATE TEMP TABLE bench_a ON COMMIT DROP AS SELECT %(first)s + g AS posting_id,"
            " ra.account_id, ra.resident_id, 1 + g %% 10 AS points,"
            " (%(rules)s::bigint[])[1 + g %% 4] AS rule_id,"
            " CASE WHEN g < %(history)s"
            "  THEN %(hstart)s + (g * 100) * interval '1 second'"
            "  ELSE %(qstart)s + ((g - %(history)s) * %(step)s) * interval '1 second' END"
            " AS occurred_at, g"
            " FROM generate_series(0, %(total)s - 1) g JOIN bench_ra ra ON ra.n = g %% %(n)s",
            {
                "first": first,
                "rules": rule_ids,
                "history": HISTORY_POSTINGS,
                "hstart": start_of_day(dt.date(2024, 4, 2)),
                "qstart": start_of_day(START),
                "step": step,
                "total": total_awards,
                "n": RESIDENTS,
            },
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_r ON COMMIT DROP AS SELECT %(first)s + (row_number() OVER"
            " (ORDER BY g)) - 1 AS posting_id, a.posting_id AS reverses_id, a.account_id,"
            " a.points, a.occurred_at + interval '1 day' AS occurred_at, a.g"
            " FROM bench_a a WHERE a.g >= %(history)s AND (a.g - %(history)s) %% %(every)s = 0"
            " ORDER BY a.g LIMIT %(reversals)s",
            {
                "first": first + total_awards,
                "history": HISTORY_POSTINGS,
                "every": every,
                "reversals": REVERSALS,
            },
        )
        cursor.execute(
            "INSERT INTO points_posting (id, community_id, kind, memo, occurred_at,"
            " created_at, created_by_id, idempotency_key) SELECT posting_id, %s, 'award',"
            " '基准', occurred_at, occurred_at, %s, 'bench:' || g FROM bench_a",
            [ctx.community.pk, ctx.staff.pk],
        )
        cursor.execute(
            "INSERT INTO points_posting (id, community_id, kind, memo, occurred_at,"
            " created_at, created_by_id, idempotency_key, reverses_id) SELECT posting_id, %s,"
            " 'reversal', '冲正', occurred_at, occurred_at, %s, 'reversal:' || reverses_id,"
            " reverses_id FROM bench_r",
            [ctx.community.pk, ctx.staff.pk],
        )
        cursor.execute(
            "INSERT INTO points_entry (posting_id, account_id, amount)"
            " SELECT posting_id, %s, -points FROM bench_a"
            " UNION ALL SELECT posting_id, account_id, points FROM bench_a"
            " UNION ALL SELECT posting_id, account_id, -points FROM bench_r"
            " UNION ALL SELECT posting_id, %s, points FROM bench_r",
            [ctx.issuance.pk, ctx.issuance.pk],
        )
        cursor.execute(
            "INSERT INTO points_award (community_id, rule_id, resident_id, points, status,"
            " occurred_at, evidence_note, evidence_file, source_type, source_id,"
            " reject_reason, awarded_by_id, decided_at, posting_id, idempotency_key,"
            " request_hash, created_at) SELECT %s, a.rule_id, a.resident_id, a.points,"
            " CASE WHEN r.posting_id IS NULL THEN 'posted' ELSE 'reversed' END,"
            " a.occurred_at, '', '', '', '', '', %s, a.occurred_at, a.posting_id,"
            " 'bench:' || a.g, '', a.occurred_at"
            " FROM bench_a a LEFT JOIN bench_r r ON r.reverses_id = a.posting_id",
            [ctx.community.pk, ctx.staff.pk],
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
    drifts = ledger_verify()
    if drifts:
        raise SystemExit(f"bench: the generated ledger drifts: {[str(d) for d in drifts[:5]]}")
    in_quarter = Entry.objects.filter(
        posting__occurred_at__gte=start_of_day(START), posting__occurred_at__lt=start_of_day(END)
    ).count()
    if in_quarter != QUARTER_ENTRIES:
        raise SystemExit(f"bench: {in_quarter} entries in the quarter, not {QUARTER_ENTRIES}")


# --- figures -------------------------------------------------------------------------------


def _floor(ctx: SimpleNamespace) -> tuple[float, int]:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            FLOOR_SQL,
            {
                "community": ctx.community.pk,
                "start": start_of_day(START),
                "end": start_of_day(END),
            },
        )
        rows = cursor.fetchall()
    seconds = time.perf_counter() - started
    return seconds, sum(int(r[2] or 0) for r in rows)


def _list(ctx: SimpleNamespace) -> Iterator[str]:
    global FAILED
    _floor(ctx)  # warm the cache, as for everything after it
    compute_lines(ctx.community.pk, START, END)
    floors, apps = [], []
    lines: list = []
    floor_earned = 0
    for _ in range(RUNS):
        seconds, floor_earned = _floor(ctx)
        floors.append(seconds)
        started = time.perf_counter()
        lines = compute_lines(ctx.community.pk, START, END)
        apps.append(time.perf_counter() - started)
    if len(lines) != RESIDENTS:
        raise SystemExit(f"bench: {len(lines)} lines, expected {RESIDENTS}")
    if sum(x.earned for x in lines) != floor_earned:
        raise SystemExit("bench: the app's earned points differ from the SQL aggregate's")
    app, floor = statistics.median(apps), statistics.median(floors)
    yield f"publication_list_10k: {app:.2f} s ({app / floor:.1f}x SQL floor {floor:.2f} s)"
    if app > GOAL_RATIO * floor:
        FAILED = 1
        yield f"# publication_list_10k above the {GOAL_RATIO:.0f}x SQL floor goal"


def _publish_and_pdf(ctx: SimpleNamespace) -> Iterator[str]:
    global FAILED
    publication = publication_create(
        actor=SYSTEM, community=ctx.community, year=YEAR, quarter=QUARTER
    )
    started = time.perf_counter()
    publication = publication_publish(actor=ctx.staff, publication=publication)
    yield f"publication_publish_10k: {time.perf_counter() - started:.2f} s (compute and write)"
    started = time.perf_counter()
    body = publication_pdf(
        publication,
        stored_lines(publication),
        "https://linli.example/public/points/check/",
    )
    seconds = time.perf_counter() - started
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(body)).pages)
    yield f"publication_pdf_10k: {seconds:.2f} s ({pages} pages)"
    if seconds > GOAL_PDF:
        FAILED = 1
        yield f"# publication_pdf_10k over the {GOAL_PDF:.0f} s goal"
