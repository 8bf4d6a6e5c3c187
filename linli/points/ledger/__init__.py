"""The points ledger: the one writer every posting passes through (``writer``), on the ORM
path or PostgreSQL's statement path (``statements``); the cap rule (``caps``); the posting
primitive (``postings``) and the verifier (``verify``). See docs/points.md."""

from .caps import cap_usage, cap_usage_many, cap_windows, check_caps, check_caps_many
from .postings import Line, new_posting, post, user_id
from .verify import Drift, ledger_verify
from .writer import (
    Audit,
    Held,
    hold,
    hold_many,
    write_approval,
    write_award,
    write_batch,
    write_expiry,
    write_order,
    write_refund,
    write_reversal,
)

__all__ = [
    "Audit",
    "Drift",
    "Held",
    "Line",
    "cap_usage",
    "cap_usage_many",
    "cap_windows",
    "check_caps",
    "check_caps_many",
    "hold",
    "hold_many",
    "ledger_verify",
    "new_posting",
    "post",
    "user_id",
    "write_approval",
    "write_award",
    "write_batch",
    "write_expiry",
    "write_order",
    "write_refund",
    "write_reversal",
]
