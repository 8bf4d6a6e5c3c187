"""Awards: 一次一登记 — one award per deed, registered once, never edited.

Every write here: checks policy, then in one durable transaction locks the resident
account(s) (creating them if needed), re-checks idempotency, source uniqueness and caps
(``ledger.caps``) *after* taking the lock, and has the ledger writer (``linli.points.ledger``)
write the award, its posting and entries, and its audit row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.actors import Actor, actor_memo
from linli.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from linli.core.quarters import local_date
from linli.core.text import clean_text, parse_int
from linli.core.texts import list_separator
from linli.core.uploads import AWARD_EVIDENCE, upload_check, upload_discard, upload_store
from linli.people.models import Resident

from .. import policies
from ..choices import AccountKind, AwardStatus, Evidence
from ..ledger import (
    Audit,
    cap_usage,
    cap_windows,
    check_caps,
    check_caps_many,
    hold,
    hold_many,
    user_id,
    write_approval,
    write_award,
    write_batch,
    write_reversal,
)
from ..limits import MAX_NOTE, MAX_POINTS, MAX_REASON
from ..locks import lock_award, system_account
from ..models import Award, AwardBatch, Rule
from ..policies import PointsAction

# Kept importable from here (callers and pages read the caps through the ledger).
__all__ = ["cap_usage", "cap_windows"]

MAX_KEY = 120


def clean_points(raw: object) -> int:
    """A whole, positive number of points, at most ``MAX_POINTS``. Refuses 0, negatives,
    fractions, booleans; reads full-width digits (１０)."""
    value = None if isinstance(raw, bool) else parse_int(raw)
    if value is None:
        raise ValidationFailed(
            _("分值必须是正整数") if isinstance(raw, bool) else _("分值必须是正整数（不能有小数）")
        )
    if value <= 0:
        raise ValidationFailed(_("分值必须是正整数"))
    if value > MAX_POINTS:
        raise ValidationFailed(_("分值不能超过 %(n)d 分") % {"n": MAX_POINTS})
    return value


def clean_note(raw: object) -> str:
    return clean_text(raw, limit=MAX_NOTE, multiline=True, label=_("事由与凭证"))


def clean_key(key: str) -> str:
    message = _("缺少请求编号（idempotency key），请刷新页面后重试")
    try:
        key = clean_text(key, limit=MAX_KEY, required=message)
    except ValidationFailed:
        raise ValidationFailed(message) from None
    return key


def _hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _source_key(rule: Rule, source_type: str, source_id: str, resident_id: int) -> str | None:
    if not source_type:
        return None
    return f"{rule.community_id}:{rule.key}:{source_type}:{source_id}:{resident_id}"[:200]


def _replay(existing: Award, request_hash: str) -> Award:
    if existing.request_hash != request_hash:
        raise Conflict(_("该请求编号已用于另一次不同的加分，请刷新页面后重新提交"))
    return existing


def _check_rule(rule: Rule, resident: Resident, points: int, when: dt.datetime) -> None:
    if resident.household.community_id != rule.community_id:
        raise ValidationFailed(_("该居民不属于这条规则所在的社区"))
    if not resident.is_current:
        raise ValidationFailed(_("该居民已迁出，不能再加分"))
    day = local_date(when)
    if day < rule.active_from or (rule.active_until and day > rule.active_until):
        raise ValidationFailed(
            _("规则“%(rule)s”在 %(day)s 不在有效期内") % {"rule": rule.name, "day": day}
        )
    if not rule.points_min <= points <= rule.points_max:
        if rule.is_fixed:
            raise ValidationFailed(
                _("规则“%(rule)s”固定为 %(n)d 分") % {"rule": rule.name, "n": rule.points_min}
            )
        raise ValidationFailed(
            _("规则“%(rule)s”的分值应在 %(a)d 到 %(b)d 之间")
            % {"rule": rule.name, "a": rule.points_min, "b": rule.points_max}
        )


def _check_evidence(rule: Rule, note: str, file: object, source_type: str) -> None:
    if rule.evidence == Evidence.PHOTO and not file:
        raise ValidationFailed(_("这条规则需要上传照片作为凭证"))
    if rule.evidence == Evidence.ACTIVITY and source_type != "activity":
        raise ValidationFailed(_("这条规则只能通过活动签到加分"))
    if rule.evidence == Evidence.MATTER and source_type != "matter":
        raise ValidationFailed(_("这条规则只能通过议事事项加分"))


def _own_residents(actor: Actor) -> list[Resident]:
    """The actor's own resident rows (none for SYSTEM or an anonymous actor: no query)."""
    user = actor.pk
    if not user:
        return []
    # Once per user object, i.e. once per request (like its grants).
    return list(
        actor_memo(
            actor,
            "_linli_own_residents",
            lambda: list(Resident.objects.filter(user_id=user).only("pk", "household_id")),
        )
    )


