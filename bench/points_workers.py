"""Worker processes for bench_points: single awards, through the service or in raw SQL.

Started with the ``spawn`` start method, so each is a fresh interpreter that calls
``django.setup()`` with the settings and ``DATABASE_URL`` it inherits from the bench.
Each warms up on its first residents, waits at the barrier, then awards one at a time and
reports ``(started, finished, latencies)`` on the queue (or ``("error", text)``).
"""

from __future__ import annotations

import time
import traceback
import uuid

POINTS = 10
WARMUP = 20


def service_worker(barrier, queue, actor_pk, rule_pk, resident_ids, statements=True):
    """``points_award`` from one process; ``statements`` False: the ORM path (the ledger
    writer's PostgreSQL statements switched off, as on SQLite)."""
    try:
        import django

        django.setup()
        from linli.points.ledger import statements as ledger_statements

        ledger_statements.ENABLED = statements
        from linli.core.actors import SYSTEM
        from linli.people.models import Resident, User
        from linli.people.policies import grants
        from linli.points.models import Rule
        from linli.points.services import points_award

        # A request loads the user and its grants before the view calls the service.
        actor = User.objects.get(pk=actor_pk) if actor_pk else SYSTEM
        grants(actor)
        rule = Rule.objects.get(pk=rule_pk)
        by_pk = Resident.objects.select_related("household").in_bulk(resident_ids)
        residents = [by_pk[pk] for pk in resident_ids]

        def award(resident):
            points_award(
                actor=actor,
                resident=resident,
                rule=rule,
                points=POINTS,
                idempotency_key=f"bench:{uuid.uuid4().hex}",
            )

        _run(barrier, queue, residents, award)
    except BaseException:
        queue.put(("error", traceback.format_exc()))
        barrier.abort()


CAP_SUMS = (
    "SELECT COALESCE(SUM(aw.points) FILTER (WHERE aw.occurred_at >= %s), 0),"
    " COALESCE(SUM(aw.points) FILTER (WHERE aw.occurred_at >= %s), 0),"
    " COALESCE(SUM(aw.points), 0)"
    " FROM points_award aw JOIN points_rule r ON r.id = aw.rule_id"
    " WHERE aw.resident_id = %s AND r.community_id = %s AND r.key = %s"
    " AND aw.status IN ('posted', 'proposed') AND aw.occurred_at >= %s"
)
AUDIT = (
    "INSERT INTO audit_auditevent (created_at, actor_id, action, target_type, target_id,"
    " place_id, data) VALUES (%s, %s, 'points.award', 'points.award', %s, %s, %s::jsonb)"
)


def floor_worker(barrier, queue, db_url, ids, resident_ids, same_work=False):
    """The same transaction in raw SQL: lock the account, posting, two entries, balance,
    award row. With ``same_work`` it also does what the service must do for every award:
    sum the resident's points under the rule for the day, month and quarter (the caps) and
    write the award's audit row."""
    try:
        import datetime as dt
        import hashlib

        import psycopg

        community_id, rule_pk, issuance_id, actor_pk, rule_key = ids
        conn = psycopg.connect(db_url)

        def award(resident_id):
            key = uuid.uuid4().hex
            now = dt.datetime.now(dt.UTC)
            with conn.transaction(), conn.cursor() as cur:
                cur.execute(
                    "SELECT id, balance FROM points_account WHERE resident_id = %s FOR UPDATE",
                    [resident_id],
                )
                account_id, _balance = cur.fetchone()
                if same_work:
                    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
                    quarter = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
                    cur.execute(
                        CAP_SUMS,
                        [day, day.replace(day=1), resident_id, community_id, rule_key, quarter],
                    )
                    cur.fetchone()
                cur.execute(
                    "INSERT INTO points_posting (community_id, kind, memo, occurred_at,"
                    " created_at, created_by_id, idempotency_key) VALUES"
                    " (%s, 'award', %s, %s, %s, %s, %s) RETURNING id",
                    [community_id, "志愿服务", now, now, actor_pk, f"floor:{key}"],
                )
                (posting_id,) = cur.fetchone()
                cur.execute(
                    "INSERT INTO points_entry (posting_id, account_id, amount)"
                    " VALUES (%s, %s, %s), (%s, %s, %s)",
                    [posting_id, issuance_id, -POINTS, posting_id, account_id, POINTS],
                )
                cur.execute(
                    "UPDATE points_account SET balance = balance + %s WHERE id = %s",
                    [POINTS, account_id],
                )
                cur.execute(
                    "INSERT INTO points_award (community_id, rule_id, resident_id, points,"
                    " status, occurred_at, evidence_note, evidence_file, source_type,"
                    " source_id, reject_reason, awarded_by_id, decided_at, posting_id,"
                    " idempotency_key, request_hash, created_at) VALUES"
                    " (%s, %s, %s, %s, 'posted', %s, '', '', '', '', '', %s, %s, %s, %s, %s, %s)",
                    [
                        community_id,
                        rule_pk,
                        resident_id,
                        POINTS,
                        now,
                        actor_pk,
                        now,
                        posting_id,
                        f"floor:{key}",
                        hashlib.sha256(key.encode()).hexdigest(),
                        now,
                    ],
                )
                if same_work:
                    cur.execute(
                        "SELECT id FROM points_award WHERE idempotency_key = %s", [f"floor:{key}"]
                    )
                    (award_id,) = cur.fetchone()
                    cur.execute(
                        AUDIT,
                        [
                            now,
                            actor_pk,
                            str(award_id),
                            None,
                            f'{{"points": 10, "rule": "volunteer", "resident": {resident_id}}}',
                        ],
                    )

        _run(barrier, queue, resident_ids, award)
        conn.close()
    except BaseException:
        queue.put(("error", traceback.format_exc()))
        barrier.abort()


def _run(barrier, queue, residents, award):
    for resident in residents[:WARMUP]:
        award(resident)
    latencies = []
    barrier.wait()
    started = time.perf_counter()
    for resident in residents[WARMUP:]:
        t0 = time.perf_counter()
        award(resident)
        latencies.append(time.perf_counter() - t0)
    queue.put((started, time.perf_counter(), latencies))
