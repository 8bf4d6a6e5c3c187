"""Sign-ups: a resident signs up (or the organiser signs someone up), withdraws; the organiser
approves or rejects where the activity needs it. The activity row is locked for every change,
so the seats never exceed the capacity however many sign up at once; a full activity puts
newcomers on the waiting list, and a freed seat goes to the first one waiting."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.actors import Actor
from linli.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from linli.notifications.services import notify
from linli.people.models import Resident

from .. import policies
from ..choices import ACTIVE_SIGNUPS, SEATED_SIGNUPS, ActivityStatus, SignupStatus
from ..locks import lock_activity
from ..models import Activity, Attendance, Signup
from ._common import clean_text, user_or_none


def _url(activity: Activity) -> str:
    return f"/activities/{activity.pk}/"


def _when(activity: Activity) -> str:
    return timezone.localtime(activity.starts_at).strftime("%m-%d %H:%M")


def _require_open(activity: Activity) -> None:
    if activity.status == ActivityStatus.CANCELLED:
        raise Conflict(_("活动已取消"))
    if activity.status == ActivityStatus.CLOSED:
        raise Conflict(_("活动已结束"))


def signup_create(
    *,
    actor: Actor,
    activity: Activity,
    resident: Resident | None = None,
    now: dt.datetime | None = None,
) -> Signup:
    """Sign oneself up (``resident`` None), or, as the organiser, sign up ``resident`` (an
    older neighbour without a phone: no approval needed, the organiser is the approver)."""
    now = now or timezone.now()
    if not policies.can_view(actor, activity):
        raise NotFound(_("找不到该活动"))
    on_behalf = resident is not None
    if resident is None:
        resident = policies.own_resident_in(actor, activity.community_id)
        if resident is None:
            raise Forbidden(_("只有本社区登记的居民可以报名"))
    else:
        if not policies.can_manage(actor, activity):
            raise NotFound(_("找不到该活动"))
        if resident.household.community_id != activity.community_id:
            raise ValidationFailed(_("只能为本社区的居民报名"))
    if not resident.is_current:
        raise ValidationFailed(_("%(name)s 已迁出，不能报名") % {"name": resident.name})
    team = activity.team if activity.team_only else None
    if team is not None and not policies.is_team_member(resident, team.pk):
        raise Forbidden(_("这场活动仅限%(team)s队员报名") % {"team": team.name})
    with transaction.atomic(durable=True):
        locked = lock_activity(activity.pk)
        _require_open(locked)
        deadline = locked.ends_at if on_behalf else locked.starts_at
        if now >= deadline:
            raise Conflict(_("活动已开始，报名已截止"))
        existing = Signup.objects.filter(
            activity=locked, resident=resident, status__in=ACTIVE_SIGNUPS
        ).first()
        if existing is not None:
            raise Conflict(
                _("%(name)s 已经报名了（%(status)s）")
                % {"name": resident.name, "status": existing.get_status_display()}
            )
        seated = Signup.objects.filter(activity=locked, status__in=SEATED_SIGNUPS).count()
        if seated >= locked.capacity:
            status = SignupStatus.WAITING
        elif locked.needs_approval and not on_behalf:
            status = SignupStatus.PENDING
        else:
            status = SignupStatus.CONFIRMED
        signup = Signup.objects.create(
            activity=locked,
            resident=resident,
            status=status,
            created_at=now,
            created_by=user_or_none(actor),
            decided_at=now if on_behalf else None,
            decided_by=user_or_none(actor) if on_behalf else None,
        )
        if status == SignupStatus.PENDING:
            notify(
                [locked.organiser_id],
                kind="activity.signup_pending",
                params={"name": resident.name, "title": locked.title, "when": _when(locked)},
                url=f"/activities/{locked.pk}/organise/",
                exclude=actor,
                when=now,
            )
        audit_record(
            actor=actor,
            action="activities.signup",
            target=signup,
            place_id=resident.household_id,
            data={"activity": locked.pk, "status": status, "on_behalf": on_behalf},
        )
    return signup


def _promote(activity: Activity, actor: Actor, now: dt.datetime) -> list[Signup]:
    """Give freed seats to the waiting list, first come first served (activity locked)."""
    promoted: list[Signup] = []
    seated = Signup.objects.filter(activity=activity, status__in=SEATED_SIGNUPS).count()
    waiting = list(
        Signup.objects.select_for_update()
        .filter(activity=activity, status=SignupStatus.WAITING)
        .select_related("resident")
        .order_by("created_at", "pk")[: max(0, activity.capacity - seated)]
    )
    for s in waiting:
        s.status = SignupStatus.PENDING if activity.needs_approval else SignupStatus.CONFIRMED
        s.save(update_fields=["status"])
        promoted.append(s)
        if s.resident.user_id:
            notify(
                [s.resident.user_id],
                kind="activity.promoted"
                if s.status == SignupStatus.CONFIRMED
                else "activity.promoted_pending",
                params={"title": activity.title, "when": _when(activity)},
                url=_url(activity),
                when=now,
            )
        audit_record(
            actor=actor,
            action="activities.signup_promote",
            target=s,
            place_id=activity.community_id,
            data={"activity": activity.pk, "status": s.status},
        )
    return promoted


def signup_withdraw(*, actor: Actor, activity: Activity, now: dt.datetime | None = None) -> Signup:
    """Withdraw one's own sign-up before the activity starts; the first one waiting moves up."""
    now = now or timezone.now()
    if not policies.can_view(actor, activity):
        raise NotFound(_("找不到该活动"))
    resident = policies.own_resident_in(actor, activity.community_id)
    if resident is None:
        raise Conflict(_("您没有报名这场活动"))
    with transaction.atomic(durable=True):
        locked = lock_activity(activity.pk)
        _require_open(locked)
        signup = (
            Signup.objects.select_for_update()
            .filter(activity=locked, resident=resident, status__in=ACTIVE_SIGNUPS)
            .first()
        )
        if signup is None:
            raise Conflict(_("您没有报名这场活动"))
        if Attendance.objects.filter(activity=locked, resident=resident).exists():
            raise Conflict(_("您已签到，不能再取消报名"))
        if now >= locked.starts_at:
            raise Conflict(_("活动已开始，不能再取消报名；如不能参加，请告诉组织者"))
        seated = signup.status in SEATED_SIGNUPS
        signup.status = SignupStatus.WITHDRAWN
        signup.withdrawn_at = now
        signup.save(update_fields=["status", "withdrawn_at"])
        audit_record(
            actor=actor,
            action="activities.withdraw",
            target=signup,
            place_id=resident.household_id,
            data={"activity": locked.pk},
        )
        if seated:
            _promote(locked, actor, now)
    return signup


