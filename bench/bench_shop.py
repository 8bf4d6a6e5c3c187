"""The reward shop (issue 4): 8 workers placing orders, next to the ledger's award floor.

Runs in its own database (``<bench db>_shop``, e.g. ``linli_bench_shop``), created, migrated
and dropped here, with 20,000 residents in one community (households and residents loaded
in bulk), each given 100 points by one batch award through the service, a final publication
with an open redemption window, and one reward (goods, 20 points, ample stock, at most 3 per
resident per quarter) made through the services.

Figures, measured in the same run:

Floor and shop runs alternate, ``ROUNDS`` of each; the best of each is printed.

- ``shop_orders_8w``: orders per second and p99 latency with 8 worker processes, each placing
  one order at a time through ``redemption_place`` (community staff on a resident's behalf,
  a fresh idempotency key each, every order for a different resident, all for the same
  reward — its stock row is the one hot row every order must update).
- Floor: ``award_floor_8w``, the ledger's raw-SQL single award from bench_points
  (``points_workers.floor_worker``: lock the account, cap sums, posting, two entries,
  balance, award row, audit row) with 8 workers. An order does that much work and more
  (the window, the per-resident limit, the stock), so 1x would be the floor itself.

Worker processes start with ``spawn``: this module imports nothing from Django at the top,
so a child can import it before ``django.setup()``.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
import traceback
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

from bench import points_workers
from bench.scratch import scratch_database, sibling_name

RESIDENTS = 20_000
WORKERS = 8
PER_WORKER = 500  # timed orders per worker (after points_workers.WARMUP warm-up orders)
HOUSEHOLDS_PER_BUILDING = 100
ROUNDS = 2  # floor and shop alternate; the best round of each (a shared machine is noisy)
FAILED = 0


def run() -> Iterator[str]:
    """On a private database for the duration (``bench.scratch``; the worker processes
    inherit its ``DATABASE_URL``), dropped afterwards."""
    started = time.monotonic()
    with scratch_database(sibling_name("shop")) as name:
        ctx = _populate()
        yield f"# database {name}: {RESIDENTS} residents in {time.monotonic() - started:.1f} s"
        yield from _orders(ctx)


# --- data ----------------------------------------------------------------------------------


def _populate() -> SimpleNamespace:
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    from linli.core.actors import SYSTEM
    from linli.people.choices import Role
    from linli.people.models import Resident, RoleGrant, User
    from linli.places.choices import ANCESTOR_KINDS, PlaceKind
    from linli.places.models import Place
    from linli.places.services import place_create
    from linli.points.choices import AccountKind, PublicationStatus, RewardKind, RuleCategory
    from linli.points.locks import system_account
    from linli.points.models import Account, Publication, RedemptionWindow
    from linli.points.services import catalog_version_create, points_award_batch, rule_create
    from linli.points.services.shop import reward_create

    city = place_create(parent=None, kind=PlaceKind.CITY, name="荆州市")
    district = place_create(parent=city, kind=PlaceKind.DISTRICT, name="沙市区")
    street = place_create(parent=district, kind=PlaceKind.STREET, name="超市街道")
    community = place_create(parent=street, kind=PlaceKind.COMMUNITY, name="超市基准社区")
    compound = place_create(parent=community, kind=PlaceKind.COMPOUND, name="第1小区")
    households = RESIDENTS // 2
    buildings = [
        place_create(parent=compound, kind=PlaceKind.BUILDING, name=f"{b + 1}栋")
        for b in range(households // HOUSEHOLDS_PER_BUILDING)
    ]
    now = timezone.now()
    ancestor_columns = [f"{k}_id" for k in ANCESTOR_KINDS]
    Place.objects.bulk_create(
        [
            Place(
                kind=PlaceKind.HOUSEHOLD,
                name=f"{h % HOUSEHOLDS_PER_BUILDING + 1}室",
                room=str(h % HOUSEHOLDS_PER_BUILDING + 1),
                parent=building,
                **{c: getattr(building, c) for c in ancestor_columns},
            )
            for h in range(households)
            for building in [buildings[h // HOUSEHOLDS_PER_BUILDING]]
        ],
        batch_size=5000,
    )
    homes = list(
        Place.objects.filter(community=community, kind=PlaceKind.HOUSEHOLD)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    Resident.objects.bulk_create(
        [
            Resident(
                name=f"居民{i}",
                phone=f"151{i:08d}",
                household_id=homes[i // 2],
                moved_in=dt.date(2010, 1, 1),
                pinyin_full=f"jumin{i}",
                pinyin_initials="jm",
            )
            for i in range(RESIDENTS)
        ],
        batch_size=5000,
    )
    residents = list(Resident.objects.filter(household__community=community).order_by("pk"))
    Account.objects.bulk_create(
        [Account(community=community, kind=AccountKind.RESIDENT, resident=r) for r in residents],
        batch_size=5000,
    )
    staff = User.objects.create_user("13000000003", "bench-pass-3", name="超市基准工作人员")
    RoleGrant.objects.create(user=staff, role=Role.COMMUNITY_STAFF, place=community)
    version = catalog_version_create(
        actor=SYSTEM, community=community, decision="基准测试", decided_on=dt.date(2024, 1, 10)
    )
    rule = rule_create(
        actor=SYSTEM,
        version=version,
        key="volunteer",
        name="志愿服务",
        category=RuleCategory.VOLUNTEER,
        points_min=5,
        points_max=100,
        active_from=dt.date(2024, 1, 1),
    )
    points_award_batch(
        actor=SYSTEM,
        rule=rule,
        residents=residents,
        points=100,
        idempotency_key="bench-shop-funding",
    )
    publication = Publication.objects.create(
        community=community,
        year=2024,
        quarter=4,
        period_start=dt.date(2024, 10, 1),
        period_end=dt.date(2025, 1, 1),
        status=PublicationStatus.FINAL,
        edition=1,
        finalized_at=now,
        digest="b" * 64,
        canonical="{}",
    )
    RedemptionWindow.objects.create(
        community=community,
        publication=publication,
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=14),
    )
    reward = reward_create(
        actor=SYSTEM,
        community=community,
        kind=RewardKind.GOODS,
        name="口罩",
        price=20,
        stock=1_000_000,
        per_resident_limit=3,
    )
    issuance = system_account(community.pk, AccountKind.ISSUANCE)
    system_account(community.pk, AccountKind.REDEMPTION)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return SimpleNamespace(
        community=community,
        staff=staff,
        rule=rule,
        reward=reward,
        issuance=issuance,
        free=iter([r.pk for r in residents]),
    )


def _take(ctx: SimpleNamespace, n: int) -> list[int]:
    return [next(ctx.free) for _ in range(n)]


# --- workers -------------------------------------------------------------------------------


def shop_worker(
    barrier: Any, queue: Any, actor_pk: int, reward_pk: int, resident_ids: list[int]
) -> None:
    """Place one order per resident through ``redemption_place``."""
    try:
        import django

        django.setup()
        from linli.people.models import Resident, User
        from linli.people.policies import grants
        from linli.points.models import Reward
        from linli.points.services.shop import redemption_place

        # A request loads the user and its grants before the view calls the service.
        actor = User.objects.get(pk=actor_pk)
        grants(actor)
        reward = Reward.objects.get(pk=reward_pk)
        by_pk = Resident.objects.select_related("household").in_bulk(resident_ids)
        residents = [by_pk[pk] for pk in resident_ids]

        def order(resident: Any) -> None:
            redemption_place(
                actor=actor,
                resident=resident,
                reward=reward,
                idempotency_key=f"bench:{uuid.uuid4().hex}",
            )

        points_workers._run(barrier, queue, residents, order)
    except BaseException:
        queue.put(("error", traceback.format_exc()))
        barrier.abort()


def _race(ctx: SimpleNamespace, kind: str) -> tuple[float, float]:
    """Operations per second and p99 latency (s) with WORKERS processes."""
    spawn = mp.get_context("spawn")
    barrier = spawn.Barrier(WORKERS)
    queue = spawn.Queue()
    processes = []
    for _ in range(WORKERS):
        residents = _take(ctx, points_workers.WARMUP + PER_WORKER)
        if kind == "shop":
            target: Any = shop_worker
            args: tuple[object, ...] = (ctx.staff.pk, ctx.reward.pk, residents)
        else:
            target = points_workers.floor_worker
            ids = (ctx.community.pk, ctx.rule.pk, ctx.issuance.pk, ctx.staff.pk, ctx.rule.key)
            args = (os.environ["DATABASE_URL"], ids, residents, True)
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


def _orders(ctx: SimpleNamespace) -> Iterator[str]:
    from linli.points.models import Order, Reward
    from linli.points.services import ledger_verify

    floors, shops = [], []
    for _ in range(ROUNDS):
        floors.append(_race(ctx, "floor"))
        shops.append(_race(ctx, "shop"))
    floor_rate, floor_p99 = max(floors)
    rate, p99 = max(shops)
    placed = Order.objects.count()
    expected = ROUNDS * WORKERS * (points_workers.WARMUP + PER_WORKER)
    stock = Reward.objects.get(pk=ctx.reward.pk).stock
    if placed != expected or stock != 1_000_000 - expected:
        raise SystemExit(f"bench: expected {expected} orders, found {placed} (stock {stock})")
    drifts = ledger_verify()
    if drifts:
        raise SystemExit(f"bench: verify found drift: {[str(d) for d in drifts[:5]]}")
    yield (
        f"award_floor_{WORKERS}w: {floor_rate:.0f} awards/s p99 {floor_p99 * 1000:.1f} ms"
        " (raw SQL: lock, cap sums, posting, entries, balance, award row, audit row)"
    )
    yield (
        f"shop_orders_{WORKERS}w: {rate:.0f} orders/s p99 {p99 * 1000:.1f} ms "
        f"({rate / floor_rate:.2f}x award floor {floor_rate:.0f}/s)"
    )
