"""Pure transition tables for the quarterly cycle: (state, action) → (next state, who may).

No ORM here. Services look up a transition with ``transition()`` (``linli.core.workflows``)
after locking the row, then stamp who/when/why and write the audit row. Tests walk every
(state, action, actor) triple.
"""

from __future__ import annotations

from linli.core.workflows import Transition
from linli.core.workflows import transition as transition  # re-exported: callers use ours

from .choices import OrderStatus, PublicationStatus

# Who may act: community staff (社区工作者 / 书记), the resident who owns an order, the
# sponsor of the reward, and the system (scheduled jobs).
STAFF = "staff"
RESIDENT = "resident"
SPONSOR = "sponsor"
SYSTEM = "system"


P = PublicationStatus
PUBLICATION: dict[tuple[str, str], Transition] = {
    # Staff compute the list and publish it for the public period.
    (P.DRAFT, "recompute"): Transition(P.DRAFT, frozenset({STAFF, SYSTEM})),
    (P.DRAFT, "publish"): Transition(P.PUBLIC, frozenset({STAFF})),
    # Any resident of the community may object while it is public.
    (P.PUBLIC, "object"): Transition(P.PUBLIC, frozenset({RESIDENT})),
    # Staff settle each objection (a correction goes through the ledger) and republish.
    (P.PUBLIC, "settle"): Transition(P.PUBLIC, frozenset({STAFF})),
    (P.PUBLIC, "republish"): Transition(P.PUBLIC, frozenset({STAFF})),
    # After the public period, with no open objection: final and locked.
    (P.PUBLIC, "finalize"): Transition(P.FINAL, frozenset({STAFF, SYSTEM})),
}

OS = OrderStatus
ORDER: dict[tuple[str, str], Transition] = {
    (OS.PLACED, "fulfil"): Transition(OS.FULFILLED, frozenset({STAFF})),
    (OS.PLACED, "cancel"): Transition(OS.CANCELLED, frozenset({STAFF, RESIDENT})),
    (OS.PLACED, "expire"): Transition(OS.EXPIRED, frozenset({SYSTEM, STAFF})),
    (OS.VOUCHER, "confirm"): Transition(OS.CONFIRMED, frozenset({SPONSOR})),
    (OS.VOUCHER, "cancel"): Transition(OS.CANCELLED, frozenset({STAFF, RESIDENT})),
    (OS.VOUCHER, "expire"): Transition(OS.EXPIRED, frozenset({SYSTEM, STAFF})),
}

# Orders in these states hold their points and stock; the others have given them back
# (cancelled, expired) or used them (fulfilled, confirmed).
ORDER_OPEN = frozenset({OS.PLACED, OS.VOUCHER})
ORDER_COUNTS = frozenset({OS.PLACED, OS.VOUCHER, OS.FULFILLED, OS.CONFIRMED})
