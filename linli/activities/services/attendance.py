"""Sign-in and sign-out: by scanning the organiser's rotating QR code (``attendance_scan``),
or by the organiser from the list for a resident without a phone (``attendance_mark``,
marked as such). The activity row is locked first, so a scan never lands after closing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from linli.people.models import Resident

from .. import hours, policies
from ..choices import ACTIVE_SIGNUPS, ActivityStatus, Direction, SignupStatus
from ..locks import lock_activity
from ..models import Activity, Attendance, Signup
from ..selectors import settings_for
from ..tokens import check_token
from ._common import user_or_none


def _time(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def attendance_scan(
    *,
    actor: Any,
    activity: Activity,
    direction: str,
    token: str,
    now: dt.datetime | None = None,
) -> Attendance:
    """A resident, signed in on their phone, opened the QR code's URL: sign them in or out.
    ``now`` is when they scanned (the token is checked against it)."""
    now = now or timezone.now()
    if direction not in Direction.values:
        raise NotFound(_("找不到该页面"))
    if not policies.can_view(actor, activity):
        raise NotFound(_("找不到该活动"))
    check_token(token, activity_id=activity.pk, direction=direction, now=now)
    resident = policies.own_resident_in(actor, activity.community_id)
    if resident is None:
        raise Forbidden(_("您不是本社区登记的居民，不能在这里签到"))
    return _sign(actor, activity, resident, direction, now, manual=False)


def attendance_mark(
    *,
    actor: Any,
    activity: Activity,
    resident: Resident,
    direction: str,
    at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Attendance:
    """The organiser signs ``resident`` in or out from the list (marked 代签), at ``at``
    (default now; never in the future)."""
    now = now or timezone.now()
    if direction not in Direction.values:
        raise NotFound(_("找不到该页面"))
    if not policies.can_manage(actor, activity):
        raise NotFound(_("找不到该活动"))
    if resident.household.community_id != activity.community_id:
        raise NotFound(_("找不到该居民"))
    if resident.user_id is not None and resident.user_id == getattr(actor, "pk", None):
        raise Forbidden(_("不能为自己代签，请扫码签到"))
    at = at or now
    if at > now:
        raise ValidationFailed(_("代签时间不能晚于现在"))
    return _sign(actor, activity, resident, direction, at, manual=True)


def _sign(
    actor: Any,
    activity: Activity,
    resident: Resident,
    direction: str,
    when: dt.datetime,
    *,
    manual: bool,
) -> Attendance:
    who = resident.name if manual else _("您")
    share = settings_for(activity.community_id)
    with transaction.atomic(durable=True):
        locked = lock_activity(activity.pk)
        if locked.status == ActivityStatus.CANCELLED:
            raise Conflict(_("活动已取消"))
        if locked.status == ActivityStatus.CLOSED:
            raise Conflict(_("活动已结束，不能再签到或签退"))
        attendance = (
            Attendance.objects.select_for_update()
            .filter(activity=locked, resident=resident)
            .first()
        )
        if direction == Direction.IN:
            opens = locked.starts_at - dt.timedelta(minutes=share.signin_open_minutes)
            if when < opens:
                raise Conflict(
                    _("还没到签到时间：活动 %(start)s 开始，可提前 %(n)d 分钟签到")
                    % {"start": _time(locked.starts_at), "n": share.signin_open_minutes}
                )
            if when > locked.ends_at:
                raise Conflict(
                    _("活动已经结束（%(end)s），不能再签到") % {"end": _time(locked.ends_at)}
                )
            if attendance is not None:
                raise Conflict(
                    _("%(who)s已经签到过了（%(time)s）")
                    % {"who": who, "time": _time(attendance.signed_in_at)}
                )
            signup = Signup.objects.filter(
                activity=locked, resident=resident, status__in=ACTIVE_SIGNUPS
            ).first()
            if (
                locked.team_only
                and locked.team_id is not None
                and not policies.is_team_member(resident, locked.team_id)
            ):
                raise Forbidden(_("这场活动仅限队员参加"))
            if locked.signup_required:
                if signup is None:
                    raise Conflict(
                        _("%(who)s没有报名这场活动，不能签到：这场活动须先报名") % {"who": who}
                    )
                if signup.status == SignupStatus.PENDING:
                    raise Conflict(_("%(who)s的报名还在等待组织者审核，暂不能签到") % {"who": who})
                if signup.status == SignupStatus.WAITING:
                    raise Conflict(
                        _("%(who)s在候补名单上，还没有报上名，暂不能签到") % {"who": who}
                    )
            attendance = Attendance.objects.create(
                activity=locked,
                resident=resident,
                signup=signup if signup and signup.status == SignupStatus.CONFIRMED else None,
                signed_in_at=when,
                in_manual=manual,
                in_by=user_or_none(actor) if manual else None,
            )
            action = "activities.sign_in"
        else:
            if attendance is None:
                raise Conflict(_("%(who)s还没有签到，不能签退") % {"who": who})
            if attendance.signed_out_at is not None:
                raise Conflict(
                    _("%(who)s已经签退过了（%(time)s）")
                    % {"who": who, "time": _time(attendance.signed_out_at)}
                )
            if when < attendance.signed_in_at:
                raise ValidationFailed(_("签退时间不能早于签到时间"))
            attendance.signed_out_at = when
            attendance.out_manual = manual
            attendance.out_by = user_or_none(actor) if manual else None
            t = hours.tally(
                attendance.signed_in_at,
                when,
                locked.starts_at,
                locked.ends_at,
                share.min_share_percent,
            )
            attendance.minutes = t.minutes
            attendance.half_hours = t.half_hours
            attendance.counts = t.counts
            attendance.save(
                update_fields=[
                    "signed_out_at",
                    "out_manual",
                    "out_by",
                    "minutes",
                    "half_hours",
                    "counts",
                ]
            )
            action = "activities.sign_out"
        audit_record(
            actor=actor,
            action=action,
            target=attendance,
            place_id=resident.household_id,
            data={"activity": locked.pk, "manual": manual, "at": when},
        )
    return attendance


def attendance_sign_out_all(
    *,
    actor: Any,
    activity: Activity,
    at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> int:
    """The organiser signs out everyone still signed in (at ``at``, by default now or the
    activity's end, whichever is earlier), marked 代签退. Returns how many."""
    now = now or timezone.now()
    if not policies.can_manage(actor, activity):
        raise NotFound(_("找不到该活动"))
    share = settings_for(activity.community_id)
    with transaction.atomic(durable=True):
        locked = lock_activity(activity.pk)
        if locked.status != ActivityStatus.OPEN:
            raise Conflict(_("活动已结束，不能再签退"))
        when = at or min(now, locked.ends_at)
        if when > now:
            raise ValidationFailed(_("代签时间不能晚于现在"))
        rows = list(
            Attendance.objects.select_for_update()
            .filter(activity=locked, signed_out_at__isnull=True)
            .order_by("pk")
        )
        for a in rows:
            out = max(when, a.signed_in_at)
            t = hours.tally(
                a.signed_in_at, out, locked.starts_at, locked.ends_at, share.min_share_percent
            )
            a.signed_out_at = out
            a.out_manual = True
            a.out_by = user_or_none(actor)
            a.minutes, a.half_hours, a.counts = t.minutes, t.half_hours, t.counts
            a.save(
                update_fields=[
                    "signed_out_at",
                    "out_manual",
                    "out_by",
                    "minutes",
                    "half_hours",
                    "counts",
                ]
            )
        if rows:
            audit_record(
                actor=actor,
                action="activities.sign_out_all",
                target=locked,
                place_id=locked.community_id,
                data={"count": len(rows), "at": when},
            )
    return len(rows)
