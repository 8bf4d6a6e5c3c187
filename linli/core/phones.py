"""Mainland China mobile numbers: normalise, validate, mask."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from .errors import ValidationFailed

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_STRIP_RE = re.compile(r"[\s\-()（）]")


def normalize_mobile(raw: object) -> str:
    """Return the 11-digit number or raise ValidationFailed with a message for people.

    Accepts what people type and what Excel stores: spaces, hyphens, a +86 / 0086 prefix,
    and a number that Excel turned into a float (13900000001.0).
    """
    if raw is None:
        raise ValidationFailed(_("手机号不能为空"))
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = _STRIP_RE.sub("", str(raw))
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    if not text:
        raise ValidationFailed(_("手机号不能为空"))
    if not MOBILE_RE.match(text):
        raise ValidationFailed(
            _("手机号“%(phone)s”不是有效的大陆手机号（11 位，以 1 开头）")
            % {"phone": str(raw)[:20]}
        )
    return text


def is_mobile(raw: str) -> bool:
    try:
        normalize_mobile(raw)
    except ValidationFailed:
        return False
    return True


def mask_mobile(phone: str | None) -> str:
    """139****0001: the shape staff use on printed lists. Public lists show no phone at all."""
    if not phone:
        return ""
    if len(phone) != 11:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"