def _refuse_self(own: Sequence[Resident], resident: Resident) -> None:
    for me in own:
        if me.pk == resident.pk or me.household_id == resident.household_id:
            raise Forbidden(_("不能给自己或本户家人加分"))


def _check_not_self(actor: Actor, resident: Resident) -> None:
    _refuse_self(_own_residents(actor), resident)


def _paid(name: str) -> Conflict:
    return Conflict(_("这件事已经为 %(name)s 加过分了") % {"name": name})


def points_award(
    *,
    actor: Actor,
    resident: Resident,
    rule: Rule,
    points: object,
    idempotency_key: str,
    occurred_at: dt.datetime | None = None,
    evidence_note: str = "",
    evidence_file: UploadedFile | None = None,
    source_type: str = "",
    source_id: str = "",
) -> Award:
    """Staff award points (posted at once); a building leader's award is a proposal that
    waits for staff approval. A repeated request with the same key returns the first award."""
    key = clean_key(idempotency_key)
    when = occurred_at or timezone.now()
    household = resident.household
    mode = policies.award_mode(actor, household)
    if mode is None:
        raise NotFound(_("找不到该居民"))
    direct = mode == PointsAction.AWARD
    pts = clean_points(points)
    evidence_note = clean_note(evidence_note)
    request_hash = _hash(
        {
            "resident": resident.pk,
            "rule": rule.pk,
            "points": pts,
            "note": evidence_note,
            "source": [source_type, str(source_id)],
            "when": occurred_at,
        }
    )
    source_key = _source_key(rule, source_type, str(source_id), resident.pk)
    # The file is decoded and re-encoded (or refused) before anything else; stored only once
    # every check has passed, outside the lock, and removed again unless the award commits.
    checked = (
        upload_check(evidence_file, kind=AWARD_EVIDENCE, field="evidence_file")
        if evidence_file
        else None
    )

    def check() -> None:
        if not policies.rule_usable(mode, rule):
            raise Forbidden(_("这条规则只能由社区工作人员加分"))
        _check_not_self(actor, resident)
        _check_rule(rule, resident, pts, when)
        _check_evidence(rule, evidence_note, checked, source_type)

    def replay_or(refusal: DomainError) -> Award:
        """A replay of an earlier request returns its first result, even if (say) the rule
        has ended or the cap is reached since; a source already paid says so; anything else
        is refused as checked."""
        existing = Award.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return _replay(existing, request_hash)
        if source_key and Award.objects.filter(source_key=source_key).exists():
            raise _paid(resident.name) from refusal
        raise refusal

    stored: list[str] = []
    committed = False
    try:
        if checked is not None:
            try:
                check()
            except DomainError as refusal:
                return replay_or(refusal)
            stored.append(upload_store(checked, kind=AWARD_EVIDENCE))
        with transaction.atomic(durable=True):
            held = hold(resident, AccountKind.ISSUANCE)
            # Everything a concurrent request could change is checked under the lock. A used
            # key or an already-paid source is refused by the award table's unique
            # constraints when the row is written (handled below).
            try:
                check()
                check_caps(rule, resident, pts, when)
            except DomainError as refusal:
                return replay_or(refusal)
            now = timezone.now()
            award = Award(
                community_id=rule.community_id,
                rule=rule,
                resident=resident,
                points=pts,
                status=AwardStatus.POSTED if direct else AwardStatus.PROPOSED,
                occurred_at=when,
                evidence_note=evidence_note[:300],
                evidence_file=stored[0] if stored else "",
                source_type=source_type,
                source_id=str(source_id)[:64],
                source_key=source_key,
                proposed_by_id=None if direct else user_id(actor),
                awarded_by_id=user_id(actor) if direct else None,
                decided_at=now if direct else None,
                idempotency_key=key,
                request_hash=request_hash,
                created_at=now,
            )
            digest = hashlib.sha256(key.encode()).hexdigest()[:48]
            write_award(
                award,
                held=held,
                actor=actor,
                posting_key=f"award:{digest}",
                audit=Audit(
                    actor,
                    "points.award" if direct else "points.propose",
                    household.pk,
                    {"points": pts, "rule": rule.key, "resident": resident.pk},
                ),
            )
        committed = True
        return award
    except IntegrityError:
        # A used key or a paid source (a concurrent request may have won the race).
        existing = Award.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return _replay(existing, request_hash)
        if source_key and Award.objects.filter(source_key=source_key).exists():
            raise _paid(resident.name) from None
        raise
    finally:
        if not committed:
            upload_discard(stored)


