from .cycle import (
    Objection,
    Order,
    Pledge,
    Publication,
    PublicationLine,
    RedemptionWindow,
    Reward,
    Sponsor,
)
from .ledger import Account, Entry, Posting
from .rules import Award, AwardBatch, CatalogVersion, PointsSettings, Rule

__all__ = [
    "Account",
    "Award",
    "AwardBatch",
    "CatalogVersion",
    "Entry",
    "Objection",
    "Order",
    "Pledge",
    "PointsSettings",
    "Posting",
    "Publication",
    "PublicationLine",
    "RedemptionWindow",
    "Reward",
    "Rule",
    "Sponsor",
]
