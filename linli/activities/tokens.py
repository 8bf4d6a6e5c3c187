"""The rotating QR code's token: signed, expiring, one per activity, direction and minute.

``make_token`` signs ``"<activity id>.<in|out>.<minute>"`` with Django's signing (a
``Signer``: HMAC-SHA256 with SECRET_KEY) under a salt per purpose and direction, so a
sign-in token cannot be used to sign out, and a value signed for anything else in the
system never verifies here. The token is short on purpose (about 60 characters: a smaller
QR code that an older phone reads from across the room), e.g. ``12.in.29484321:Ab3…``.

The minute is whole minutes since the Unix epoch; the organiser's screen shows the current
minute's token, and a token is accepted during its own minute and the next one (60 to 120
seconds of life), so a resident who scans at 19:30:59 still gets in.

Opening the code's URL is the *scan*; signing in or out is the confirmation (a POST from the
page the scan opens) and may come later: ``scan_moment`` lets the confirmation count at the
time of the scan, for the session that made it, at most ``SCAN_GRACE`` later (an older
resident who has to sign in to Linli first, or reads the page slowly). The token is checked
against the moment of the scan, which the server recorded when the token was valid: the
grace never lets an expired code open anything.
"""

from __future__ import annotations

import datetime as dt

from django.core import signing
from django.utils.translation import gettext as _

from linli.core.errors import DomainError

from .choices import Direction

SALT = "linli.activities.qr-token."
VALID_MINUTES = 2  # the token's own minute and the one after it
SCAN_GRACE = dt.timedelta(minutes=10)  # from the scan to its confirmation, at most


class TokenRejected(DomainError):
    """The QR token is forged, expired, for another activity or the other direction."""

    code = "token"


def minute_of(moment: dt.datetime) -> int:
    return int(moment.timestamp() // 60)


def scan_moment(scanned_at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """When a confirmed scan counts: ``scanned_at`` (recorded by the server when this session
    opened the code) if it lies within ``SCAN_GRACE`` before ``now``, else ``now``."""
    if scanned_at is None or scanned_at > now or now - scanned_at > SCAN_GRACE:
        return now
    return scanned_at


def _salt(direction: str) -> str:
    if direction not in Direction.values:
        raise ValueError(direction)
    return SALT + direction


def make_token(activity_id: int, direction: str, now: dt.datetime) -> str:
    value = f"{activity_id}.{direction}.{minute_of(now)}"
    return signing.Signer(salt=_salt(direction)).sign(value)


def check_token(token: str, *, activity_id: int, direction: str, now: dt.datetime) -> None:
    """Raise TokenRejected unless ``token`` is this activity's current ``direction`` token."""
    try:
        value = signing.Signer(salt=_salt(direction)).unsign(token or "")
    except signing.BadSignature:
        raise TokenRejected(
            _("二维码无效：它不是这场活动的签到码，或已被改动。请扫描组织者屏幕上的二维码。"),
            code="token_forged",
        ) from None
    parts = value.split(".")
    if len(parts) != 3 or parts[1] != direction or not all(p.isdigit() for p in parts[::2]):
        raise TokenRejected(_("二维码无效，请扫描组织者屏幕上的二维码。"), code="token_forged")
    if int(parts[0]) != activity_id:
        raise TokenRejected(
            _("这是另一场活动的二维码，请扫描本次活动组织者屏幕上的二维码。"),
            code="token_other_activity",
        )
    minute = int(parts[2])
    current = minute_of(now)
    if minute > current:
        raise TokenRejected(_("二维码无效，请扫描组织者屏幕上的二维码。"), code="token_forged")
    if current - minute >= VALID_MINUTES:
        raise TokenRejected(
            _("二维码已过期（每分钟更新一次）。请重新扫描组织者屏幕上的最新二维码。"),
            code="token_expired",
        )
