"""Awards: 一次一登记 — one award per deed, registered once, never edited.

Every write here: checks policy, then in one durable transaction locks the resident
account(s) (creating them if needed), re-checks idempotency, source uniqueness and caps
*after* taking the lock, writes the award, its posting and entries, and an audit row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_actor_and_data, audit_record
from linli.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from linli.core.quarters import day_bounds, local_date, month_bounds, quarter_of, start_of_day
from linli.core.text import clean_text, parse_int
from linli.core.texts import list_separator
from linli.core.uploads import AWARD_EVIDENCE, upload_check, upload_discard, upload_store
from linli.people.models import Resident

from .. import policies
from ..choices import AccountKind, AwardStatus, Evidence, PostingKind
from ..limits import MAX_NOTE, MAX_POINTS, MAX_REASON
from ..locks import lock_award, lock_resident_account, lock_resident_accounts, system_account
from ..models import Account, Award, AwardBatch, Rule
from ..policies import PointsAction
from . import sql
from .ledger import Line, post

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


def _check_evidence(rule: Rule, note: str, file: Any, source_type: str) -> None:
    if rule.evidence == Evidence.PHOTO and not file:
        raise ValidationFailed(_("这条规则需要上传照片作为凭证"))
    if rule.evidence == Evidence.ACTIVITY and source_type != "activity":
        raise ValidationFailed(_("这条规则只能通过活动签到加分"))
    if rule.evidence == Evidence.MATTER and source_type != "matter":
        raise ValidationFailed(_("这条规则只能通过议事事项加分"))


def _own_residents(actor: Any) -> list[Resident]:
    """The actor's own resident rows (none for SYSTEM or an anonymous actor: no query)."""
    user_id = getattr(actor, "pk", None)
    if not user_id:
        return []
    cached = getattr(actor, "_linli_own_residents", None)
    if cached is None:  # once per user object, i.e. once per request (like its grants)
        cached = list(Resident.objects.filter(user_id=user_id).only("pk", "household_id"))
        actor._linli_own_residents = cached
    return list(cached)


def _refuse_self(own: Sequence[Resident], resident: Resident) -> None:
    for me in own:
        if me.pk == resident.pk or me.household_id == resident.household_id:
            raise Forbidden(_("不能给自己或本户家人加分"))


def _check_not_self(actor: Any, resident: Resident) -> None:
    _refuse_self(_own_residents(actor), resident)


def cap_usage(
    rule: Rule,
    resident_id: int,
    when: dt.datetime,
    *,
    exclude: int | None = None,
    include_proposed: bool = True,
) -> dict[str, int]:
    """Points already counted against each of the rule's caps for this resident."""
    return _cap_usage_many(
        rule, [resident_id], when, exclude=exclude, include_proposed=include_proposed
    )[resident_id]


def cap_windows(when: dt.datetime) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    """The day, month and quarter (China time) that contain ``when``, as [start, end)."""
    day = local_date(when)
    quarter = quarter_of(day)
    windows = {
        "cap_day": day_bounds(day),
        "cap_month": month_bounds(day),
        "cap_quarter": (quarter.start, quarter.end),
    }
    return {cap: (start_of_day(a), start_of_day(b)) for cap, (a, b) in windows.items()}


def _cap_usage_many(
    rule: Rule,
    resident_ids: Sequence[int],
    when: dt.datetime,
    *,
    exclude: int | None = None,
    include_proposed: bool = True,
) -> dict[int, dict[str, int]]:
    """``cap_usage`` for many residents in one query: resident id → cap → points used.
    Every cap window contains ``when``'s day, so one range bounds them all and each sum
    filters its own window."""
    active = {cap: bounds for cap, bounds in cap_windows(when).items() if getattr(rule, cap)}
    used: dict[int, dict[str, int]] = {pk: dict.fromkeys(active, 0) for pk in resident_ids}
    if not active:
        return used
    statuses = [AwardStatus.POSTED]
    if include_proposed:
        statuses.append(AwardStatus.PROPOSED)
    qs = Award.objects.filter(
        resident_id__in=list(used),
        rule__community_id=rule.community_id,
        rule__key=rule.key,
        status__in=statuses,
        occurred_at__gte=min(start for start, _end in active.values()),
        occurred_at__lt=max(end for _start, end in active.values()),
    )
    if exclude:
        qs = qs.exclude(pk=exclude)
    sums = {
        cap: Sum("points", filter=Q(occurred_at__gte=start, occurred_at__lt=end))
        for cap, (start, end) in active.items()
    }
    for row in qs.order_by().values("resident_id").annotate(**sums):
        used[row["resident_id"]] = {cap: row[cap] or 0 for cap in active}
    return used


