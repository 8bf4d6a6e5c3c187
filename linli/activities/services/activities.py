"""Publishing activities: one-off, or weekly (a series whose occurrences are generated once
each), cancelling, and the community's attendance settings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.actors import Actor
from linli.core.errors import Conflict, NotFound, ValidationFailed
from linli.core.quarters import CHINA, local_date
from linli.notifications.services import notify
from linli.people.models import Resident, Team, User
from linli.places.choices import PlaceKind
from linli.places.models import Place
from linli.points.choices import Evidence
from linli.points.models import Rule

from .. import policies
from ..choices import ACTIVE_SIGNUPS, ACTIVITY_RULE_CATEGORIES, ActivityStatus, PointsBasis
from ..geo import clean_checkin
from ..limits import MAX_CAPACITY
from ..locks import lock_activity
from ..models import Activity, ActivitySeries, ActivitySettings
from ..policies import ActivityAction
from ._common import clean_text, user_or_none

MAX_HOURS = 12
MAX_SERIES_DAYS = 366
PLACE_KINDS = (PlaceKind.COMMUNITY, PlaceKind.COMPOUND, PlaceKind.BUILDING)
SHARED_FIELDS = (
    "community",
    "place",
    "team",
    "title",
    "description",
    "capacity",
    "team_only",
    "signup_required",
    "needs_approval",
    "rule",
    "points_basis",
    "points",
    "organiser",
    "checkin_lat",
    "checkin_lng",
    "checkin_radius_m",
)


@dataclass(frozen=True)
class Fields:
    """The cleaned fields an activity and a series share."""

    community: Place
    place: Place
    team: Team | None
    title: str
    description: str
    capacity: int
    team_only: bool
    signup_required: bool
    needs_approval: bool
    rule: Rule | None
    points_basis: str
    points: int
    organiser: Any
    checkin_lat: Decimal | None
    checkin_lng: Decimal | None
    checkin_radius_m: int | None

    def as_kwargs(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in SHARED_FIELDS}


def rules_for_activities(community: Place, day: dt.date | None = None) -> list[Rule]:
    """The rules of ``community``'s catalogue an activity may earn under (on ``day``)."""
    qs = Rule.objects.filter(
        community=community,
        category__in=ACTIVITY_RULE_CATEGORIES,
        evidence__in=[Evidence.NONE, Evidence.ACTIVITY],
    )
    if day is not None:
        qs = qs.filter(active_from__lte=day).exclude(active_until__lt=day)
    return list(qs.order_by("category", "key", "-active_from"))


def _check_rule(
    community: Place, rule: Rule | None, basis: str, points: int, day: dt.date
) -> tuple[str, int]:
    if rule is None:
        return PointsBasis.PER_ACTIVITY, 0
    if rule.community_id != community.pk:
        raise ValidationFailed(_("积分规则必须是本社区积分细则中的规则"))
    if rule.category not in ACTIVITY_RULE_CATEGORIES or rule.evidence not in (
        Evidence.NONE,
        Evidence.ACTIVITY,
    ):
        raise ValidationFailed(_("规则“%(rule)s”不是按参加活动计分的规则") % {"rule": rule.name})
    if day < rule.active_from or (rule.active_until and day > rule.active_until):
        raise ValidationFailed(
            _("规则“%(rule)s”在 %(day)s 不在有效期内") % {"rule": rule.name, "day": day}
        )
    if basis not in PointsBasis.values:
        raise ValidationFailed(_("请选择计分方式"))
    if isinstance(points, bool) or not isinstance(points, int):
        raise ValidationFailed(_("分值必须是正整数"))
    if rule.is_fixed and basis == PointsBasis.PER_ACTIVITY and points == 0:
        points = rule.points_min
    if basis == PointsBasis.PER_ACTIVITY and not rule.points_min <= points <= rule.points_max:
        if rule.is_fixed:
            raise ValidationFailed(
                _("规则“%(rule)s”固定为每次 %(n)d 分") % {"rule": rule.name, "n": rule.points_min}
            )
        raise ValidationFailed(
            _("规则“%(rule)s”每次的分值应在 %(a)d 到 %(b)d 之间")
            % {"rule": rule.name, "a": rule.points_min, "b": rule.points_max}
        )
    if basis == PointsBasis.PER_HOUR and not 1 <= points <= rule.points_max:
        raise ValidationFailed(
            _("按小时计分时，每小时的分值应在 1 到 %(b)d 之间（规则“%(rule)s”每次最多 %(b)d 分）")
            % {"rule": rule.name, "b": rule.points_max}
        )
    return basis, points