def signup_decide(
    *,
    actor: Actor,
    signup: Signup,
    approve: bool,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Signup:
    """The organiser approves or rejects a pending sign-up (a rejection gives a reason and
    frees the seat for the waiting list)."""
    now = now or timezone.now()
    activity = signup.activity
    if not policies.can_manage(actor, activity):
        raise NotFound(_("找不到该报名"))
    reason = clean_text(reason, limit=200)
    if not approve and not reason:
        raise ValidationFailed(_("不通过时请写明理由，报名的居民会看到"))
    with transaction.atomic(durable=True):
        locked = lock_activity(activity.pk)
        _require_open(locked)
        row = Signup.objects.select_for_update().select_related("resident").get(pk=signup.pk)
        if row.status != SignupStatus.PENDING:
            raise Conflict(_("该报名已处理（%(status)s）") % {"status": row.get_status_display()})
        row.status = SignupStatus.CONFIRMED if approve else SignupStatus.REJECTED
        row.decided_at = now
        row.decided_by = user_or_none(actor)
        row.reason = reason
        row.save(update_fields=["status", "decided_at", "decided_by", "reason"])
        if row.resident.user_id:
            notify(
                [row.resident.user_id],
                kind="activity.signup_decided" if approve else "activity.signup_rejected",
                params={"title": locked.title, "when": _when(locked), "reason": reason},
                url=_url(locked),
                exclude=actor,
                when=now,
            )
        audit_record(
            actor=actor,
            action="activities.signup_approve" if approve else "activities.signup_reject",
            target=row,
            place_id=row.resident.household_id,
            data={"activity": locked.pk, "reason": reason},
        )
        if not approve:
            _promote(locked, actor, now)
    return row
