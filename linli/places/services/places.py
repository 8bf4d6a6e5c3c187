"""Writes to the place tree.

These are primitives without an actor: the place tree sits below people and roles in the
layers. ``linli.people.services.place_add`` is the actor-checked entry point for pages, the
admin and the API; imports and the demo loader call these inside their own transactions.
"""

from __future__ import annotations

import unicodedata

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from linli.core.errors import Conflict, ValidationFailed
from linli.core.text import clean_text

from ..choices import ANCESTOR_KINDS, KIND_ORDER, PlaceKind, depth_of
from ..models import Place

MAX_NAME = 64
MAX_PART = 16  # a household's unit and room (Place.unit, Place.room)


def _clean_name(name: str) -> str:
    return clean_text(name, limit=MAX_NAME, required=_("名称不能为空"), label=_("名称"))


def _fold(value: object) -> str:
    """Unit and room are codes (２单元２０１ is 2单元201): full-width letters and digits are
    folded (NFKC), as the resident import does, so a household is not created twice."""
    return unicodedata.normalize("NFKC", str(value or ""))


def clean_unit(unit: str) -> str:
    return clean_text(_fold(unit), limit=MAX_PART, label=_("单元"))


def clean_room(room: str) -> str:
    return clean_text(_fold(room), limit=MAX_PART, required=_("房号不能为空"), label=_("房号"))


def _check_parent(parent: Place | None, kind: str) -> None:
    if kind not in KIND_ORDER:
        raise ValidationFailed(_("未知的地点层级：%(kind)s") % {"kind": kind})
    if parent is None:
        if kind != PlaceKind.CITY:
            raise ValidationFailed(_("只有“市”可以没有上级"))
        return
    if depth_of(kind) <= depth_of(parent.kind):
        raise ValidationFailed(
            _("%(child)s 不能建在 %(parent)s 之下")
            % {"child": PlaceKind(kind).label, "parent": PlaceKind(parent.kind).label}
        )
    if kind == PlaceKind.HOUSEHOLD and parent.kind != PlaceKind.BUILDING:
        raise ValidationFailed(_("户只能建在楼栋之下"))


def place_create(
    *,
    parent: Place | None,
    kind: str,
    name: str,
    code: str = "",
    unit: str = "",
    room: str = "",
) -> Place:
    """Create a place under ``parent`` and fill its ancestor columns."""
    name = _clean_name(name)
    unit = clean_unit(unit)
    room = clean_text(_fold(room), limit=MAX_PART, label=_("房号"))
    code = (code or "").strip()
    if code and not (code.isdigit() and len(code) in (6, 9, 12)):
        raise ValidationFailed(_("区划代码应为 6、9 或 12 位数字"))
    _check_parent(parent, kind)
    place = Place(kind=kind, name=name, parent=parent, code=code, unit=unit, room=room)
    for k in ANCESTOR_KINDS:
        setattr(place, f"{k}_id", getattr(parent, f"{k}_id") if parent else None)
    try:
        with transaction.atomic():
            place.save()
            if kind in ANCESTOR_KINDS:
                setattr(place, f"{kind}_id", place.pk)
                place.save(update_fields=[f"{kind}_id"])
    except IntegrityError as exc:
        raise Conflict(
            _("“%(parent)s”下已有名为“%(name)s”的地点（或区划代码重复）")
            % {"parent": parent.name if parent else "", "name": name}
        ) from exc
    return place


def place_get_or_create(
    *, parent: Place | None, kind: str, name: str, code: str = "", unit: str = "", room: str = ""
) -> tuple[Place, bool]:
    """Idempotent create by (parent, name): used by imports and the demo loader."""
    existing = Place.objects.filter(parent=parent, name=_clean_name(name)).first()
    if existing is not None:
        if existing.kind != kind:
            raise Conflict(
                _("“%(name)s”已存在，但层级是%(kind)s")
                % {"name": existing.name, "kind": PlaceKind(existing.kind).label}
            )
        return existing, False
    return place_create(parent=parent, kind=kind, name=name, code=code, unit=unit, room=room), True


def place_rename(*, place: Place, name: str) -> Place:
    name = _clean_name(name)
    if Place.objects.filter(parent=place.parent, name=name).exclude(pk=place.pk).exists():
        raise Conflict(_("同一上级下已有名为“%(name)s”的地点") % {"name": name})
    place.name = name
    place.save(update_fields=["name"])
    return place


def household_name(unit: str, room: str) -> str:
    unit = clean_unit(unit)
    room = clean_text(_fold(room), limit=MAX_PART, label=_("房号"))
    return f"{unit}单元{room}" if unit else room
