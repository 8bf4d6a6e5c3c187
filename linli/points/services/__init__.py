from ..ledger import ledger_verify
from .awards import (
    award_approve,
    award_reject,
    award_reverse,
    points_award,
    points_award_batch,
)
from .expiry import points_expire
from .rules import catalog_version_create, points_settings_update, rule_create, rule_revise

__all__ = [
    "award_approve",
    "award_reject",
    "award_reverse",
    "catalog_version_create",
    "ledger_verify",
    "points_award",
    "points_award_batch",
    "points_expire",
    "points_settings_update",
    "rule_create",
    "rule_revise",
]
