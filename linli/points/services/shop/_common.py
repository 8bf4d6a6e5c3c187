"""Helpers the shop's sponsors, rewards and orders share: text and number hygiene, the
request hash and key, and the shop-manager check."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.utils.translation import gettext as _

from linli.core.actors import Actor
from linli.core.errors import NotFound, ValidationFailed
from linli.core.text import INT_MAX, clean_text, parse_int
from linli.people.models import Resident
from linli.places.models import Place

from ... import policies
from ...policies import PointsAction

MAX_KEY = 120


def _hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _clean_key(key: str) -> str:
    message = _("缺少请求编号（idempotency key），请刷新页面后重试")
    try:
        key = clean_text(key, limit=MAX_KEY, required=message)
    except ValidationFailed:
        raise ValidationFailed(message) from None
    return key


def _text(value: object, limit: int, label: Any = "", *, multiline: bool = False) -> str:
    """Text through the shared hygiene (``linli.core.text``): controls refused, invisible
    characters stripped, longer than ``limit`` refused."""
    return clean_text(value, limit=limit, label=label, multiline=multiline)


def _positive(raw: object, what: str, *, zero: bool = False, high: int = INT_MAX) -> int:
    """A whole number, 1 (0 with ``zero``) … ``high``; full-width digits read."""
    value = None if isinstance(raw, bool) else parse_int(raw)
    if value is None:
        raise ValidationFailed(_("%(what)s必须是整数") % {"what": what})
    if value < 0 or (value == 0 and not zero):
        raise ValidationFailed(_("%(what)s必须大于零") % {"what": what})
    if value > high:
        raise ValidationFailed(_("%(what)s不能超过 %(n)d") % {"what": what, "n": high})
    return value


def _community(place_id: int) -> Place:
    return Place.objects.get(pk=place_id)


def _is_own(actor: Actor, resident: Resident) -> bool:
    user_id = getattr(actor, "pk", None)
    return user_id is not None and resident.user_id == user_id


def _manage(actor: Actor, community: Place) -> None:
    if not policies.can(actor, PointsAction.SHOP_MANAGE, community):
        raise NotFound(_("找不到该社区"))
