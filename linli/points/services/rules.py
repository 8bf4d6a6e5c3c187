from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.actors import Actor
from linli.core.errors import Conflict, NotFound, ValidationFailed
from linli.core.text import clean_int, clean_optional_int, clean_text
from linli.people.policies import acting_user
from linli.places.choices import PlaceKind
from linli.places.models import Place

from .. import policies
from ..choices import Awarders, Evidence, ExpiryPolicy, RuleCategory
from ..limits import MAX_CAP, MAX_POINTS
from ..models import CatalogVersion, PointsSettings, Rule
from ..policies import PointsAction

MAX_NAME = 60
MAX_DESCRIPTION = 300
MAX_DECISION = 300
MAX_KEEP_YEARS = 100
RULE_KEY = re.compile(r"[-a-zA-Z0-9_]{1,40}")


def _require(actor: Actor, action: str, place: Place) -> None:
    if not policies.can(actor, action, place):
        raise NotFound(_("找不到该对象，或您无权操作"))


def catalog_version_create(
    *, actor: Actor, community: Place, decision: str, decided_on: dt.date
) -> CatalogVersion:
    """Open a new catalogue version, recording the decision that adopted it."""
    if community.kind != PlaceKind.COMMUNITY:
        raise ValidationFailed(_("积分细则属于社区"))
    _require(actor, PointsAction.RULES_MANAGE, community)
    decision = clean_text(
        decision,
        limit=MAX_DECISION,
        required=_("请写明通过该版本细则的决定（会议、日期、表决结果）"),
        label=_("决定"),
    )
    with transaction.atomic(durable=True):
        last = CatalogVersion.objects.select_for_update().filter(community=community)
        number = (last.aggregate(n=Max("number"))["n"] or 0) + 1
        version = CatalogVersion.objects.create(
            community=community,
            number=number,
            decision=decision,
            decided_on=decided_on,
            created_by=acting_user(actor),
        )
        audit_record(
            actor=actor,
            action="points.catalog_version",
            target=version,
            place_id=community.pk,
            data={"number": number},
        )
    return version


def _clean_rule_fields(fields: dict[str, Any]) -> dict[str, Any]:
    name = clean_text(
        fields.get("name"),
        limit=MAX_NAME,
        required=_("规则名称不能为空，且不超过 60 个字"),
        label=_("规则名称"),
    )
    if fields.get("category") not in RuleCategory.values:
        raise ValidationFailed(_("请选择规则类别"))
    if fields.get("awarders", Awarders.STAFF) not in Awarders.values:
        raise ValidationFailed(_("请选择谁可以加分"))
    if fields.get("evidence", Evidence.NONE) not in Evidence.values:
        raise ValidationFailed(_("请选择所需凭证"))
    if "points_min" not in fields:
        raise ValidationFailed(_("分值必须是整数"))
    pmin = clean_int(fields["points_min"], min_value=1, max_value=MAX_POINTS, label=_("最低分"))
    pmax = clean_optional_int(
        fields.get("points_max") or None, min_value=1, max_value=MAX_POINTS, label=_("最高分")
    )
    pmax = pmin if pmax is None else pmax
    if pmax < pmin:
        raise ValidationFailed(_("分值必须是正整数，最高分不低于最低分"))
    caps: dict[str, int | None] = {}
    for cap in ("cap_day", "cap_month", "cap_quarter"):
        number = clean_optional_int(
            fields.get(cap), min_value=1, max_value=MAX_CAP, label=_("上限")
        )
        caps[cap] = number
        if number is not None and number < pmin:
            raise ValidationFailed(_("上限不能低于一次的最低分"))
    active_from = fields.get("active_from")
    active_until = fields.get("active_until")
    if not isinstance(active_from, dt.date):
        raise ValidationFailed(_("请填写生效日期"))
    if active_until is not None and active_until < active_from:
        raise ValidationFailed(_("失效日期不能早于生效日期"))
    return {
        "name": name,
        "category": fields["category"],
        "description": clean_text(
            fields.get("description"), limit=MAX_DESCRIPTION, multiline=True, label=_("说明")
        ),
        "points_min": pmin,
        "points_max": pmax,
        **caps,
        "awarders": fields.get("awarders", Awarders.STAFF),
        "evidence": fields.get("evidence", Evidence.NONE),
        "active_from": active_from,
        "active_until": active_until,
    }


