from .matters import (
    matter_accept,
    matter_award_adopted,
    matter_close,
    matter_decide,
    matter_decline,
    matter_escalate,
    matter_follow,
    matter_merge,
    matter_raise,
    matter_reopen,
    matter_settle,
    matter_withdraw,
)
from .photos import MAX_BYTES, MAX_PHOTOS, photos_clean

__all__ = [
    "MAX_BYTES",
    "MAX_PHOTOS",
    "matter_accept",
    "matter_award_adopted",
    "matter_close",
    "matter_decide",
    "matter_decline",
    "matter_escalate",
    "matter_follow",
    "matter_merge",
    "matter_raise",
    "matter_reopen",
    "matter_settle",
    "matter_withdraw",
    "photos_clean",
]
