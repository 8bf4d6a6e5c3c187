"""一季度一公示: the quarterly public points list, its objections and its final, locked form.

draft → (publish) public → (object / settle / republish)* → (finalize) final.

Every service checks its policy first (community staff: ``PointsAction.PUBLISH``; objections:
a resident of the community with an account), then in one durable transaction locks the
publication row, asks the pure transition table (``workflows.PUBLICATION``) after the lock,
re-checks the conditions that a concurrent request could change (open objections, the
public period), stamps, and writes its audit row.

An upheld objection is corrected through the ledger, never by editing lines: the wrong
award is reversed (``award_reverse``) and/or a missing one awarded (``points_award`` with a
key made from the objection, so a retried settlement awards once). Those are durable
transactions of their own, so they commit before the settlement does; a settlement that
fails after them is simply retried (the reversal is recognised as done, the award key
returns the first award). Staff then republish; finalising refuses a list that no longer
matches the ledger (so an upheld correction cannot be left off the final list).

Services take an optional ``now`` for the demo loader and management commands that replay a
past quarter's cycle (publish in early January, finalise a week later); pages never pass it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.actors import Actor, is_system
from linli.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from linli.core.quarters import CHINA
from linli.core.text import clean_text, parse_int
from linli.people.models import Resident
from linli.people.policies import acting_user
from linli.places.choices import PlaceKind
from linli.places.models import Place

from .. import policies, workflows
from ..choices import AwardStatus, ObjectionStatus, PublicationStatus
from ..models import (
    Award,
    Objection,
    PointsSettings,
    Publication,
    PublicationLine,
    RedemptionWindow,
    Rule,
)
from ..policies import PointsAction
from ..selectors_publication import (
    LineData,
    canonical_content,
    compute_lines,
    quarter_numbered,
    quarter_start_month,
    stored_lines,
)
from .awards import award_reverse, points_award

MAX_TEXT = 300


@dataclass(frozen=True)
class Correction:
    """How an upheld objection is corrected through the ledger: reverse ``reverse_award``
    (an award of the subject resident) and/or award ``points`` under ``rule`` at
    ``occurred_at`` (default: the last day of the quarter, noon China time)."""

    reverse_award: Award | None = None
    rule: Rule | None = None
    points: int | None = None
    occurred_at: dt.datetime | None = None

    @property
    def empty(self) -> bool:
        return self.reverse_award is None and self.rule is None


# --- helpers ---------------------------------------------------------------------------------


def _now(actor: Actor, now: dt.datetime | None) -> dt.datetime:
    """The time of the action: now, or a given time for the demo loader and management
    commands that replay a past quarter's cycle (pages never pass one)."""
    if now is None:
        return timezone.now()
    if timezone.is_naive(now):
        raise ValueError("now must be timezone-aware")
    return now


def _staff(actor: Actor, community: Place) -> str:
    """The workflow actor for a staff action, or NotFound outside the actor's places."""
    if is_system(actor):
        return workflows.SYSTEM
    if policies.can(actor, PointsAction.PUBLISH, community):
        return workflows.STAFF
    raise NotFound(_("找不到该积分公示"))


def _settings(community: Place) -> PointsSettings:
    return PointsSettings.objects.filter(community=community).first() or PointsSettings(
        community=community
    )


def _lock(publication: Publication) -> Publication:
    return (
        Publication.objects.select_for_update(of=("self",))
        .select_related("community")
        .get(pk=publication.pk)
    )


def _refuse_closed(publication: Publication) -> None:
    """Clear words for the two states in which objections, settlements, republication and
    finalising make no sense (the transition table refuses them too)."""
    if publication.status == PublicationStatus.FINAL:
        raise Conflict(_("该名单已定稿锁定，不能再更改"))
    if publication.status == PublicationStatus.DRAFT:
        raise Conflict(_("该名单尚未公示"))


def _clean_text(raw: str, what: str) -> str:
    return clean_text(
        raw,
        limit=MAX_TEXT,
        required=_("请填写%(what)s") % {"what": what},
        multiline=True,
        label=what,
    )


