"""Bounds on the numbers people enter for points, rules and the shop. The services refuse
anything outside them, the forms show them (min/max), the models carry them as validators;
all lie well inside PostgreSQL's ``integer`` (2³¹−1), so no entered number can overflow a
column or a sum of a few of them."""

from __future__ import annotations

MAX_POINTS = 100_000  # one award, one rule's points, one reward's price
MAX_CAP = 1_000_000  # a rule's daily/monthly/quarterly cap per resident
MAX_STOCK = 1_000_000  # a reward's stock (after a restock too)
MAX_PER_RESIDENT = 1_000  # a reward's limit per resident and quarter
MAX_QUANTITY = 99  # one order
MAX_NOTE = 300  # an award's reason and evidence note
MAX_REASON = 200  # a rejection's or a reversal's reason