def _check_organiser(community: Place, organiser: Any) -> None:
    """The organiser is someone of the community: a current resident, or its staff."""
    if Resident.objects.filter(
        user_id=organiser.pk, household__community=community, moved_out__isnull=True
    ).exists():
        return
    if policies.can(organiser, ActivityAction.MANAGE, community):
        return
    raise ValidationFailed(_("组织者须是本社区的居民或社区工作人员"))


def _clean(
    actor: Actor,
    *,
    community: Place,
    place: Place | None,
    team: Team | None,
    title: str,
    description: str,
    capacity: object,
    team_only: bool,
    signup_required: bool,
    needs_approval: bool,
    rule: Rule | None,
    points_basis: str,
    points: object,
    organiser: Any,
    day: dt.date,
    checkin_lat: object = None,
    checkin_lng: object = None,
    checkin_radius_m: object = None,
) -> Fields:
    if community.kind != PlaceKind.COMMUNITY:
        raise ValidationFailed(_("活动属于社区"))
    if not policies.can_publish(actor, community, team):
        raise NotFound(_("找不到该社区，或您无权发布活动"))
    place = place or community
    if place.kind not in PLACE_KINDS or not place.is_within(community):
        raise ValidationFailed(_("活动地点须是本社区、本社区的小区或楼栋"))
    if team is not None and team.community_id != community.pk:
        raise ValidationFailed(_("只能选择本社区的队伍"))
    if team_only and team is None:
        raise ValidationFailed(_("“仅限队员报名”需要先选择队伍"))
    title = clean_text(title, limit=80, required=_("请填写活动名称"))
    description = clean_text(description, limit=500, multiline=True, label=_("活动内容"))
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        raise ValidationFailed(_("名额必须是正整数"))
    if not 1 <= capacity <= MAX_CAPACITY:
        raise ValidationFailed(_("名额应在 1 到 %(n)d 之间") % {"n": MAX_CAPACITY})
    if isinstance(points, bool) or not isinstance(points, int) or points < 0:
        raise ValidationFailed(_("分值必须是正整数"))
    basis, pts = _check_rule(community, rule, points_basis, points, day)
    organiser = organiser or user_or_none(actor)
    if organiser is None:
        raise ValidationFailed(_("请指定组织者"))
    _check_organiser(community, organiser)
    lat, lng, radius = clean_checkin(checkin_lat, checkin_lng, checkin_radius_m)
    return Fields(
        community=community,
        place=place,
        team=team,
        title=title,
        description=description,
        capacity=capacity,
        team_only=bool(team_only),
        signup_required=bool(signup_required),
        needs_approval=bool(needs_approval),
        rule=rule,
        points_basis=basis,
        points=pts,
        organiser=organiser,
        checkin_lat=lat,
        checkin_lng=lng,
        checkin_radius_m=radius,
    )