def _write_lines(publication: Publication, lines: list[LineData]) -> None:
    PublicationLine.objects.filter(publication=publication).delete()
    PublicationLine.objects.bulk_create(
        [
            PublicationLine(
                publication=publication,
                resident_id=line.resident_id,
                position=line.position,
                display_name=line.display_name,
                building=line.building,
                by_category=line.by_category,
                earned=line.earned,
                balance=line.balance,
            )
            for line in lines
        ],
        batch_size=2000,
    )


def _compute(publication: Publication) -> list[LineData]:
    return compute_lines(publication.community_id, publication.period_start, publication.period_end)


def canonical_json(content: dict[str, Any]) -> str:
    """Sorted keys, compact separators, UTF-8 text (not \\u escapes)."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest_of(canonical: str) -> str:
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- create, recompute, publish, republish ---------------------------------------------------


def publication_create(
    *, actor: Actor, community: Place, year: int, quarter: int, now: dt.datetime | None = None
) -> Publication:
    """A draft list for a quarter of the community (its quarters as its settings count them).
    One per quarter; a quarter that has not started yet cannot have one."""
    _staff(actor, community)
    when = _now(actor, now)
    if community.kind != PlaceKind.COMMUNITY:
        raise ValidationFailed(_("积分公示以社区为单位"))
    year_n, quarter_n = parse_int(year), parse_int(quarter)
    if year_n is None or quarter_n is None or not 1 <= quarter_n <= 4 or not 2000 <= year_n <= 2100:
        raise ValidationFailed(_("请选择正确的年份和季度（1–4）"))
    year, quarter = year_n, quarter_n
    period = quarter_numbered(year, quarter, quarter_start_month(community))
    if period.start > timezone.localdate(when):
        raise ValidationFailed(_("%(label)s 还没有开始") % {"label": period.label})
    try:
        with transaction.atomic(durable=True):
            if Publication.objects.filter(community=community, year=year, quarter=quarter).exists():
                raise Conflict(_("%(label)s 的公示已经建立") % {"label": period.label})
            publication = Publication.objects.create(
                community=community,
                year=year,
                quarter=quarter,
                period_start=period.start,
                period_end=period.end,
                created_by=acting_user(actor),
            )
            audit_record(
                actor=actor,
                action="points.publication_create",
                target=publication,
                place_id=community.pk,
                data={"year": year, "quarter": quarter, "start": period.start},
            )
    except IntegrityError:
        raise Conflict(_("%(label)s 的公示已经建立") % {"label": period.label}) from None
    return publication


def publication_recompute(*, actor: Actor, publication: Publication) -> Publication:
    """Recompute a draft's lines from the ledger (a preview for staff before publishing)."""
    role = _staff(actor, publication.community)
    with transaction.atomic(durable=True):
        locked = _lock(publication)
        workflows.transition(workflows.PUBLICATION, locked.status, "recompute", role)
        lines = _compute(locked)
        _write_lines(locked, lines)
        locked.save(update_fields=["updated_at"])
        audit_record(
            actor=actor,
            action="points.publication_recompute",
            target=locked,
            place_id=locked.community_id,
            data={"lines": len(lines)},
        )
    return locked


def publication_publish(
    *, actor: Actor, publication: Publication, now: dt.datetime | None = None
) -> Publication:
    """Take the lines' snapshot and open the public period (publication_days)."""
    role = _staff(actor, publication.community)
    when = _now(actor, now)
    with transaction.atomic(durable=True):
        locked = _lock(publication)
        workflows.transition(workflows.PUBLICATION, locked.status, "publish", role)
        if timezone.localdate(when) < locked.period_end:
            raise Conflict(
                _("本季度要到 %(day)s 才结束，结束后才能公示")
                % {"day": locked.period_end.isoformat()}
            )
        lines = _compute(locked)
        _write_lines(locked, lines)
        days = _settings(locked.community).publication_days
        locked.status = PublicationStatus.PUBLIC
        locked.edition = 1
        locked.public_from = when
        locked.public_until = when + dt.timedelta(days=days)
        locked.save(
            update_fields=["status", "edition", "public_from", "public_until", "updated_at"]
        )
        audit_record(
            actor=actor,
            action="points.publication_publish",
            target=locked,
            place_id=locked.community_id,
            data={"lines": len(lines), "days": days, "until": locked.public_until},
        )
    return locked


