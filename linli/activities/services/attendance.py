"""Sign-in and sign-out: by scanning the organiser's rotating QR code and confirming on the
page it opens (``attendance_scan_check`` reads, ``attendance_scan`` writes; with the phone's
position when the activity asks for it), or by the organiser from the list for a resident
without a phone (``attendance_mark``, marked as such). The activity row is locked first, so
a scan never lands after closing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.actors import Actor
from linli.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from linli.people.models import Resident

from .. import hours, policies
from ..choices import ACTIVE_SIGNUPS, ActivityStatus, Direction, SignupStatus
from ..geo import Position, check_position
from ..locks import lock_activity
from ..models import Activity, Attendance, Signup
from ..selectors import settings_for
from ..tokens import check_token, scan_moment
from ._common import user_or_none


def _time(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def _moment(moment: dt.datetime) -> str:
    """The date and time (a refusal that says "not yet" says when)."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _scanner(
    actor: Actor, activity: Activity, direction: str, token: str, when: dt.datetime
) -> Resident:
    """Who is scanning, once the code is checked against the moment of the scan."""
    if direction not in Direction.values:
        raise NotFound(_("找不到该页面"))
    if not policies.can_view(actor, activity):
        raise NotFound(_("找不到该活动"))
    check_token(token, activity_id=activity.pk, direction=direction, now=when)
    resident = policies.own_resident_in(actor, activity.community_id)
    if resident is None:
        raise Forbidden(_("您不是本社区登记的居民，不能在这里签到"))
    return resident


def attendance_scan_check(
    *,
    actor: Actor,
    activity: Activity,
    direction: str,
    token: str,
    scanned_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Resident:
    """Read-only, for the page the QR code opens: raise the refusal ``attendance_scan``
    would raise now (the code, the person, the sign-up, the times, twice), apart from the
    phone's position, which the confirmation carries. Writes nothing. Returns the resident
    who would be signed in or out."""
    now = now or timezone.now()
    when = scan_moment(scanned_at, now)
    resident = _scanner(actor, activity, direction, token, when)
    attendance = Attendance.objects.filter(activity=activity, resident=resident).first()
    signup = Signup.objects.filter(
        activity=activity, resident=resident, status__in=ACTIVE_SIGNUPS
    ).first()
    _refuse(activity, resident, attendance, signup, direction, when, manual=False)
    return resident


def attendance_scan(
    *,
    actor: Actor,
    activity: Activity,
    direction: str,
    token: str,
    position: Position | None = None,
    scanned_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Attendance:
    """A resident, signed in on their phone, confirms the scan of the QR code: sign them in
    or out. ``now`` is when the confirmation arrives; ``scanned_at`` is when their session
    opened the code (remembered by the web layer): within ``SCAN_GRACE`` the scan counts at
    that moment and the token is checked against it, else against ``now``. ``position`` is
    the phone's, required when the activity asks for it (``geo.check_position``)."""
    now = now or timezone.now()
    when = scan_moment(scanned_at, now)
    resident = _scanner(actor, activity, direction, token, when)
    return _sign(actor, activity, resident, direction, when, manual=False, position=position)


def attendance_mark(
    *,
    actor: Actor,
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


def _refuse(
    activity: Activity,
    resident: Resident,
    attendance: Attendance | None,
    signup: Signup | None,
    direction: str,
    when: dt.datetime,
    *,
    manual: bool,
) -> None:
    """Raise the refusal of signing ``resident`` in or out of ``activity`` at ``when``, if
    any (the callers pass rows read under the activity's lock, or, for the read-only check
    of the scan page, as they stand)."""
    who = resident.name if manual else _("您")
    share = settings_for(activity.community_id)
    if activity.status == ActivityStatus.CANCELLED:
        raise Conflict(_("活动已取消"))
    if activity.status == ActivityStatus.CLOSED:
        raise Conflict(_("活动已结束，不能再签到或签退"))
    if direction == Direction.IN:
        opens = activity.starts_at - dt.timedelta(minutes=share.signin_open_minutes)
        if when < opens:
            raise Conflict(
                _("还没到签到时间：%(opens)s 起可以签到（活动 %(start)s 开始）")
                % {"opens": _moment(opens), "start": _moment(activity.starts_at)}
            )
        if when > activity.ends_at:
            raise Conflict(
                _("活动已经结束（%(end)s），不能再签到") % {"end": _time(activity.ends_at)}
            )
        if attendance is not None:
            raise Conflict(
                _("%(who)s已经签到过了（%(time)s）")
                % {"who": who, "time": _time(attendance.signed_in_at)}
            )
        if (
            activity.team_only
            and activity.team_id is not None
            and not policies.is_team_member(resident, activity.team_id)
        ):
            raise Forbidden(_("这场活动仅限队员参加"))
        if activity.signup_required:
            if signup is None:
                raise Conflict(
                    _("%(who)s没有报名这场活动，不能签到：这场活动须先报名") % {"who": who}
                )
            if signup.status == SignupStatus.PENDING:
                raise Conflict(_("%(who)s的报名还在等待组织者审核，暂不能签到") % {"who": who})
            if signup.status == SignupStatus.WAITING:
                raise Conflict(_("%(who)s在候补名单上，还没有报上名，暂不能签到") % {"who": who})
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


def _sign(
    actor: Actor,
    activity: Activity,
    resident: Resident,
    direction: str,
    when: dt.datetime,
    *,
    manual: bool,
    position: Position | None = None,
) -> Attendance:
    share = settings_for(activity.community_id)
    with transaction.atomic(durable=True):
        locked = lock_activity(activity.pk)
        attendance = (
            Attendance.objects.select_for_update()
            .filter(activity=locked, resident=resident)
            .first()
        )
        signup = Signup.objects.filter(
            activity=locked, resident=resident, status__in=ACTIVE_SIGNUPS
        ).first()
        _refuse(locked, resident, attendance, signup, direction, when, manual=manual)
        where: dict[str, Any] = {}
        if not manual:
            # Last, after every other refusal: the position as the activity asks for it
            # now (the organiser may have changed it on the spot). Only the distance and
            # the reported accuracy are kept, not where the phone was.
            metres = check_position(
                lat=locked.checkin_lat,
                lng=locked.checkin_lng,
                radius_m=locked.checkin_radius_m,
                position=position,
                direction=direction,
            )
            if metres is not None and position is not None:
                where = {"distance_m": round(metres)}
                if position.accuracy_m is not None:
                    where["accuracy_m"] = round(position.accuracy_m)
        if direction == Direction.IN:
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
            assert attendance is not None  # _refuse: signed in before
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
            data={"activity": locked.pk, "manual": manual, "at": when, **where},
        )
    return attendance


def attendance_sign_out_all(
    *,
    actor: Actor,
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
