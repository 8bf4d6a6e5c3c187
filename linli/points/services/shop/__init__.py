"""The reward shop (积分超市), its orders and its sponsors: 一季度一兑换.

Every write checks its policy first, owns one durable transaction, locks rows in the fixed
order (the resident's account → the reward → the order), re-checks after the lock, moves
points only through the ledger writer (``linli.points.ledger``) and writes its audit row in
the same transaction.

A redemption takes the points (resident −n, the community's redemption account +n) and the
stock (``F('stock') - q``, CHECK stock ≥ 0 as the backstop) at once. A cancelled or expired
order gives both back: a REFUND posting that names the original (``Posting.reverses``) and
``F('stock') + q``. State changes go through ``workflows.transition`` after the order is
locked. On PostgreSQL the writer puts an order's posting, entries, balance, row and audit row
in one statement; the ORM path is kept for SQLite and tested on both.
"""

from .orders import (
    EXPIRY_GRACE,
    VOUCHER_ALPHABET,
    VOUCHER_LENGTH,
    new_voucher_code,
    normalize_voucher_code,
    open_window,
    order_cancel,
    order_fulfil,
    orders_expire,
    quarter_used,
    redemption_place,
    voucher_confirm,
    voucher_find_for_sponsor,
)
from .rewards import REWARD_FIELDS, reward_create, reward_restock, reward_update
from .sponsors import SPONSOR_FIELDS, pledge_create, pledge_deliver, sponsor_create, sponsor_update

__all__ = [
    "EXPIRY_GRACE",
    "REWARD_FIELDS",
    "SPONSOR_FIELDS",
    "VOUCHER_ALPHABET",
    "VOUCHER_LENGTH",
    "new_voucher_code",
    "normalize_voucher_code",
    "open_window",
    "order_cancel",
    "order_fulfil",
    "orders_expire",
    "pledge_create",
    "pledge_deliver",
    "quarter_used",
    "redemption_place",
    "reward_create",
    "reward_restock",
    "reward_update",
    "sponsor_create",
    "sponsor_update",
    "voucher_confirm",
    "voucher_find_for_sponsor",
]