def publication_republish(*, actor: Actor, publication: Publication) -> Publication:
    """Recompute the public list after settlements (a new edition); the public period stays."""
    role = _staff(actor, publication.community)
    with transaction.atomic(durable=True):
        locked = _lock(publication)
        _refuse_closed(locked)
        workflows.transition(workflows.PUBLICATION, locked.status, "republish", role)
        lines = _compute(locked)
        _write_lines(locked, lines)
        locked.edition += 1
        locked.save(update_fields=["edition", "updated_at"])
        audit_record(
            actor=actor,
            action="points.publication_republish",
            target=locked,
            place_id=locked.community_id,
            data={"lines": len(lines), "edition": locked.edition},
        )
    return locked


# --- objections ------------------------------------------------------------------------------


def _objector(actor: Actor, community: Place) -> Resident:
    resident = (
        Resident.objects.filter(
            user_id=getattr(actor, "pk", None) or 0,
            household__community_id=community.pk,
            moved_out__isnull=True,
        )
        .select_related("household")
        .first()
    )
    if resident is None:
        raise Forbidden(_("只有本社区已登记账号的居民可以提出异议"))
    return resident


def objection_raise(
    *,
    actor: Actor,
    publication: Publication,
    subject_resident: Resident,
    reason: str,
    now: dt.datetime | None = None,
) -> Objection:
    """A resident of the community objects to a line while the list is public."""
    if not getattr(actor, "is_authenticated", False) or is_system(actor):
        raise Forbidden(_("请先登录后再提出异议"))
    objector = _objector(actor, publication.community)
    text = _clean_text(reason, _("异议理由"))
    when = _now(actor, now)
    with transaction.atomic(durable=True):
        locked = _lock(publication)
        _refuse_closed(locked)
        workflows.transition(workflows.PUBLICATION, locked.status, "object", workflows.RESIDENT)
        assert locked.public_until is not None
        if when >= locked.public_until:
            raise Conflict(
                _("公示期已于 %(until)s 结束，不能再提出异议；如有问题请直接联系社区")
                % {"until": timezone.localtime(locked.public_until).strftime("%Y-%m-%d %H:%M")}
            )
        if not PublicationLine.objects.filter(
            publication=locked, resident_id=subject_resident.pk
        ).exists():
            raise NotFound(_("名单中没有这一行"))
        objection = Objection.objects.create(
            publication=locked,
            subject_id=subject_resident.pk,
            objector=objector,
            reason=text,
        )
        audit_record(
            actor=actor,
            action="points.objection_raise",
            target=objection,
            place_id=locked.community_id,
            data={"publication": locked.pk, "subject": subject_resident.pk},
        )
    return objection


def _correct(
    actor: Actor, objection: Objection, publication: Publication, c: Correction
) -> dict[str, Any]:
    """Post the correction through the ledger (each step its own durable transaction,
    each idempotent). Returns what was done, for the audit row."""
    done: dict[str, Any] = {}
    memo = _("公示异议 #%(n)d 更正") % {"n": objection.pk}
    if c.reverse_award is not None:
        award = Award.objects.select_related("resident__household").get(pk=c.reverse_award.pk)
        if award.resident_id != objection.subject_id:
            raise ValidationFailed(_("要冲正的加分不属于被异议的居民"))
        if award.status == AwardStatus.REVERSED:
            pass  # a retried settlement: the reversal is already posted
        else:
            award_reverse(actor=actor, award=award, reason=memo)
        done["reversed_award"] = award.pk
    if c.rule is not None:
        if c.rule.community_id != publication.community_id:
            raise ValidationFailed(_("规则不属于该社区"))
        if c.points is None:
            raise ValidationFailed(_("请填写补加的分值"))
        last_day = publication.period_end - dt.timedelta(days=1)
        when = c.occurred_at or dt.datetime.combine(last_day, dt.time(12), tzinfo=CHINA)
        subject = Resident.objects.select_related("household").get(pk=objection.subject_id)
        award = points_award(
            actor=actor,
            resident=subject,
            rule=c.rule,
            points=c.points,
            idempotency_key=f"objection:{objection.pk}:award",
            occurred_at=when,
            evidence_note=memo,
        )
        done["awarded"] = award.pk
    return done