def _check_times(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValidationFailed(_("时间缺少时区"))
    if ends_at <= starts_at:
        raise ValidationFailed(_("结束时间必须晚于开始时间"))
    if ends_at - starts_at > dt.timedelta(hours=MAX_HOURS):
        raise ValidationFailed(_("一次活动不超过 %(n)d 小时") % {"n": MAX_HOURS})


def activity_publish(
    *,
    actor: Actor,
    community: Place,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    capacity: int,
    place: Place | None = None,
    team: Team | None = None,
    team_only: bool = False,
    signup_required: bool = True,
    needs_approval: bool = False,
    rule: Rule | None = None,
    points_basis: str = PointsBasis.PER_ACTIVITY,
    points: int = 0,
    organiser: User | None = None,
    description: str = "",
    ledger_source_id: str = "",
    checkin_lat: Decimal | None = None,
    checkin_lng: Decimal | None = None,
    checkin_radius_m: int | None = None,
    now: dt.datetime | None = None,
) -> Activity:
    """Publish one activity. ``ledger_source_id``: for history whose points were registered in
    the ledger before the activity was entered here (the source id used then).
    ``checkin_*``: scans must be made within ``checkin_radius_m`` metres of the point (all
    three or none)."""
    _check_times(starts_at, ends_at)
    fields = _clean(
        actor,
        community=community,
        place=place,
        team=team,
        title=title,
        description=description,
        capacity=capacity,
        team_only=team_only,
        signup_required=signup_required,
        needs_approval=needs_approval,
        rule=rule,
        points_basis=points_basis,
        points=points,
        organiser=organiser,
        day=local_date(starts_at),
        checkin_lat=checkin_lat,
        checkin_lng=checkin_lng,
        checkin_radius_m=checkin_radius_m,
    )
    source = clean_text(ledger_source_id, limit=64)
    with transaction.atomic(durable=True):
        activity = Activity(
            **fields.as_kwargs(),
            starts_at=starts_at,
            ends_at=ends_at,
            ledger_source_id=source,
            created_by=user_or_none(actor),
        )
        activity.save()
        if now is not None:
            Activity.objects.filter(pk=activity.pk).update(created_at=now)
        audit_record(
            actor=actor,
            action="activities.publish",
            target=activity,
            place_id=community.pk,
            data={
                "title": activity.title,
                "starts_at": starts_at,
                "capacity": capacity,
                **_checkin_data(activity),
            },
        )
    return activity


def series_create(
    *,
    actor: Actor,
    community: Place,
    title: str,
    first_date: dt.date,
    last_date: dt.date,
    start_time: dt.time,
    end_time: dt.time,
    capacity: int,
    place: Place | None = None,
    team: Team | None = None,
    team_only: bool = False,
    signup_required: bool = True,
    needs_approval: bool = False,
    rule: Rule | None = None,
    points_basis: str = PointsBasis.PER_ACTIVITY,
    points: int = 0,
    organiser: User | None = None,
    description: str = "",
    checkin_lat: Decimal | None = None,
    checkin_lng: Decimal | None = None,
    checkin_radius_m: int | None = None,
    now: dt.datetime | None = None,
) -> tuple[ActivitySeries, list[Activity]]:
    """A weekly activity on ``first_date``'s weekday, from ``first_date`` to ``last_date``
    (at most a year), and its occurrences (generated by ``series_generate``)."""
    if end_time <= start_time:
        raise ValidationFailed(_("结束时间必须晚于开始时间（不跨零点）"))
    if last_date < first_date:
        raise ValidationFailed(_("最后一次的日期不能早于第一次"))
    if (last_date - first_date).days > MAX_SERIES_DAYS:
        raise ValidationFailed(_("每周活动最多连续一年，到期后可再建一期"))
    starts = dt.datetime.combine(first_date, start_time, tzinfo=CHINA)
    _check_times(starts, dt.datetime.combine(first_date, end_time, tzinfo=CHINA))
    fields = _clean(
        actor,
        community=community,
        place=place,
        team=team,
        title=title,
        description=description,
        capacity=capacity,
        team_only=team_only,
        signup_required=signup_required,
        needs_approval=needs_approval,
        rule=rule,
        points_basis=points_basis,
        points=points,
        organiser=organiser,
        day=first_date,
        checkin_lat=checkin_lat,
        checkin_lng=checkin_lng,
        checkin_radius_m=checkin_radius_m,
    )
    if (
        fields.rule is not None
        and fields.rule.active_until
        and last_date > fields.rule.active_until
    ):
        raise ValidationFailed(
            _("规则“%(rule)s”在 %(day)s 失效，每周活动请在此之前结束")
            % {"rule": fields.rule.name, "day": fields.rule.active_until}
        )
    with transaction.atomic(durable=True):
        series = ActivitySeries.objects.create(
            **fields.as_kwargs(),
            weekday=first_date.weekday(),
            start_time=start_time,
            end_time=end_time,
            first_date=first_date,
            last_date=last_date,
            created_by=user_or_none(actor),
        )
        audit_record(
            actor=actor,
            action="activities.series_create",
            target=series,
            place_id=community.pk,
            data={
                "title": series.title,
                "first": first_date,
                "last": last_date,
                **_checkin_data(series),
            },
        )
    return series, series_generate(actor=actor, series=series, now=now)


def series_dates(series: ActivitySeries) -> list[dt.date]:
    """Every date of the series: ``first_date``'s weekday, up to ``last_date``."""
    out = []
    day = series.first_date
    while day <= series.last_date:
        if day.weekday() == series.weekday:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def series_generate(
    *, actor: Actor, series: ActivitySeries, now: dt.datetime | None = None
) -> list[Activity]:
    """Create the series' occurrences that do not exist yet. Idempotent: a second call (or
    a concurrent one) creates nothing; an occurrence cancelled stays cancelled."""
    if not policies.can_publish(actor, series.community, series.team):
        raise NotFound(_("找不到该活动，或您无权发布活动"))
    fields = {name: getattr(series, name) for name in SHARED_FIELDS}
    created: list[Activity] = []
    with transaction.atomic(durable=True):
        # Lock the series: two generators run one after the other, the second finds all.
        ActivitySeries.objects.select_for_update().get(pk=series.pk)
        have = set(Activity.objects.filter(series=series).values_list("starts_at", flat=True))
        for day in series_dates(series):
            starts_at = dt.datetime.combine(day, series.start_time, tzinfo=CHINA)
            if starts_at in have:
                continue
            try:
                with transaction.atomic():
                    activity = Activity.objects.create(
                        **fields,
                        series=series,
                        starts_at=starts_at,
                        ends_at=dt.datetime.combine(day, series.end_time, tzinfo=CHINA),
                        created_by=user_or_none(actor),
                    )
            except IntegrityError:
                continue
            if now is not None:
                Activity.objects.filter(pk=activity.pk).update(created_at=now)
            created.append(activity)
        if created:
            audit_record(
                actor=actor,
                action="activities.series_generate",
                target=series,
                place_id=series.community_id,
                data={"created": len(created)},
            )
    return created


def _checkin_data(row: Activity | ActivitySeries) -> dict[str, Any]:
    if row.checkin_radius_m is None:
        return {}
    return {
        "checkin": {
            "lat": str(row.checkin_lat),
            "lng": str(row.checkin_lng),
            "radius_m": row.checkin_radius_m,
        }
    }


def activity_checkin_set(
    *,
    actor: Actor,
    activity: Activity,
    lat: Decimal | str | None,
    lng: Decimal | str | None,
    radius_m: int | None,
) -> Activity:
    """Ask for (or stop asking for) the phone's position near a point when scanning: the
    organiser sets it before the activity or changes it on the spot (a radius too tight for
    the place's GPS, a screenshot going round). All three None: no position asked for. Only
    while the activity is open; scans already made stay as they are."""
    if not policies.can_manage(actor, activity):
        raise NotFound(_("找不到该活动"))
    clean_lat, clean_lng, radius = clean_checkin(lat, lng, radius_m)
    with transaction.atomic(durable=True):
        locked = lock_activity(activity.pk)
        if locked.status != ActivityStatus.OPEN:
            raise Conflict(
                _("活动%(status)s，不能再修改签到地点") % {"status": locked.get_status_display()}
            )
        before = _checkin_data(locked).get("checkin")
        locked.checkin_lat, locked.checkin_lng = clean_lat, clean_lng
        locked.checkin_radius_m = radius
        locked.save(update_fields=["checkin_lat", "checkin_lng", "checkin_radius_m"])
        audit_record(
            actor=actor,
            action="activities.checkin_place",
            target=locked,
            place_id=locked.community_id,
            data={"before": before, "after": _checkin_data(locked).get("checkin")},
        )
    return locked


def activity_cancel(
    *, actor: Actor, activity: Activity, reason: str, now: dt.datetime | None = None
) -> Activity:
    """Cancel an activity nobody has signed in to yet; everyone signed up is told."""
    if not policies.can_manage(actor, activity):
        raise NotFound(_("找不到该活动"))
    reason = clean_text(reason, limit=200, required=_("请写明取消原因，报名的居民会看到"))
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        locked = lock_activity(activity.pk)
        if locked.status != ActivityStatus.OPEN:
            raise Conflict(
                _("活动%(status)s，不能再取消") % {"status": locked.get_status_display()}
            )
        if locked.attendances.exists():
            raise Conflict(_("已有人签到，不能取消；请结束活动"))
        locked.status = ActivityStatus.CANCELLED
        locked.cancelled_at = now
        locked.cancel_reason = reason
        locked.save(update_fields=["status", "cancelled_at", "cancel_reason"])
        users = list(
            locked.signups.filter(status__in=ACTIVE_SIGNUPS)
            .exclude(resident__user__isnull=True)
            .values_list("resident__user_id", flat=True)
        )
        notify(
            users,
            kind="activity.cancelled",
            params={
                "title": locked.title,
                "when": timezone.localtime(locked.starts_at).strftime("%m-%d %H:%M"),
                "reason": reason,
            },
            url=f"/activities/{locked.pk}/",
            exclude=actor,
            when=now,
        )
        audit_record(
            actor=actor,
            action="activities.cancel",
            target=locked,
            place_id=locked.community_id,
            data={"reason": reason},
        )
    return locked


def activity_settings_update(
    *, actor: Actor, community: Place, min_share_percent: int, signin_open_minutes: int
) -> ActivitySettings:
    if community.kind != PlaceKind.COMMUNITY or not policies.can(
        actor, ActivityAction.SETTINGS, community
    ):
        raise NotFound(_("找不到该社区"))
    for value in (min_share_percent, signin_open_minutes):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationFailed(_("请填写整数"))
    if not 1 <= min_share_percent <= 100:
        raise ValidationFailed(_("最低出勤比例应在 1% 到 100% 之间"))
    if not 0 <= signin_open_minutes <= 240:
        raise ValidationFailed(_("提前签到时间应在 0 到 240 分钟之间"))
    with transaction.atomic(durable=True):
        row, _created = ActivitySettings.objects.select_for_update().get_or_create(
            community=community
        )
        before = {"share": row.min_share_percent, "open": row.signin_open_minutes}
        row.min_share_percent = min_share_percent
        row.signin_open_minutes = signin_open_minutes
        row.save()
        audit_record(
            actor=actor,
            action="activities.settings",
            target=row,
            place_id=community.pk,
            data={
                "before": before,
                "after": {"share": min_share_percent, "open": signin_open_minutes},
            },
        )
    return row