def rule_create(*, actor: Actor, version: CatalogVersion, key: str, **fields: Any) -> Rule:
    community = Place.objects.get(pk=version.community_id)
    _require(actor, PointsAction.RULES_MANAGE, community)
    if not isinstance(key, str) or not RULE_KEY.fullmatch(key):
        raise ValidationFailed(_("编号只能由英文字母、数字、连字符和下划线组成（最多 40 个）"))
    clean = _clean_rule_fields(fields)
    with transaction.atomic(durable=True):
        if Rule.objects.filter(community=community, key=key).exists():
            raise Conflict(_("编号“%(key)s”已有规则；修改请另立新版本") % {"key": key})
        try:
            rule = Rule.objects.create(
                community=community, catalog_version=version, key=key, **clean
            )
        except IntegrityError as exc:
            raise Conflict(_("编号“%(key)s”已有规则") % {"key": key}) from exc
        audit_record(
            actor=actor,
            action="points.rule_create",
            target=rule,
            place_id=community.pk,
            data={"key": key, "version": version.number},
        )
    return rule


def rule_revise(*, actor: Actor, rule: Rule, version: CatalogVersion, **changes: Any) -> Rule:
    """A new version of a rule under a newer catalogue version. The old version ends the
    day before the new one starts; awards keep pointing at the version they were made under."""
    community = Place.objects.get(pk=rule.community_id)
    _require(actor, PointsAction.RULES_MANAGE, community)
    if version.community_id != rule.community_id:
        raise ValidationFailed(_("版本与规则不属于同一社区"))
    fields = {
        f: getattr(rule, f)
        for f in (
            "name",
            "category",
            "description",
            "points_min",
            "points_max",
            "cap_day",
            "cap_month",
            "cap_quarter",
            "awarders",
            "evidence",
            "active_from",
            "active_until",
        )
    }
    fields.update(changes)
    clean = _clean_rule_fields(fields)
    with transaction.atomic(durable=True):
        old = Rule.objects.select_for_update().get(pk=rule.pk)
        if Rule.objects.filter(supersedes=old).exists():
            raise Conflict(_("该规则已有更新的版本"))
        if version.number <= old.catalog_version.number:
            raise ValidationFailed(_("修改规则须在更新的细则版本下进行"))
        if clean["active_from"] <= old.active_from:
            raise ValidationFailed(_("新版本的生效日期必须晚于旧版本"))
        new = Rule.objects.create(
            community=community, catalog_version=version, key=old.key, supersedes=old, **clean
        )
        old.active_until = clean["active_from"] - dt.timedelta(days=1)
        old.save(update_fields=["active_until"])
        audit_record(
            actor=actor,
            action="points.rule_revise",
            target=new,
            place_id=community.pk,
            data={"key": old.key, "supersedes": old.pk},
        )
    return new


def points_settings_update(
    *, actor: Actor, community: Place, expiry_policy: str, keep_years: int = 2
) -> PointsSettings:
    _require(actor, PointsAction.RULES_MANAGE, community)
    if expiry_policy not in ExpiryPolicy.values:
        raise ValidationFailed(_("未知的过期规则"))
    if isinstance(keep_years, bool) or not isinstance(keep_years, int) or keep_years < 1:
        raise ValidationFailed(_("保留年数至少为 1"))
    if keep_years > MAX_KEEP_YEARS:
        raise ValidationFailed(_("保留年数不能超过 %(n)d") % {"n": MAX_KEEP_YEARS})
    with transaction.atomic(durable=True):
        settings_row, _created = PointsSettings.objects.select_for_update().get_or_create(
            community=community
        )
        settings_row.expiry_policy = expiry_policy
        settings_row.keep_years = keep_years
        settings_row.save()
        audit_record(
            actor=actor,
            action="points.settings",
            target=settings_row,
            place_id=community.pk,
            data={"expiry_policy": expiry_policy, "keep_years": keep_years},
        )
    return settings_row