_CAP_LABELS = {"cap_day": "每日", "cap_month": "每月", "cap_quarter": "每季度"}


def _check_caps(rule: Rule, resident: Resident, points: int, when: dt.datetime, **kw: Any) -> None:
    _refuse_over_cap(rule, resident, points, cap_usage(rule, resident.pk, when, **kw))


def _refuse_over_cap(rule: Rule, resident: Resident, points: int, usage: dict[str, int]) -> None:
    for cap, used in usage.items():
        limit = getattr(rule, cap)
        if used + points > limit:
            raise Conflict(
                _("超出“%(rule)s”%(period)s上限 %(limit)d 分：%(name)s 已有 %(used)d 分")
                % {
                    "rule": rule.name,
                    "period": _(_CAP_LABELS[cap]),
                    "limit": limit,
                    "name": resident.name,
                    "used": used,
                }
            )


def _post_award(award: Award, account: Account, actor: Any, posting_key: str) -> None:
    """Post the award's entries; the award row is saved by the caller afterwards (a posted
    award must name its posting: a CHECK constraint)."""
    issuance = system_account(award.community_id, AccountKind.ISSUANCE)
    award.posting = post(
        community_id=award.community_id,
        kind=PostingKind.AWARD,
        lines=[Line(issuance, -award.points), Line(account, award.points)],
        occurred_at=award.occurred_at,
        idempotency_key=posting_key,
        created_by=actor,
        memo=award.rule.name,
    )