def objection_settle(
    *,
    actor: Actor,
    objection: Objection,
    upheld: bool,
    response: str,
    correction: Correction | None = None,
) -> Objection:
    """Staff settle an objection: rejected with a response, or upheld (with a correction
    through the ledger, or none if the list needs none — e.g. consent withdrawn)."""
    publication = Publication.objects.select_related("community").get(pk=objection.publication_id)
    role = _staff(actor, publication.community)
    text = _clean_text(response, _("处理意见"))
    correction = correction or Correction()
    if not upheld and not correction.empty:
        raise ValidationFailed(_("不予更正时不能同时提交积分更正"))
    current = Objection.objects.get(pk=objection.pk)
    if current.status != ObjectionStatus.OPEN:
        raise Conflict(_("该异议已处理"))
    _refuse_closed(publication)
    workflows.transition(workflows.PUBLICATION, publication.status, "settle", role)
    done: dict[str, Any] = {}
    if upheld and not correction.empty:
        done = _correct(actor, current, publication, correction)
    with transaction.atomic(durable=True):
        locked = _lock(publication)
        _refuse_closed(locked)
        workflows.transition(workflows.PUBLICATION, locked.status, "settle", role)
        row = Objection.objects.select_for_update().get(pk=objection.pk)
        if row.status != ObjectionStatus.OPEN:
            raise Conflict(_("该异议已处理"))
        row.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.REJECTED
        row.response = text
        row.settled_by = acting_user(actor)
        row.settled_at = timezone.now()
        row.save(update_fields=["status", "response", "settled_by", "settled_at"])
        audit_record(
            actor=actor,
            action="points.objection_settle",
            target=row,
            place_id=locked.community_id,
            data={"upheld": upheld, "publication": locked.pk, **done},
        )
    return row


# --- finalize --------------------------------------------------------------------------------


def publication_finalize(
    *, actor: Actor, publication: Publication, now: dt.datetime | None = None
) -> Publication:
    """After the public period, with every objection settled and the list matching the
    ledger: write the canonical content and its SHA-256 digest, lock the list for good, and
    open the quarter's redemption window (redemption_days)."""
    role = _staff(actor, publication.community)
    when = _now(actor, now)
    with transaction.atomic(durable=True):
        locked = _lock(publication)
        _refuse_closed(locked)
        workflows.transition(workflows.PUBLICATION, locked.status, "finalize", role)
        assert locked.public_until is not None
        if when < locked.public_until:
            raise Conflict(
                _("公示期到 %(until)s 才结束，结束后才能定稿")
                % {"until": timezone.localtime(locked.public_until).strftime("%Y-%m-%d %H:%M")}
            )
        open_count = Objection.objects.filter(
            publication=locked, status=ObjectionStatus.OPEN
        ).count()
        if open_count:
            raise Conflict(_("还有 %(n)d 条异议未处理，处理完毕后才能定稿") % {"n": open_count})
        lines = stored_lines(locked)
        if _compute(locked) != lines:
            raise Conflict(_("公示名单与积分账本不一致（异议更正后尚未重新公示），请先重新公示"))
        content = canonical_content(locked, lines)
        locked.canonical = canonical_json(content)
        locked.digest = digest_of(locked.canonical)
        locked.status = PublicationStatus.FINAL
        locked.finalized_at = when
        locked.save(update_fields=["canonical", "digest", "status", "finalized_at", "updated_at"])
        days = _settings(locked.community).redemption_days
        window = RedemptionWindow.objects.create(
            community_id=locked.community_id,
            publication=locked,
            opens_at=when,
            closes_at=when + dt.timedelta(days=days),
        )
        audit_record(
            actor=actor,
            action="points.publication_finalize",
            target=locked,
            place_id=locked.community_id,
            data={
                "digest": locked.digest,
                "lines": len(lines),
                "edition": locked.edition,
                "window": window.pk,
            },
        )
    return locked


def publication_verify(publication: Publication) -> bool:
    """Does a final list's stored canonical content still hash to its digest?"""
    return bool(publication.canonical) and digest_of(publication.canonical) == publication.digest
