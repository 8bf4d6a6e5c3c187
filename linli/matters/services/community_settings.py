"""A community's settings for matters and its working-day calendar overrides.

``matter_settings_update``: community staff, secretaries and operators set the quorum, the
ballot, the working days per referral kind, the rectification and 办不成事 deadlines and the
reminder window. New referrals, rectifications and flags use the new values; due dates
already given do not move.

``calendar_day_add`` / ``calendar_day_remove``: secretaries and operators enter the State
Council's holiday arrangement for a year ``chinesecalendar`` does not cover yet (or correct it):
a day off (放假) or a make-up workday (调休上班), with the notice as a note. An override for
every community (``community=None``) is for operators granted on a city only.

Each write: policy first (another community's settings are not found), one durable
transaction, an audit row with what changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.audit.services import audit_record
from linli.core.actors import Actor, is_system
from linli.core.errors import Conflict, NotFound, ValidationFailed
from linli.core.text import clean_text, parse_int
from linli.people import policies as people_policies
from linli.people.choices import Role
from linli.places.choices import PlaceKind
from linli.places.models import Place

from ..choices import SETTINGS_BOUNDS
from ..models import CalendarDay, MatterSettings
from ..policies import PERMISSIONS, MatterAction
from ..selectors import calendar_for

# Who may change them: the one table in ``matters.policies``.
SETTINGS_ROLES = PERMISSIONS[MatterAction.SETTINGS]
CALENDAR_ROLES = PERMISSIONS[MatterAction.CALENDAR]
MAX_NOTE = 100

# field → (lowest, highest, what the error says). Quorum: the law asks for more than half
# (城市居民委员会组织法), so a community may ask for more, never less. Rectification: local
# rules range from 2 to 15 working days.
_MESSAGES: dict[str, Any] = {
    "quorum_percent": gettext_lazy(
        "法定人数须在 50% 到 99% 之间（法律要求过半数出席，可以更高，不能更低）"
    ),
    "consultation_days": gettext_lazy("咨询办理期限须在 1 到 60 个工作日之间"),
    "help_days": gettext_lazy("求助办理期限须在 1 到 60 个工作日之间"),
    "suggestion_days": gettext_lazy("建议办理期限须在 1 到 60 个工作日之间"),
    "complaint_days": gettext_lazy("投诉办理期限须在 1 到 60 个工作日之间"),
    "rectification_days": gettext_lazy(
        "整改期限须在 2 到 15 个工作日之间（各地规定一般为 2 到 15 个工作日）"
    ),
    "flag_days": gettext_lazy("办不成事答复期限须在 1 到 30 个工作日之间"),
    "reminder_days": gettext_lazy("到期前提醒须在 0 到 10 个工作日之间（0 表示不提醒）"),
}
RANGES: dict[str, tuple[int, int, Any]] = {
    name: (low, high, _MESSAGES[name]) for name, (low, high) in SETTINGS_BOUNDS.items()
}
DUE_FIELDS = ("consultation_days", "help_days", "suggestion_days", "complaint_days")
FIELDS = (*RANGES, "secret_ballot")


def _community(place: Place) -> Place:
    if place.kind != PlaceKind.COMMUNITY:
        raise ValidationFailed(_("请选择社区"))
    return place


def can_edit_settings(actor: Actor, community: Place) -> bool:
    return people_policies.can_roles(actor, SETTINGS_ROLES, community)


def can_edit_calendar(actor: Actor, community: Place) -> bool:
    return people_policies.can_roles(actor, CALENDAR_ROLES, community)


def can_edit_global_calendar(actor: Actor) -> bool:
    """Overrides for every community: the system, or an operator granted on a city."""
    if is_system(actor):
        return True
    return any(
        g.role == Role.OPERATOR and g.place.kind == PlaceKind.CITY
        for g in people_policies.grants(actor)
    )


def _int(values: Mapping[str, Any], name: str, errors: dict[str, list[str]]) -> int | None:
    raw = values.get(name)
    low, high, message = RANGES[name]
    value = parse_int(raw)
    if value is None or not low <= value <= high:
        errors.setdefault(name, []).append(str(message))
        return None
    return value


def matter_settings_update(
    *, actor: Actor, community: Place, values: Mapping[str, Any]
) -> MatterSettings:
    """Set the community's matter settings from ``values`` (every field in ``FIELDS``; a
    missing one keeps its current value). Out-of-range values are refused, all at once, with
    the field each concerns; nothing changes then."""
    community = _community(community)
    if not can_edit_settings(actor, community):
        raise NotFound(_("找不到该社区"))
    current = MatterSettings.objects.filter(community=community).first() or MatterSettings(
        community=community
    )
    merged = {f: values.get(f, getattr(current, f)) for f in FIELDS}
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {name: _int(merged, name, errors) for name in RANGES}
    clean["secret_ballot"] = bool(merged["secret_ballot"])
    if not errors and clean["reminder_days"] >= min(clean[f] for f in DUE_FIELDS):
        errors["reminder_days"] = [_("到期前提醒的天数须少于最短的办理期限")]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, errors=errors)
    with transaction.atomic(durable=True):
        row = MatterSettings.objects.select_for_update().filter(community=community).first()
        created = row is None
        if row is None:
            row = MatterSettings(community=community)
        changes = {f: [getattr(row, f), clean[f]] for f in FIELDS if getattr(row, f) != clean[f]}
        if not changes and not created:
            return row
        for f, value in clean.items():
            setattr(row, f, value)
        row.save()
        audit_record(
            actor=actor,
            action="matters.settings",
            target=row,
            place_id=community.pk,
            data={"changes": changes, "created": created},
        )
    return row


def calendar_days_for_year(community: Place, year: int) -> list[CalendarDay]:
    """The overrides that apply to ``community`` in ``year``: its own and the global ones
    (a global one hidden by the community's own on the same date is left out)."""
    rows = list(
        CalendarDay.objects.filter(day__year=year)
        .filter(community_id__in=[community.pk])
        .order_by("day")
    )
    own = {r.day for r in rows}
    rows += [
        r
        for r in CalendarDay.objects.filter(day__year=year, community__isnull=True).order_by("day")
        if r.day not in own
    ]
    return sorted(rows, key=lambda r: (r.day, r.community_id is None))


def calendar_day_add(
    *,
    actor: Actor,
    community: Place | None,
    day: dt.date,
    is_workday: bool,
    note: str = "",
) -> CalendarDay:
    """Enter one date of the State Council's notice: a day off (``is_workday=False``) or a
    make-up workday. ``community=None``: for every community (operators on a city). A date
    that already has an override for the same scope is a conflict; an override that would
    change nothing (a Sunday marked as a day off) is refused."""
    if community is None:
        if not can_edit_global_calendar(actor):
            raise NotFound(_("找不到该社区"))
    else:
        community = _community(community)
        if not can_edit_calendar(actor, community):
            raise NotFound(_("找不到该社区"))
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise ValidationFailed(_("请填写日期"))
    if not 2000 <= day.year <= 2100:
        raise ValidationFailed(_("日期不正确"))
    note = clean_text(note, limit=MAX_NOTE, label=_("说明"))
    is_workday = bool(is_workday)
    community_id = community.pk if community is not None else None
    with transaction.atomic(durable=True):
        if CalendarDay.objects.filter(community_id=community_id, day=day).exists():
            raise Conflict(_("%(day)s 已有调整，请先删除再添加") % {"day": day.isoformat()})
        if calendar_for(community_id).is_workday(day) == is_workday:
            if is_workday:
                raise ValidationFailed(
                    _("%(day)s 本来就是工作日，无需设为调休上班") % {"day": day.isoformat()}
                )
            raise ValidationFailed(
                _("%(day)s 本来就是休息日，无需设为放假") % {"day": day.isoformat()}
            )
        try:
            with transaction.atomic():
                row = CalendarDay.objects.create(
                    community_id=community_id, day=day, is_workday=is_workday, note=note
                )
        except IntegrityError:
            raise Conflict(
                _("%(day)s 已有调整，请先删除再添加") % {"day": day.isoformat()}
            ) from None
        audit_record(
            actor=actor,
            action="matters.calendar.add",
            target=row,
            place_id=community_id,
            data={"day": day.isoformat(), "is_workday": is_workday, "note": note},
        )
    return row


def calendar_day_remove(*, actor: Actor, community: Place, pk: int) -> None:
    """Remove an override (the community's own; a global one needs an operator on a city)."""
    community = _community(community)
    row = CalendarDay.objects.filter(pk=pk).first()
    if row is None:
        raise NotFound(_("找不到该调整"))
    if row.community_id is None:
        if not can_edit_global_calendar(actor):
            raise NotFound(_("找不到该调整"))
    elif row.community_id != community.pk or not can_edit_calendar(actor, community):
        raise NotFound(_("找不到该调整"))
    with transaction.atomic(durable=True):
        locked = CalendarDay.objects.select_for_update().filter(pk=pk).first()
        if locked is None:
            raise NotFound(_("找不到该调整"))
        data = {
            "day": locked.day.isoformat(),
            "is_workday": locked.is_workday,
            "note": locked.note,
        }
        audit_record(
            actor=actor,
            action="matters.calendar.remove",
            target=locked,
            place_id=locked.community_id,
            data=data,
        )
        locked.delete()
