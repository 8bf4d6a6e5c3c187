"""What the shop's statement path (``sql_shop``) still takes from here until orders and
refunds move to the ledger writer (``linli.points.ledger``): the path switch and the cursor."""

from __future__ import annotations

from ..ledger.statements import available
from ..ledger.statements import cursor as _cursor

FAST_PATH = True  # the shop's orders read it too; the ledger's switch is statements.ENABLED

__all__ = ["FAST_PATH", "_cursor", "available"]
