from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.actors import Actor
from linli.core.errors import Conflict, ValidationFailed
from linli.core.phones import normalize_mobile
from linli.core.pinyin import pinyin_keys
from linli.core.text import clean_text, parse_int
from linli.places.choices import PlaceKind
from linli.places.models import Place
from linli.places.services.places import (
    clean_room,
    clean_unit,
    household_name,
    place_get_or_create,
)

from ..choices import Gender
from ..locks import lock_resident
from ..models import Resident
from ..policies import Action
from ._common import require

MAX_NAME = 32


def clean_name(raw: object) -> str:
    """A person's name through the shared hygiene (``linli.core.text``)."""
    return clean_text(raw, limit=MAX_NAME, required=_("姓名不能为空"), label=_("姓名"))


def clean_birth_year(raw: object) -> int | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    year = None if isinstance(raw, bool) else parse_int(raw)
    if year is None:
        raise ValidationFailed(_("出生年份“%(v)s”不是数字") % {"v": str(raw)[:10]})
    this_year = timezone.localdate().year
    if not 1900 <= year <= this_year:
        raise ValidationFailed(_("出生年份应在 1900 到 %(y)d 之间") % {"y": this_year})
    return year


def clean_gender(raw: object) -> str:
    text = str(raw or "").strip()
    mapping = {
        "男": Gender.MALE,
        "M": Gender.MALE,
        "m": Gender.MALE,
        "女": Gender.FEMALE,
        "F": Gender.FEMALE,
        "f": Gender.FEMALE,
        "": Gender.UNKNOWN,
    }
    if text not in mapping:
        raise ValidationFailed(_("性别应填“男”或“女”"))
    return str(mapping[text])


def phone_in_use(phone: str, *, exclude_pk: int | None = None) -> bool:
    qs = Resident.objects.filter(phone=phone, moved_out__isnull=True)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def resident_create(
    *,
    actor: Actor,
    household: Place,
    name: str,
    phone: str = "",
    gender: str = "",
    birth_year: int | None = None,
    moved_in: dt.date | None = None,
    note: str = "",
) -> Resident:
    """Register a resident in an existing household."""
    if household.kind != PlaceKind.HOUSEHOLD:
        raise ValidationFailed(_("居民必须属于一户"))
    require(actor, Action.RESIDENT_MANAGE, household)
    with transaction.atomic(durable=True):
        return _create(
            actor=actor,
            household=household,
            name=name,
            phone=phone,
            gender=gender,
            birth_year=birth_year,
            moved_in=moved_in,
            note=note,
        )


def resident_register(
    *,
    actor: Actor,
    building: Place,
    unit: str,
    room: str,
    name: str,
    phone: str = "",
    gender: str = "",
    birth_year: int | None = None,
    moved_in: dt.date | None = None,
) -> Resident:
    """Register a resident by building, unit and room, creating the household if it is new.
    One transaction: a refused resident leaves no new household behind."""
    if building.kind != PlaceKind.BUILDING:
        raise ValidationFailed(_("请选择楼栋"))
    require(actor, Action.RESIDENT_MANAGE, building)
    unit, room = clean_unit(unit), clean_room(room)
    with transaction.atomic(durable=True):
        household, _created = place_get_or_create(
            parent=building,
            kind=PlaceKind.HOUSEHOLD,
            name=household_name(unit, room),
            unit=unit,
            room=room,
        )
        return _create(
            actor=actor,
            household=household,
            name=name,
            phone=phone,
            gender=gender,
            birth_year=birth_year,
            moved_in=moved_in,
            note="",
        )


def _create(
    *,
    actor: Actor,
    household: Place,
    name: str,
    phone: str,
    gender: str,
    birth_year: int | None,
    moved_in: dt.date | None,
    note: str,
) -> Resident:
    name = clean_name(name)
    phone = normalize_mobile(phone) if phone else ""
    gender = clean_gender(gender)
    year = clean_birth_year(birth_year)
    full, initials = pinyin_keys(name)
    if phone and phone_in_use(phone):
        raise Conflict(_("手机号 %(phone)s 已登记给另一位在住居民") % {"phone": phone})
    try:
        with transaction.atomic():
            resident = Resident.objects.create(
                name=name,
                phone=phone,
                gender=gender,
                birth_year=year,
                household=household,
                moved_in=moved_in,
                pinyin_full=full,
                pinyin_initials=initials,
                note=clean_text(note, limit=200, multiline=True, label=_("备注")),
            )
    except IntegrityError as exc:
        raise Conflict(_("手机号 %(phone)s 已登记给另一位在住居民") % {"phone": phone}) from exc
    audit_record(
        actor=actor,
        action="resident.create",
        target=resident,
        place_id=household.pk,
        data={"name": name},
    )
    return resident


EDITABLE = {
    "name",
    "phone",
    "gender",
    "birth_year",
    "moved_in",
    "note",
    "public_consent",
    "household",
}


def resident_update(*, actor: Actor, resident: Resident, **changes: Any) -> Resident:
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValidationFailed(_("不能修改这些字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    require(actor, Action.RESIDENT_MANAGE, resident.household)
    if "household" in changes:
        require(actor, Action.RESIDENT_MANAGE, changes["household"])
    with transaction.atomic(durable=True):
        locked = lock_resident(resident.pk)
        before: dict[str, Any] = {}
        for field, value in changes.items():
            if field == "name":
                value = clean_name(value)
                locked.pinyin_full, locked.pinyin_initials = pinyin_keys(value)
            elif field == "phone":
                value = normalize_mobile(value) if value else ""
                if value and locked.is_current and phone_in_use(value, exclude_pk=locked.pk):
                    raise Conflict(_("手机号 %(phone)s 已登记给另一位在住居民") % {"phone": value})
            elif field == "gender":
                value = clean_gender(value)
            elif field == "birth_year":
                value = clean_birth_year(value)
            elif field == "note":
                value = clean_text(value, limit=200, multiline=True, label=_("备注"))
            before[field] = str(getattr(locked, field))
            setattr(locked, field, value)
        locked.save()
        audit_record(
            actor=actor,
            action="resident.update",
            target=locked,
            place_id=locked.household_id,
            data={"fields": sorted(changes), "before": before},
        )
    return locked


def resident_move_out(*, actor: Actor, resident: Resident, on: dt.date) -> Resident:
    """Mark a resident as moved out. The row, their points and their history stay."""
    require(actor, Action.RESIDENT_MANAGE, resident.household)
    with transaction.atomic(durable=True):
        locked = lock_resident(resident.pk)
        if locked.moved_out is not None:
            raise Conflict(_("该居民已于 %(d)s 迁出") % {"d": locked.moved_out.isoformat()})
        if locked.moved_in and on < locked.moved_in:
            raise ValidationFailed(_("迁出日期不能早于入住日期"))
        locked.moved_out = on
        locked.save(update_fields=["moved_out", "updated_at"])
        for membership in locked.memberships.filter(ended_on__isnull=True):
            membership.ended_on = on
            membership.save(update_fields=["ended_on"])
        audit_record(
            actor=actor,
            action="resident.move_out",
            target=locked,
            place_id=locked.household_id,
            data={"on": on.isoformat()},
        )
    return locked
