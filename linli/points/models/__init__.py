from .ledger import Account, Entry, Posting
from .rules import Award, AwardBatch, CatalogVersion, PointsSettings, Rule

__all__ = [
    "Account",
    "Award",
    "AwardBatch",
    "CatalogVersion",
    "Entry",
    "PointsSettings",
    "Posting",
    "Rule",
]
