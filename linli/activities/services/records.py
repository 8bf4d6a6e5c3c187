"""Volunteer records (民政部令第67号): hours staff add afterwards (with evidence, marked as
added), a volunteer's correction request and its settlement, the certificate of service
hours (free, with a check code), and the community's hours as Excel (staff, audited)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.actors import Actor
from linli.core.errors import Conflict, NotFound, ValidationFailed
from linli.core.excel import workbook_bytes
from linli.core.quarters import local_date
from linli.core.uploads import HOURS_EVIDENCE, upload_check, upload_discard, upload_store
from linli.notifications.services import notify
from linli.people.models import Resident
from linli.places.models import Place

from .. import policies, selectors
from ..choices import CorrectionStatus, HoursKind
from ..hours import format_hours
from ..limits import MAX_HALF_HOURS
from ..locks import lock_correction
from ..models import Activity, Certificate, Correction, ServiceHours
from ..policies import ActivityAction
from ._common import clean_text, user_or_none

MAX_OPEN_CORRECTIONS = 5


def _community_id(resident: Resident) -> int:
    community_id = resident.household.community_id
    if community_id is None:
        raise ValidationFailed(_("该居民不属于任何社区"))
    return community_id


def _check_half_hours(value: object, *, allow_negative: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed(_("时长以半小时为单位，请填写 0.5 的整数倍"))
    low = -MAX_HALF_HOURS if allow_negative else 1
    if not low <= value <= MAX_HALF_HOURS or value == 0:
        raise ValidationFailed(
            _("时长应在 0.5 到 %(n)d 小时之间") % {"n": MAX_HALF_HOURS // 2}
            if not allow_negative
            else _("更正的时长应在 -%(n)d 到 %(n)d 小时之间，且不为 0") % {"n": MAX_HALF_HOURS // 2}
        )
    return value


def hours_add(
    *,
    actor: Actor,
    resident: Resident,
    served_on: dt.date,
    title: str,
    half_hours: int,
    evidence_note: str,
    evidence_file: UploadedFile | None = None,
    activity: Activity | None = None,
    now: dt.datetime | None = None,
) -> ServiceHours:
    """Staff add hours served but not scanned (a paper sign-in sheet, a visit): the evidence
    is required and the line is marked 补录."""
    now = now or timezone.now()
    if not policies.can(actor, ActivityAction.RECORDS, resident.household):
        raise NotFound(_("找不到该居民"))
    title = clean_text(title, limit=120, required=_("请填写服务内容"))
    note = clean_text(
        evidence_note,
        limit=300,
        required=_("补录时长须写明凭证（如纸质签到表、活动照片、组织者证明）"),
    )
    half = _check_half_hours(half_hours)
    if served_on > local_date(now):
        raise ValidationFailed(_("服务日期不能晚于今天"))
    if activity is not None and activity.community_id != resident.household.community_id:
        raise ValidationFailed(_("只能关联本社区的活动"))
    checked = (
        upload_check(evidence_file, kind=HOURS_EVIDENCE, field="evidence_file")
        if evidence_file
        else None
    )
    stored = upload_store(checked, kind=HOURS_EVIDENCE) if checked is not None else ""
    try:
        line = _hours_add(actor, resident, served_on, title, half, note, stored, activity, now)
    except BaseException:
        upload_discard([stored])
        raise
    return line


def _hours_add(
    actor: Actor,
    resident: Resident,
    served_on: dt.date,
    title: str,
    half: int,
    note: str,
    stored: str,
    activity: Activity | None,
    now: dt.datetime,
) -> ServiceHours:
    with transaction.atomic(durable=True):
        line = ServiceHours(
            resident=resident,
            community_id=_community_id(resident),
            kind=HoursKind.ADDED,
            activity=activity,
            served_on=served_on,
            title=title,
            half_hours=half,
            evidence_note=note,
            created_by=user_or_none(actor),
            created_at=now,
        )
        if stored:
            line.evidence_file = stored
        line.save()
        if resident.user_id:
            notify(
                [resident.user_id],
                kind="activity.hours_added",
                params={"hours": format_hours(half), "title": title},
                url="/volunteer/",
                exclude=actor,
                when=now,
            )
        audit_record(
            actor=actor,
            action="activities.hours_add",
            target=line,
            place_id=resident.household_id,
            data={"half_hours": half, "served_on": served_on, "evidence": note[:100]},
        )
    return line


def correction_request(
    *,
    actor: Actor,
    text: str,
    activity: Activity | None = None,
    now: dt.datetime | None = None,
) -> Correction:
    """A volunteer asks for a correction of their own record."""
    now = now or timezone.now()
    residents = policies.own_residents(actor)
    if not residents:
        raise NotFound(_("找不到您的居民信息"))
    resident = residents[0]
    if activity is not None:
        if activity.community_id != resident.household.community_id:
            raise NotFound(_("找不到该活动"))
        resident = policies.own_resident_in(actor, activity.community_id) or resident
    text = clean_text(
        text,
        limit=500,
        required=_("请写明哪里需要更正（日期、活动、应有的时长）"),
        multiline=True,
    )
    with transaction.atomic(durable=True):
        open_count = (
            Correction.objects.select_for_update()
            .filter(resident=resident, status=CorrectionStatus.OPEN)
            .count()
        )
        if open_count >= MAX_OPEN_CORRECTIONS:
            raise Conflict(_("您已有 %(n)d 条更正申请待处理，请等处理后再提") % {"n": open_count})
        row = Correction.objects.create(
            resident=resident,
            community_id=_community_id(resident),
            activity=activity,
            text=text,
            created_by=user_or_none(actor),
            created_at=now,
        )
        audit_record(
            actor=actor,
            action="activities.correction_request",
            target=row,
            place_id=resident.household_id,
            data={"activity": activity.pk if activity else None},
        )
    return row


def correction_settle(
    *,
    actor: Actor,
    correction: Correction,
    accept: bool,
    answer: str,
    half_hours: int | None = None,
    served_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Correction:
    """Staff settle a correction: accepted → a new correction line (``half_hours``, which
    may be negative; the record never goes below zero); rejected → with the reason."""
    now = now or timezone.now()
    resident = correction.resident
    if not policies.can(actor, ActivityAction.RECORDS, resident.household):
        raise NotFound(_("找不到该更正申请"))
    answer = clean_text(answer, limit=300)
    if not accept and not answer:
        raise ValidationFailed(_("不予更正时请写明理由，申请人会看到"))
    half = _check_half_hours(half_hours, allow_negative=True) if accept else 0
    with transaction.atomic(durable=True):
        row = lock_correction(correction.pk)
        if row.status != CorrectionStatus.OPEN:
            raise Conflict(_("该申请已处理（%(status)s）") % {"status": row.get_status_display()})
        if accept:
            total = selectors.record_totals(resident).half_hours
            if total + half < 0:
                raise ValidationFailed(
                    _("更正后时长不能为负：现有 %(hours)s 小时") % {"hours": format_hours(total)}
                )
            day = served_on or (
                local_date(row.activity.starts_at) if row.activity else local_date(now)
            )
            ServiceHours.objects.create(
                resident=resident,
                community_id=row.community_id,
                kind=HoursKind.CORRECTION,
                activity=row.activity,
                served_on=day,
                title=(_("更正：%(text)s") % {"text": row.text})[:120],
                half_hours=half,
                evidence_note=(answer or row.text)[:300],
                correction=row,
                created_by=user_or_none(actor),
                created_at=now,
            )
        row.status = CorrectionStatus.ACCEPTED if accept else CorrectionStatus.REJECTED
        row.answer = answer
        row.settled_by = user_or_none(actor)
        row.settled_at = now
        row.save(update_fields=["status", "answer", "settled_by", "settled_at"])
        if resident.user_id:
            notify(
                [resident.user_id],
                kind="activity.correction" if accept else "activity.correction_rejected",
                params={"hours": format_hours(half)} if accept else {"answer": answer},
                url="/volunteer/",
                exclude=actor,
                when=now,
            )
        audit_record(
            actor=actor,
            action="activities.correction_accept" if accept else "activities.correction_reject",
            target=row,
            place_id=resident.household_id,
            data={"half_hours": half, "answer": answer[:100]},
        )
    return row


def _new_code() -> str:
    return "".join(secrets.choice(selectors.CODE_ALPHABET) for _i in range(12))


def certificate_issue(
    *, actor: Actor, resident: Resident, now: dt.datetime | None = None
) -> Certificate:
    """The certificate of the volunteer's hours as they stand. While the record has not
    changed, the same certificate (and code) is returned; a changed record gets a new one
    (earlier ones stay checkable, each with the figures it certified)."""
    now = now or timezone.now()
    if not policies.can_see_record(actor, resident):
        raise NotFound(_("找不到该居民"))
    with transaction.atomic(durable=True):
        # One issuer at a time per volunteer: a double tap yields one certificate.
        Resident.objects.select_for_update().filter(pk=resident.pk).first()
        totals = selectors.record_totals(resident)
        if totals.half_hours <= 0:
            raise ValidationFailed(_("还没有志愿服务时长，暂不能出具证明"))
        latest = Certificate.objects.filter(resident=resident).order_by("-issued_at", "-pk").first()
        if (
            latest is not None
            and latest.half_hours == totals.half_hours
            and latest.lines == totals.lines
            and latest.last_line_id == totals.last_line_id
        ):
            return latest
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    cert = Certificate.objects.create(
                        resident=resident,
                        community_id=_community_id(resident),
                        code=_new_code(),
                        half_hours=totals.half_hours,
                        activities=totals.activities,
                        lines=totals.lines,
                        last_line_id=totals.last_line_id,
                        first_on=totals.first_on,
                        last_on=totals.last_on,
                        issued_at=now,
                        issued_by=user_or_none(actor),
                    )
                break
            except IntegrityError:  # the code is taken (1 in 31^12): draw again
                continue
        else:  # pragma: no cover - unreachable in practice
            raise Conflict(_("生成核验码失败，请重试"))
        audit_record(
            actor=actor,
            action="activities.certificate",
            target=cert,
            place_id=resident.household_id,
            data={"half_hours": totals.half_hours, "code": cert.code},
        )
    return cert


def hours_export_xlsx(
    *,
    actor: Actor,
    community: Place,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> tuple[bytes, int]:
    """The community's hours, one line per record line, with real names (staff only; every
    export is written to the audit log). No phone numbers."""
    if not policies.can(actor, ActivityAction.RECORDS, community):
        raise NotFound(_("找不到该社区"))
    lines = list(selectors.community_hour_lines(community, start=start, end=end))
    kinds: dict[str, str] = {
        HoursKind.ATTENDANCE: _("签到签退"),
        HoursKind.ADDED: _("补录"),
        HoursKind.CORRECTION: _("更正"),
    }
    columns = [
        _("姓名"),
        _("小区"),
        _("楼栋"),
        _("服务日期"),
        _("服务内容"),
        _("时长（小时）"),
        _("来源"),
        _("代签"),
        _("凭证说明"),
        _("登记人"),
        _("登记时间"),
    ]
    rows = []
    for line in lines:
        household = line.resident.household
        rows.append(
            [
                line.resident.name,
                household.compound.name if household.compound_id and household.compound else "",
                household.building.name if household.building_id and household.building else "",
                line.served_on,
                line.title,
                line.half_hours / 2,
                kinds.get(line.kind, line.kind),
                _("是") if line.manual else "",
                line.evidence_note,
                line.created_by.name if line.created_by else _("系统"),
                timezone.localtime(line.created_at),
            ]
        )
    with transaction.atomic(durable=True):
        audit_record(
            actor=actor,
            action="activities.hours_export",
            target=community,
            place_id=community.pk,
            data={"lines": len(rows), "start": start, "end": end},
        )
    body = workbook_bytes(
        columns,
        rows,
        title=_("志愿服务时长"),
        widths={_("服务内容"): 36, _("凭证说明"): 36, _("登记时间"): 18},
    )
    return body, len(rows)
