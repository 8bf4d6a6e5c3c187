"""Sponsors (辖区企业, 共建单位) and their pledges to the shop."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.actors import Actor
from linli.core.errors import Conflict, ValidationFailed
from linli.people import policies as people_policies
from linli.people.choices import Role
from linli.people.models import User
from linli.places.choices import PlaceKind
from linli.places.models import Place

from ...choices import SponsorKind
from ...models import (
    Pledge,
    Sponsor,
)
from ._common import _community, _manage, _text


def _check_sponsor_user(user: User | None, community: Place) -> None:
    if user is None:
        return
    if not people_policies.can_roles(user, {Role.SPONSOR}, community):
        raise ValidationFailed(_("该账号没有本社区的“辖区企业”角色，请先为其授予角色"))


SPONSOR_FIELDS = ("name", "kind", "contact_name", "contact_phone", "address", "thanks_public")


def _sponsor_values(fields: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    limits = {
        "name": (80, _("名称")),
        "contact_name": (32, _("联系人")),
        "contact_phone": (20, _("联系电话")),
        "address": (120, _("地址")),
    }
    for field, value in fields.items():
        if field in limits:
            values[field] = _text(value, *limits[field])
        elif field == "kind":
            if value not in SponsorKind.values:
                raise ValidationFailed(_("赞助方类型不正确"))
            values[field] = value
        elif field == "thanks_public":
            values[field] = bool(value)
        elif field == "user":
            values[field] = value
        else:
            raise TypeError(f"sponsor has no field {field!r}")
    if "name" in values and not values["name"]:
        raise ValidationFailed(_("请填写赞助方名称"))
    return values


def sponsor_create(
    *,
    actor: Actor,
    community: Place,
    name: str,
    kind: str = SponsorKind.BUSINESS,
    contact_name: str = "",
    contact_phone: str = "",
    address: str = "",
    user: User | None = None,
    thanks_public: bool = True,
) -> Sponsor:
    _manage(actor, community)
    if community.kind != PlaceKind.COMMUNITY:
        raise ValidationFailed(_("赞助方属于一个社区"))
    _check_sponsor_user(user, community)
    values = _sponsor_values(
        {
            "name": name,
            "kind": kind,
            "contact_name": contact_name,
            "contact_phone": contact_phone,
            "address": address,
            "thanks_public": thanks_public,
        }
    )
    try:
        with transaction.atomic(durable=True):
            sponsor = Sponsor.objects.create(community=community, user=user, **values)
            audit_record(
                actor=actor,
                action="shop.sponsor_create",
                target=sponsor,
                place_id=community.pk,
                data={"name": sponsor.name},
            )
    except IntegrityError:
        raise Conflict(_("本社区已有名为“%(name)s”的赞助方") % {"name": values["name"]}) from None
    return sponsor


def sponsor_update(*, actor: Actor, sponsor: Sponsor, **fields: Any) -> Sponsor:
    community = _community(sponsor.community_id)
    _manage(actor, community)
    values = _sponsor_values(fields)
    if "user" in values:
        _check_sponsor_user(values["user"], community)
    try:
        with transaction.atomic(durable=True):
            locked = Sponsor.objects.select_for_update().get(pk=sponsor.pk)
            for field, value in values.items():
                setattr(locked, field, value)
            locked.save()
            audit_record(
                actor=actor,
                action="shop.sponsor_update",
                target=locked,
                place_id=community.pk,
                data={k: (v.pk if isinstance(v, User) else v) for k, v in values.items()},
            )
    except IntegrityError:
        raise Conflict(_("本社区已有同名的赞助方")) from None
    return locked


def pledge_create(
    *,
    actor: Actor,
    sponsor: Sponsor,
    year: int,
    quarter: int,
    description: str,
    value_yuan: object,
) -> Pledge:
    _manage(actor, _community(sponsor.community_id))
    description = _text(description, 200, _("赞助内容"))
    if not description:
        raise ValidationFailed(_("请写明赞助的物品或服务"))
    if not (isinstance(quarter, int) and 1 <= quarter <= 4):
        raise ValidationFailed(_("季度应为 1 到 4"))
    if not (isinstance(year, int) and 2000 <= year <= 2100):
        raise ValidationFailed(_("年份不正确"))
    try:
        value = decimal.Decimal(str(value_yuan)).quantize(decimal.Decimal("0.01"))
    except decimal.InvalidOperation:
        raise ValidationFailed(_("折合金额应为数字（元）")) from None
    if not value.is_finite():
        raise ValidationFailed(_("折合金额应为数字（元）"))
    if value < 0 or value >= decimal.Decimal("100000000"):
        raise ValidationFailed(_("折合金额不能为负数"))
    with transaction.atomic(durable=True):
        pledge = Pledge.objects.create(
            sponsor=sponsor, year=year, quarter=quarter, description=description, value_yuan=value
        )
        audit_record(
            actor=actor,
            action="shop.pledge_create",
            target=pledge,
            place_id=sponsor.community_id,
            data={"sponsor": sponsor.pk, "quarter": f"{year}Q{quarter}", "value": str(value)},
        )
    return pledge


def pledge_deliver(
    *, actor: Actor, pledge: Pledge, delivered_at: dt.datetime | None = None, note: str = ""
) -> Pledge:
    _manage(actor, _community(pledge.sponsor.community_id))
    note = _text(note, 200, _("交付说明"))
    with transaction.atomic(durable=True):
        locked = Pledge.objects.select_for_update().get(pk=pledge.pk)
        if locked.delivered_at is not None:
            raise Conflict(
                _("该赞助已于 %(when)s 登记交付")
                % {"when": timezone.localtime(locked.delivered_at).strftime("%Y-%m-%d")}
            )
        locked.delivered_at = delivered_at or timezone.now()
        locked.delivered_note = note
        locked.save(update_fields=["delivered_at", "delivered_note"])
        audit_record(
            actor=actor,
            action="shop.pledge_deliver",
            target=locked,
            place_id=pledge.sponsor.community_id,
            data={"note": locked.delivered_note},
        )
    return locked
