"""PostgreSQL statements for placing an order (the shop's hot path).

``redemption_place`` does the same as its ORM path — same rows, same checks, same lock order
(the resident's account, then the reward) — in three statements: lock the account; then one
statement of data-modifying CTEs that, if the key is unused, the window open and the stock,
the per-resident limit and the balance allow it, writes the posting, its two entries, the
balance, the order and its audit row (or nothing, and the caller says why); last, take the
stock with a conditional UPDATE of the reward row — the one row every order of the shop
updates, so it is locked last and held for the shortest time. If that finds too little
stock, the transaction is rolled back whole. The second statement starts after the account
lock is held, so its snapshot sees every earlier order of this resident: the limit, the
balance and the key are re-checked after the lock.

Table and column names are fixed strings here; every value is a bound parameter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .sql import _cursor

FAST_PATH = True

LOCK = """
SELECT a.id, a.balance,
       (SELECT s.id FROM points_account s
         WHERE s.community_id = a.community_id AND s.kind = 'redemption'),
       (SELECT ps.quarter_start_month FROM points_pointssettings ps
         WHERE ps.community_id = a.community_id)
  FROM points_account a
 WHERE a.resident_id = %s
   FOR UPDATE OF a
"""


@dataclass(frozen=True)
class Locked:
    account_id: int
    balance: int
    redemption_account: int | None
    quarter_start_month: int


def lock_account(resident_id: int) -> Locked | None:
    with _cursor() as cur:
        cur.execute(LOCK, [resident_id], prepare=True)
        row = cur.fetchone()
    return None if row is None else Locked(row[0], row[1], row[2], row[3] or 1)


PLACE = """
WITH w AS (
  SELECT id FROM points_redemptionwindow
   WHERE community_id = %(community)s AND opens_at <= %(when)s AND closes_at > %(when)s
   ORDER BY opens_at DESC LIMIT 1
), used AS (
  SELECT COALESCE(SUM(quantity), 0) AS n FROM points_order
   WHERE resident_id = %(resident)s AND reward_id = %(reward)s
     AND placed_at >= %(q0)s AND placed_at < %(q1)s
     AND status IN ('placed', 'voucher', 'fulfilled', 'confirmed')
), r AS (
  -- Read, not locked: the stock is taken by TAKE, the transaction's last statement.
  SELECT price * %(quantity)s AS points, name, kind FROM points_reward
   WHERE id = %(reward)s AND community_id = %(community)s AND active
     AND stock >= %(quantity)s
     AND price * %(quantity)s <= %(balance)s
     AND (per_resident_limit IS NULL
          OR (SELECT n FROM used) + %(quantity)s <= per_resident_limit)
     AND EXISTS (SELECT 1 FROM w)
     AND NOT EXISTS (SELECT 1 FROM points_order WHERE idempotency_key = %(key)s)
), p AS (
  INSERT INTO points_posting
         (community_id, kind, memo, occurred_at, created_at, created_by_id, idempotency_key)
  SELECT %(community)s, 'redemption', left(r.name || ' × ' || %(quantity)s, 200), %(when)s,
         %(now)s, %(by)s, %(posting_key)s
    FROM r
  RETURNING id
), e AS (
  INSERT INTO points_entry (posting_id, account_id, amount)
  SELECT p.id, v.account_id, v.amount
    FROM p, r, LATERAL (VALUES (%(account)s::bigint, -r.points::bigint),
                               (%(redemption)s::bigint, r.points::bigint))
         AS v(account_id, amount)
), u AS (
  UPDATE points_account SET balance = balance - r.points
    FROM r WHERE points_account.id = %(account)s
), o AS (
  INSERT INTO points_order
         (community_id, window_id, reward_id, resident_id, quantity, points, status,
          posting_id, refund_posting_id, voucher_code, idempotency_key, request_hash,
          placed_by_id, placed_at, closed_by_id, closed_at, close_note)
  SELECT %(community)s, w.id, %(reward)s, %(resident)s, %(quantity)s, r.points,
         CASE WHEN r.kind = 'service' THEN 'voucher' ELSE 'placed' END,
         p.id, NULL, CASE WHEN r.kind = 'service' THEN %(voucher)s END,
         %(key)s, %(hash)s, %(by)s, %(when)s, NULL, NULL, ''
    FROM p, r, w
  RETURNING id, posting_id, points, voucher_code, status, window_id
), au AS (
  INSERT INTO audit_auditevent
         (created_at, actor_id, action, target_type, target_id, place_id, data)
  SELECT %(now)s, %(audit_actor)s, 'shop.redeem', 'points.order', o.id::text, %(place)s,
         jsonb_build_object('reward', %(reward)s::bigint, 'quantity', %(quantity)s::int,
                            'points', o.points, 'resident', %(resident)s::bigint)
         || %(extra)s::jsonb
    FROM o
)
SELECT id, posting_id, points, voucher_code, status, window_id FROM o
"""


@dataclass(frozen=True)
class Placed:
    order_id: int
    posting_id: int
    points: int
    voucher_code: str | None
    status: str
    window_id: int


def place(params: dict[str, Any]) -> Placed | None:
    """Write the order and everything with it, or nothing (None: a check failed)."""
    with _cursor() as cur:
        cur.execute(PLACE, params, prepare=True)
        row = cur.fetchone()
    return None if row is None else Placed(*row)


# The reward's stock row is the one row every order of the shop updates. It is locked last,
# so it is held only for this statement and the COMMIT: the foreign keys of the rows written
# before (deferred in Django's schema) are checked first by SET CONSTRAINTS … IMMEDIATE,
# which PostgreSQL applies retroactively (the ledger's balance check, points migration 0007,
# runs then too). Then everything is deferred again, as Django declares it: IMMEDIATE would
# otherwise last to the end of the transaction, and a posting written later in it would be
# checked before its entries exist. ``stock >= q`` is re-evaluated on the row version this
# statement waited for, so two orders for the last item cannot both pass.
IMMEDIATE = "SET CONSTRAINTS ALL IMMEDIATE"
DEFERRED = "SET CONSTRAINTS ALL DEFERRED"
TAKE = """
UPDATE points_reward SET stock = stock - %(quantity)s
 WHERE id = %(reward)s AND active AND stock >= %(quantity)s
RETURNING stock
"""


def take_stock(reward_id: int, quantity: int) -> bool:
    """Take the stock (locking the reward row until COMMIT); False if there is not enough."""
    with _cursor() as cur:
        cur.execute(IMMEDIATE)
        cur.execute(DEFERRED)
        cur.execute(TAKE, {"reward": reward_id, "quantity": quantity}, prepare=True)
        return cur.fetchone() is not None


def quarter_params(bounds: tuple[dt.datetime, dt.datetime]) -> dict[str, dt.datetime]:
    return {"q0": bounds[0], "q1": bounds[1]}