def _award_for_decision(actor: Actor, award: Award) -> None:
    if not policies.can(actor, PointsAction.APPROVE, award.resident.household):
        raise NotFound(_("找不到该加分提议"))


def _refuse_decided(award: Award) -> None:
    if award.status != AwardStatus.PROPOSED:
        raise Conflict(
            _("该提议已处理（%(status)s），不能再审核") % {"status": award.get_status_display()}
        )


def award_approve(*, actor: Actor, award: Award) -> Award:
    """Staff approve a building leader's proposal: it is posted now, caps re-checked."""
    _award_for_decision(actor, award)
    resident = award.resident
    _check_not_self(actor, resident)
    with transaction.atomic(durable=True):
        held = hold(resident, AccountKind.ISSUANCE)
        locked = lock_award(award.pk)
        _refuse_decided(locked)
        check_caps(
            locked.rule,
            resident,
            locked.points,
            locked.occurred_at,
            exclude=locked.pk,
            include_proposed=False,
        )
        locked.status = AwardStatus.POSTED
        locked.awarded_by_id = user_id(actor)
        locked.decided_at = timezone.now()
        write_approval(
            locked,
            held=held,
            actor=actor,
            posting_key=f"approve:{locked.pk}",
            audit=Audit(actor, "points.approve", resident.household_id, {"points": locked.points}),
        )
    return locked


def award_reject(*, actor: Actor, award: Award, reason: str) -> Award:
    _award_for_decision(actor, award)
    reason = clean_text(
        reason, limit=MAX_REASON, required=_("驳回时请写明理由，楼栋长会看到"), label=_("理由")
    )
    with transaction.atomic(durable=True):
        locked = lock_award(award.pk)
        _refuse_decided(locked)
        locked.status = AwardStatus.REJECTED
        locked.reject_reason = reason[:200]
        locked.awarded_by_id = user_id(actor)
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "reject_reason", "awarded_by", "decided_at"])
        audit_record(
            actor=actor,
            action="points.reject",
            target=locked,
            place_id=award.resident.household_id,
            data={"reason": reason[:200]},
        )
    return locked


def award_reverse(*, actor: Actor, award: Award, reason: str) -> Award:
    """Correct a wrong award with a reversing posting that names the original."""
    if not policies.can(actor, PointsAction.REVERSE, award.resident.household):
        raise NotFound(_("找不到该加分记录"))
    reason = clean_text(reason, limit=MAX_REASON, required=_("冲正时请写明理由"), label=_("理由"))
    with transaction.atomic(durable=True):
        held = hold(award.resident, AccountKind.ISSUANCE)
        locked = lock_award(award.pk)
        if locked.status != AwardStatus.POSTED or locked.posting_id is None:
            raise Conflict(_("只有已入账的加分可以冲正"))
        write_reversal(
            locked,
            held=held,
            actor=actor,
            reason=reason[:200],
            now=timezone.now(),
            audit=Audit(
                actor,
                "points.reverse",
                award.resident.household_id,
                {"reason": reason[:200], "posting": locked.posting_id},
            ),
        )
    return locked