def points_award(
    *,
    actor: Any,
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

    stored: list[str] = []
    committed = False
    try:
        if direct and checked is None and sql.available():
            # The replay check happens under the lock, before ``check``: a repeated request
            # returns its first result even if, say, the rule has ended since.
            return _award_sql(
                actor,
                resident,
                rule,
                pts,
                when,
                key,
                request_hash,
                evidence_note,
                source_type,
                str(source_id),
                source_key,
                check,
            )
        existing = Award.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return _replay(existing, request_hash)
        check()
        if checked is not None:
            stored.append(upload_store(checked, kind=AWARD_EVIDENCE))
        with transaction.atomic(durable=True):
            account = lock_resident_account(resident)
            # Re-check everything that a concurrent request could have changed, under the lock.
            existing = Award.objects.filter(idempotency_key=key).first()
            if existing is not None:
                return _replay(existing, request_hash)
            if source_key and Award.objects.filter(source_key=source_key).exists():
                raise Conflict(_("这件事已经为 %(name)s 加过分了") % {"name": resident.name})
            _check_caps(rule, resident, pts, when)
            award = Award(
                community_id=rule.community_id,
                rule=rule,
                resident=resident,
                points=pts,
                status=AwardStatus.POSTED if direct else AwardStatus.PROPOSED,
                occurred_at=when,
                evidence_note=evidence_note[:300],
                source_type=source_type,
                source_id=str(source_id)[:64],
                source_key=source_key,
                proposed_by=None if direct else actor,
                awarded_by=actor if direct and getattr(actor, "pk", None) else None,
                decided_at=timezone.now() if direct else None,
                idempotency_key=key,
                request_hash=request_hash,
            )
            if stored:
                award.evidence_file = stored[0]
            if direct:
                digest = hashlib.sha256(key.encode()).hexdigest()[:48]
                _post_award(award, account, actor, posting_key=f"award:{digest}")
            award.save()
            audit_record(
                actor=actor,
                action="points.award" if direct else "points.propose",
                target=award,
                place_id=household.pk,
                data={"points": pts, "rule": rule.key, "resident": resident.pk},
            )
        committed = True
        return award
    except IntegrityError:
        # A concurrent request with the same key or source won the race.
        existing = Award.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return _replay(existing, request_hash)
        if source_key and Award.objects.filter(source_key=source_key).exists():
            raise Conflict(_("这件事已经为 %(name)s 加过分了") % {"name": resident.name}) from None
        raise
    finally:
        if not committed:
            upload_discard(stored)


def _award_sql(
    actor: Any,
    resident: Resident,
    rule: Rule,
    pts: int,
    when: dt.datetime,
    key: str,
    request_hash: str,
    note: str,
    source_type: str,
    source_id: str,
    source_key: str | None,
    check: Callable[[], None],
) -> Award:
    """``points_award``'s direct path on PostgreSQL: the same locks and checks, in four
    statements (lock; checks; posting + entries + balance + award; audit)."""
    with transaction.atomic(durable=True):
        locked = sql.lock_account(resident.pk)
        if locked is None:  # first award for this resident: create the account, then lock
            lock_resident_account(resident)
            locked = sql.lock_account(resident.pk)
            assert locked is not None
        account_id, _balance, issuance_id = locked
        if issuance_id is None:
            issuance_id = system_account(rule.community_id, AccountKind.ISSUANCE).pk
        windows = cap_windows(when)

        def why_not() -> Award:
            """The award was not written: say why, or return the first result of a replay."""
            existing_id, paid, usage = sql.checks(
                key=key,
                source_key=source_key,
                resident_id=resident.pk,
                community_id=rule.community_id,
                rule_key=rule.key,
                windows=windows,
            )
            if existing_id is not None:
                return _replay(Award.objects.get(pk=existing_id), request_hash)
            if paid:
                raise Conflict(_("这件事已经为 %(name)s 加过分了") % {"name": resident.name})
            _refuse_over_cap(
                rule, resident, pts, {c: u for c, u in usage.items() if getattr(rule, c)}
            )
            raise RuntimeError("award refused, but no check explains why")

        try:
            check()
        except DomainError:
            # A replay of an earlier request returns its first result, even if (say) the
            # rule has ended since; anything else is refused as the check said.
            existing_id = sql.checks(
                key=key,
                source_key=None,
                resident_id=resident.pk,
                community_id=rule.community_id,
                rule_key=rule.key,
                windows=windows,
            )[0]
            if existing_id is not None:
                return _replay(Award.objects.get(pk=existing_id), request_hash)
            raise
        now = timezone.now()
        by = actor.pk if isinstance(getattr(actor, "pk", None), int) else None
        digest = hashlib.sha256(key.encode()).hexdigest()[:48]
        audit_actor, audit_data = audit_actor_and_data(
            actor, {"points": pts, "rule": rule.key, "resident": resident.pk}
        )
        values = {
            "community": rule.community_id,
            "rule": rule.pk,
            "resident": resident.pk,
            "rule_key": rule.key,
            "points": pts,
            "when": when,
            "now": now,
            "by": by,
            "memo": rule.name[:200],
            "note": note[:300],
            "source_type": source_type,
            "source_id": source_id[:64],
            "source_key": source_key,
            "key": key,
            "hash": request_hash,
            "posting_key": f"award:{digest}",
            "issuance": issuance_id,
            "account": account_id,
            "cap_day": rule.cap_day,
            "cap_month": rule.cap_month,
            "cap_quarter": rule.cap_quarter,
            **sql.window_params(windows),
            # The audit row is written by the same statement (see sql.AWARD).
            "audit_actor": audit_actor,
            "audit_data": audit_data,
            "place": resident.household_id,
        }
        written = sql.insert_award(values)
        if written is None:
            return why_not()
        award_id, posting_id = written
        award = Award(
            pk=award_id,
            community_id=rule.community_id,
            rule=rule,
            resident=resident,
            points=pts,
            status=AwardStatus.POSTED,
            occurred_at=when,
            evidence_note=note[:300],
            source_type=source_type,
            source_id=source_id[:64],
            source_key=source_key,
            awarded_by_id=by,
            decided_at=now,
            posting_id=posting_id,
            idempotency_key=key,
            request_hash=request_hash,
            created_at=now,
        )
        award._state.adding = False
        award._state.db = "default"
        return award


def _award_for_decision(actor: Any, award: Award) -> None:
    if not policies.can(actor, PointsAction.APPROVE, award.resident.household):
        raise NotFound(_("找不到该加分提议"))


def award_approve(*, actor: Any, award: Award) -> Award:
    """Staff approve a building leader's proposal: it is posted now, caps re-checked."""
    _award_for_decision(actor, award)
    resident = award.resident
    _check_not_self(actor, resident)
    with transaction.atomic(durable=True):
        account = lock_resident_account(resident)
        locked = lock_award(award.pk)
        if locked.status != AwardStatus.PROPOSED:
            raise Conflict(
                _("该提议已处理（%(status)s），不能再审核")
                % {"status": locked.get_status_display()}
            )
        _check_caps(
            locked.rule,
            resident,
            locked.points,
            locked.occurred_at,
            exclude=locked.pk,
            include_proposed=False,
        )
        locked.status = AwardStatus.POSTED
        locked.awarded_by = actor if getattr(actor, "pk", None) else None
        locked.decided_at = timezone.now()
        _post_award(locked, account, actor, posting_key=f"approve:{locked.pk}")
        locked.save(update_fields=["status", "awarded_by", "decided_at", "posting"])
        audit_record(
            actor=actor,
            action="points.approve",
            target=locked,
            place_id=resident.household_id,
            data={"points": locked.points},
        )
    return locked


def award_reject(*, actor: Any, award: Award, reason: str) -> Award:
    _award_for_decision(actor, award)
    reason = clean_text(
        reason, limit=MAX_REASON, required=_("驳回时请写明理由，楼栋长会看到"), label=_("理由")
    )
    with transaction.atomic(durable=True):
        locked = lock_award(award.pk)
        if locked.status != AwardStatus.PROPOSED:
            raise Conflict(
                _("该提议已处理（%(status)s），不能再审核")
                % {"status": locked.get_status_display()}
            )
        locked.status = AwardStatus.REJECTED
        locked.reject_reason = reason[:200]
        locked.awarded_by = actor if getattr(actor, "pk", None) else None
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


def award_reverse(*, actor: Any, award: Award, reason: str) -> Award:
    """Correct a wrong award with a reversing posting that names the original."""
    if not policies.can(actor, PointsAction.REVERSE, award.resident.household):
        raise NotFound(_("找不到该加分记录"))
    reason = clean_text(reason, limit=MAX_REASON, required=_("冲正时请写明理由"), label=_("理由"))
    with transaction.atomic(durable=True):
        account = lock_resident_account(award.resident)
        locked = lock_award(award.pk)
        if locked.status != AwardStatus.POSTED or locked.posting is None:
            raise Conflict(_("只有已入账的加分可以冲正"))
        original = locked.posting
        issuance = system_account(locked.community_id, AccountKind.ISSUANCE)
        post(
            community_id=locked.community_id,
            kind=PostingKind.REVERSAL,
            lines=[Line(account, -locked.points), Line(issuance, locked.points)],
            occurred_at=timezone.now(),
            idempotency_key=f"reversal:{original.pk}",
            created_by=actor,
            memo=reason[:200],
            reverses=original,
        )
        locked.status = AwardStatus.REVERSED
        locked.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="points.reverse",
            target=locked,
            place_id=award.resident.household_id,
            data={"reason": reason[:200], "posting": original.pk},
        )
    return locked


