"""Rewards on the shelf: goods and services, their photos and their stock."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.actors import Actor
from linli.core.errors import ValidationFailed
from linli.core.uploads import REWARD_PHOTO, upload_check, upload_discard, upload_store
from linli.places.models import Place

from ...choices import RewardKind
from ...limits import MAX_PER_RESIDENT, MAX_POINTS, MAX_STOCK
from ...models import (
    Reward,
    Sponsor,
)
from ._common import _community, _manage, _positive, _text

REWARD_FIELDS = (
    "kind",
    "name",
    "description",
    "price",
    "stock",
    "per_resident_limit",
    "sponsor",
    "active",
)


def _reward_values(community: Place, fields: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field, value in fields.items():
        if field == "kind":
            if value not in RewardKind.values:
                raise ValidationFailed(_("请选择物品或服务"))
            values[field] = value
        elif field == "name":
            values[field] = _text(value, 60, _("名称"))
            if not values[field]:
                raise ValidationFailed(_("请填写名称"))
        elif field == "description":
            values[field] = _text(value, 300, _("说明"), multiline=True)
        elif field == "price":
            values[field] = _positive(value, _("所需积分"), high=MAX_POINTS)
        elif field == "stock":
            values[field] = _positive(value, _("库存/名额"), zero=True, high=MAX_STOCK)
        elif field == "per_resident_limit":
            values[field] = (
                None
                if value is None or (isinstance(value, str) and not value.strip())
                else _positive(value, _("每人限兑"), high=MAX_PER_RESIDENT)
            )
        elif field == "sponsor":
            if value is not None and value.community_id != community.pk:
                raise ValidationFailed(_("赞助方不属于本社区"))
            values[field] = value
        elif field == "active":
            values[field] = bool(value)
        else:
            raise TypeError(f"reward has no field {field!r}")
    return values


def _store_photo(photo: UploadedFile | None) -> str | None:
    """Check (decode, re-encode) and save an uploaded photo before any row is locked (no
    file I/O under a lock). Reward photos are public: the shop shows them to anyone."""
    if not photo:
        return None
    checked = upload_check(photo, kind=REWARD_PHOTO, field="photo")
    return upload_store(checked, kind=REWARD_PHOTO)


def reward_create(
    *,
    actor: Actor,
    community: Place,
    kind: str,
    name: str,
    price: object,
    stock: object,
    sponsor: Sponsor | None = None,
    per_resident_limit: object = None,
    description: str = "",
    photo: UploadedFile | None = None,
    active: bool = True,
) -> Reward:
    _manage(actor, community)
    values = _reward_values(
        community,
        {
            "kind": kind,
            "name": name,
            "description": description,
            "price": price,
            "stock": stock,
            "per_resident_limit": per_resident_limit,
            "sponsor": sponsor,
            "active": active,
        },
    )
    stored = _store_photo(photo)
    try:
        with transaction.atomic(durable=True):
            reward = Reward.objects.create(community=community, photo=stored or "", **values)
            audit_record(
                actor=actor,
                action="shop.reward_create",
                target=reward,
                place_id=community.pk,
                data={"name": reward.name, "price": reward.price, "stock": reward.stock},
            )
    except BaseException:
        upload_discard([stored or ""])
        raise
    return reward


def reward_update(
    *, actor: Actor, reward: Reward, photo: UploadedFile | None = None, **fields: Any
) -> Reward:
    community = _community(reward.community_id)
    _manage(actor, community)
    values = _reward_values(community, fields)
    stored = _store_photo(photo)
    try:
        with transaction.atomic(durable=True):
            locked = Reward.objects.select_for_update().get(pk=reward.pk)
            for field, value in values.items():
                setattr(locked, field, value)
            if stored:
                locked.photo.name = stored
            locked.save()
            audit_record(
                actor=actor,
                action="shop.reward_update",
                target=locked,
                place_id=community.pk,
                data={
                    k: (v.pk if isinstance(v, Sponsor) else v)
                    for k, v in {**values, **({"photo": stored} if stored else {})}.items()
                },
            )
    except BaseException:
        upload_discard([stored or ""])
        raise
    return locked


def reward_restock(*, actor: Actor, reward: Reward, add: object) -> Reward:
    """Add stock (or service slots) to a reward: ``F('stock') + n``."""
    _manage(actor, _community(reward.community_id))
    n = _positive(add, _("补充数量"), high=MAX_STOCK)
    with transaction.atomic(durable=True):
        added = Reward.objects.filter(pk=reward.pk, stock__lte=MAX_STOCK - n).update(
            stock=F("stock") + n
        )
        if not added:
            raise ValidationFailed(_("库存/名额不能超过 %(n)d") % {"n": MAX_STOCK})
        locked = Reward.objects.get(pk=reward.pk)
        audit_record(
            actor=actor,
            action="shop.reward_restock",
            target=locked,
            place_id=reward.community_id,
            data={"add": n, "stock": locked.stock},
        )
    return locked


# --- orders ----------------------------------------------------------------------------------