def points_award_batch(
    *,
    actor: Actor,
    rule: Rule,
    residents: Sequence[Resident],
    points: object,
    idempotency_key: str,
    occurred_at: dt.datetime | None = None,
    source_type: str = "",
    source_id: str = "",
    evidence_note: str = "",
) -> AwardBatch:
    """One rule to many residents in one transaction: all are awarded or none is."""
    key = clean_key(idempotency_key)
    when = occurred_at or timezone.now()
    pts = clean_points(points)
    evidence_note = clean_note(evidence_note)
    residents = sorted({r.pk: r for r in residents}.values(), key=lambda r: r.pk)
    if not residents:
        raise ValidationFailed(_("请至少选择一位居民"))
    request_hash = _hash(
        {
            "rule": rule.pk,
            "points": pts,
            "residents": [r.pk for r in residents],
            "source": [source_type, str(source_id)],
            "when": occurred_at,
            "note": evidence_note,
        }
    )
    existing = _batch_replay(key, request_hash)
    if existing is not None:
        return existing
    own = _own_residents(actor)
    for resident in residents:
        if not policies.can(actor, PointsAction.AWARD, resident.household):
            raise NotFound(_("找不到居民 %(name)s") % {"name": resident.name})
        _refuse_self(own, resident)
        _check_rule(rule, resident, pts, when)
    _check_evidence(rule, evidence_note, None, source_type)
    try:
        with transaction.atomic(durable=True):
            accounts = hold_many(residents)
            existing = _batch_replay(key, request_hash)
            if existing is not None:
                return existing
            keys = {r.pk: _source_key(rule, source_type, str(source_id), r.pk) for r in residents}
            dupes = set(
                Award.objects.filter(source_key__in=[k for k in keys.values() if k]).values_list(
                    "resident__name", flat=True
                )
            )
            if dupes:
                raise Conflict(
                    _("这件事已经为 %(names)s 加过分了")
                    % {"names": list_separator().join(sorted(dupes))}
                )
            check_caps_many(rule, residents, pts, when)
            batch = AwardBatch.objects.create(
                community_id=rule.community_id,
                rule=rule,
                idempotency_key=key,
                request_hash=request_hash,
                source_type=source_type,
                source_id=str(source_id),
                created_by_id=user_id(actor),
                size=len(residents),
            )
            now = timezone.now()
            awards = [
                Award(
                    community_id=rule.community_id,
                    rule=rule,
                    resident=r,
                    points=pts,
                    status=AwardStatus.POSTED,
                    occurred_at=when,
                    evidence_note=evidence_note[:300],
                    source_type=batch.source_type,
                    source_id=batch.source_id[:64],
                    source_key=keys[r.pk],
                    awarded_by_id=user_id(actor),
                    decided_at=now,
                    batch=batch,
                    idempotency_key=f"batch:{batch.pk}#{r.pk}",
                    request_hash=batch.request_hash,
                    created_at=now,
                )
                for r in residents
            ]
            write_batch(
                awards,
                accounts=accounts,
                issuance=system_account(rule.community_id, AccountKind.ISSUANCE),
                actor=actor,
                posting_key=f"batch:{batch.pk}:{{resident}}",
            )
            audit_record(
                actor=actor,
                action="points.award_batch",
                target=batch,
                place_id=rule.community_id,
                data={"rule": rule.key, "points": pts, "count": len(residents)},
            )
            return batch
    except IntegrityError:
        existing = AwardBatch.objects.filter(idempotency_key=key).first()
        if existing is not None and existing.request_hash == request_hash:
            return existing
        raise Conflict(_("这批加分与另一次提交冲突，请刷新后查看结果")) from None


def _batch_replay(key: str, request_hash: str) -> AwardBatch | None:
    existing = AwardBatch.objects.filter(idempotency_key=key).first()
    if existing is not None and existing.request_hash != request_hash:
        raise Conflict(_("该请求编号已用于另一次不同的批量加分"))
    return existing
