"""What the shop still takes from here until orders and refunds move to the ledger writer
(``linli.points.ledger``)."""

from __future__ import annotations

from ..ledger.postings import Line, post

__all__ = ["Line", "post"]