def points_award_batch(
    *,
    actor: Any,
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
    existing = AwardBatch.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if existing.request_hash != request_hash:
            raise Conflict(_("该请求编号已用于另一次不同的批量加分"))
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
            account_ids = _lock_batch_accounts(residents)
            existing = AwardBatch.objects.filter(idempotency_key=key).first()
            if existing is not None:
                if existing.request_hash != request_hash:
                    raise Conflict(_("该请求编号已用于另一次不同的批量加分"))
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
            _check_batch_caps(rule, residents, pts, when)
            batch = AwardBatch.objects.create(
                community_id=rule.community_id,
                rule=rule,
                idempotency_key=key,
                request_hash=request_hash,
                source_type=source_type,
                source_id=str(source_id),
                created_by=actor if getattr(actor, "pk", None) else None,
                size=len(residents),
            )
            if sql.available():
                _bulk_post_sql(
                    actor, rule, batch, residents, account_ids, pts, when, keys, evidence_note
                )
            else:
                _bulk_post(
                    actor, rule, batch, residents, account_ids, pts, when, keys, evidence_note
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


def _check_batch_caps(
    rule: Rule, residents: Sequence[Resident], pts: int, when: dt.datetime
) -> None:
    if rule.cap_day is None and rule.cap_month is None and rule.cap_quarter is None:
        return
    usage = _cap_usage_many(rule, [r.pk for r in residents], when)
    for resident in residents:
        _refuse_over_cap(rule, resident, pts, usage[resident.pk])


def _lock_batch_accounts(residents: Sequence[Resident]) -> dict[int, int]:
    """Lock the residents' accounts in primary-key order: resident id → account id."""
    if sql.available():
        ids = sql.lock_accounts([r.pk for r in residents])
        if len(ids) == len(residents):
            return ids
    return {rid: account.pk for rid, account in lock_resident_accounts(residents).items()}


def _bulk_post_sql(
    actor: Any,
    rule: Rule,
    batch: AwardBatch,
    residents: Sequence[Resident],
    accounts: dict[int, int],
    pts: int,
    when: dt.datetime,
    keys: dict[int, str | None],
    note: str,
) -> None:
    """``_bulk_post`` on PostgreSQL: every posting, entry, balance and award of the batch in
    one statement."""
    issuance = system_account(rule.community_id, AccountKind.ISSUANCE)
    written = sql.insert_batch(
        residents=[r.pk for r in residents],
        accounts=[accounts[r.pk] for r in residents],
        source_keys=[keys[r.pk] for r in residents],
        params={
            "community": rule.community_id,
            "rule": rule.pk,
            "points": pts,
            "when": when,
            "now": timezone.now(),
            "by": actor.pk if isinstance(getattr(actor, "pk", None), int) else None,
            "memo": rule.name[:200],
            "note": note[:300],
            "source_type": batch.source_type,
            "source_id": batch.source_id,
            "batch": batch.pk,
            "hash": batch.request_hash,
            "issuance": issuance.pk,
            "posting_prefix": f"batch:{batch.pk}:",
            "key_prefix": f"batch:{batch.pk}#",
        },
    )
    if written != len(residents):
        raise RuntimeError(f"batch {batch.pk}: wrote {written} awards for {len(residents)}")


def _bulk_post(
    actor: Any,
    rule: Rule,
    batch: AwardBatch,
    residents: Sequence[Resident],
    accounts: dict[int, int],
    pts: int,
    when: dt.datetime,
    keys: dict[int, str | None],
    note: str,
) -> None:
    """The batch's awards, postings and entries with a handful of bulk statements."""
    from django.db.models import F

    from ..models import Entry, Posting

    issuance = system_account(rule.community_id, AccountKind.ISSUANCE)
    now = timezone.now()
    by = actor if getattr(actor, "pk", None) else None
    postings = Posting.objects.bulk_create(
        [
            Posting(
                community_id=rule.community_id,
                kind=PostingKind.AWARD,
                memo=rule.name,
                occurred_at=when,
                created_by=by,
                idempotency_key=f"batch:{batch.pk}:{r.pk}",
            )
            for r in residents
        ]
    )
    entries = []
    for posting, resident in zip(postings, residents, strict=True):
        entries.append(Entry(posting=posting, account=issuance, amount=-pts))
        entries.append(Entry(posting=posting, account_id=accounts[resident.pk], amount=pts))
    Entry.objects.bulk_create(entries, batch_size=5000)
    Award.objects.bulk_create(
        [
            Award(
                community_id=rule.community_id,
                rule=rule,
                resident=r,
                points=pts,
                status=AwardStatus.POSTED,
                occurred_at=when,
                evidence_note=note[:300],
                source_type=batch.source_type,
                source_id=batch.source_id,
                source_key=keys[r.pk],
                awarded_by=by,
                decided_at=now,
                posting=p,
                batch=batch,
                idempotency_key=f"batch:{batch.pk}#{r.pk}",
                request_hash=batch.request_hash,
            )
            for r, p in zip(residents, postings, strict=True)
        ],
        batch_size=2000,
    )
    ids = [accounts[r.pk] for r in residents]
    Account.objects.filter(pk__in=ids).update(balance=F("balance") + pts)
