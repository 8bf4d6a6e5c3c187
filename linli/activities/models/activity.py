from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from linli.core.text import int_bounds
from linli.points.limits import MAX_POINTS

from ..choices import ACTIVE_SIGNUPS, ActivityStatus, PointsBasis, SignupStatus
from ..geo import RADIUS_MAX_M, RADIUS_MIN_M
from ..limits import MAX_CAPACITY, MAX_SIGNIN_OPEN_MINUTES

DEFAULT_MIN_SHARE = 60
DEFAULT_SIGNIN_OPEN_MINUTES = 30


class ActivitySettings(models.Model):
    """Per-community settings for activities. A community without a row uses the defaults."""

    community = models.OneToOneField(
        "places.Place", on_delete=models.PROTECT, related_name="activity_settings"
    )
    min_share_percent = models.PositiveSmallIntegerField(
        _("计入时长的最低出勤比例（%）"),
        default=DEFAULT_MIN_SHARE,
        validators=int_bounds(1, 100),
        help_text=_("签到到签退的时长不少于活动时长的这一比例，才算参加"),
    )
    signin_open_minutes = models.PositiveSmallIntegerField(
        _("提前签到（分钟）"),
        default=DEFAULT_SIGNIN_OPEN_MINUTES,
        validators=int_bounds(0, MAX_SIGNIN_OPEN_MINUTES),
        help_text=_("活动开始前多少分钟可以扫码签到"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("志愿活动设置")
        verbose_name_plural = _("志愿活动设置")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_share_percent__gte=1, min_share_percent__lte=100),
                name="activity_share_1_to_100",
            ),
            models.CheckConstraint(
                condition=Q(signin_open_minutes__lte=240), name="activity_signin_open_max"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community_id}: {self.min_share_percent}%"


class ActivityFields(models.Model):
    """What an activity and a weekly series of activities have in common."""

    community = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区")
    )
    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("地点")
    )
    team = models.ForeignKey(
        "people.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("队伍"),
    )
    title = models.CharField(_("活动名称"), max_length=80)
    description = models.CharField(_("活动内容"), max_length=500, blank=True)
    capacity = models.PositiveIntegerField(_("名额"), validators=int_bounds(1, MAX_CAPACITY))
    team_only = models.BooleanField(_("仅限队员报名"), default=False)
    signup_required = models.BooleanField(_("须先报名才能签到"), default=True)
    needs_approval = models.BooleanField(_("报名须组织者审核"), default=False)
    rule = models.ForeignKey(
        "points.Rule",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("积分规则"),
    )
    points_basis = models.CharField(
        _("计分方式"),
        max_length=16,
        choices=PointsBasis.choices,
        default=PointsBasis.PER_ACTIVITY,
    )
    points = models.PositiveIntegerField(
        _("分值"),
        default=0,
        help_text=_("按次计分：每次的分值；按小时计分：每小时的分值"),
        validators=int_bounds(0, MAX_POINTS),
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("组织者"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Where scans must be made (optional): a point in WGS-84 and a radius. All three or none
    # (a CHECK); none = the QR code alone is enough. See linli/activities/geo.py.
    checkin_lat = models.DecimalField(
        _("签到地点纬度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    checkin_lng = models.DecimalField(
        _("签到地点经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    checkin_radius_m = models.PositiveIntegerField(
        _("签到范围（米）"),
        null=True,
        blank=True,
        help_text=_("扫码时手机须在活动地点这一范围内；不填则不要求定位"),
    )

    class Meta:
        abstract = True

    @property
    def requires_location(self) -> bool:
        return self.checkin_radius_m is not None


def checkin_constraints(prefix: str) -> list[models.BaseConstraint]:
    """The check-in point: all three fields or none, on the globe, radius 20..5000 m."""
    return [
        models.CheckConstraint(
            condition=(
                Q(checkin_lat__isnull=True, checkin_lng__isnull=True, checkin_radius_m__isnull=True)
                | Q(
                    # NULL compares to nothing (a CHECK passes on NULL): say not null.
                    checkin_lat__isnull=False,
                    checkin_lng__isnull=False,
                    checkin_radius_m__isnull=False,
                    checkin_lat__gte=-90,
                    checkin_lat__lte=90,
                    checkin_lng__gte=-180,
                    checkin_lng__lte=180,
                    checkin_radius_m__gte=RADIUS_MIN_M,
                    checkin_radius_m__lte=RADIUS_MAX_M,
                )
            ),
            name=f"{prefix}_checkin_all_or_none",
        )
    ]


class ActivitySeries(ActivityFields):
    """A weekly activity (every Tuesday evening's patrol): the occurrences between
    ``first_date`` and ``last_date`` are generated from it, once each."""

    weekday = models.PositiveSmallIntegerField(
        _("星期"), help_text=_("0 = 星期一 … 6 = 星期日"), validators=int_bounds(0, 6)
    )
    start_time = models.TimeField(_("开始时间"))
    end_time = models.TimeField(_("结束时间"))
    first_date = models.DateField(_("第一次"))
    last_date = models.DateField(_("最后一次（不晚于）"))

    class Meta:
        verbose_name = _("每周活动")
        verbose_name_plural = _("每周活动")
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="series_weekday"),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="series_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(last_date__gte=F("first_date")), name="series_dates_ordered"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="series_capacity_positive"),
            *checkin_constraints("series"),
        ]

    def __str__(self) -> str:
        return self.title


class Activity(ActivityFields):
    """One activity: a patrol, a clean-up, a visit to an older neighbour."""

    series = models.ForeignKey(
        ActivitySeries,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("每周活动"),
    )
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    status = models.CharField(
        _("状态"), max_length=16, choices=ActivityStatus.choices, default=ActivityStatus.OPEN
    )
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    # The source id its points carry in the ledger: the activity's id, or (for history
    # registered in the ledger before the activity was entered here) the id used then.
    ledger_source_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("志愿活动")
        verbose_name_plural = _("志愿活动")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="activity_end_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="activity_capacity_positive"),
            models.CheckConstraint(
                condition=Q(rule__isnull=True) | Q(points__gte=1), name="activity_points_with_rule"
            ),
            models.UniqueConstraint(
                fields=["series", "starts_at"],
                condition=Q(series__isnull=False),
                name="activity_once_per_series_slot",
            ),
            *checkin_constraints("activity"),
        ]
        indexes = [
            models.Index(fields=["community", "starts_at"]),
            models.Index(fields=["team", "starts_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def source_id(self) -> str:
        """The ``source_id`` of this activity's awards in the points ledger."""
        return self.ledger_source_id or str(self.pk)

    @property
    def length_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def is_open(self) -> bool:
        return self.status == ActivityStatus.OPEN


class Signup(models.Model):
    """A resident's sign-up for an activity: confirmed, waiting for approval, or on the
    waiting list (in order of signing up). Withdrawn and rejected ones stay as history."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="signups")
    resident = models.ForeignKey(
        "people.Resident", on_delete=models.PROTECT, related_name="activity_signups"
    )
    status = models.CharField(_("状态"), max_length=16, choices=SignupStatus.choices)
    created_at = models.DateTimeField(_("报名时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("理由"), max_length=200, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "resident"],
                condition=Q(status__in=[s.value for s in ACTIVE_SIGNUPS]),
                name="signup_one_active_per_resident",
            )
        ]
        indexes = [models.Index(fields=["activity", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.activity_id} · {self.resident_id} · {self.status}"


class Attendance(models.Model):
    """Sign-in and sign-out of one resident at one activity. ``*_manual`` marks the
    organiser signing someone in or out from the list (a resident without a phone).
    Minutes, half-hours, whether it counts and the points are settled when the activity
    is closed."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="attendances")
    resident = models.ForeignKey(
        "people.Resident", on_delete=models.PROTECT, related_name="activity_attendances"
    )
    signup = models.ForeignKey(
        Signup, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_in_at = models.DateTimeField(_("签到时间"))
    in_manual = models.BooleanField(_("代签到"), default=False)
    in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    out_manual = models.BooleanField(_("代签退"), default=False)
    out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    minutes = models.PositiveIntegerField(_("计入分钟"), null=True, blank=True)
    half_hours = models.PositiveIntegerField(_("服务时长（半小时）"), null=True, blank=True)
    counts = models.BooleanField(_("计入"), null=True, blank=True)
    points = models.PositiveIntegerField(_("积分"), default=0)
    points_note = models.CharField(max_length=120, blank=True)
    award = models.ForeignKey(
        "points.Award", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("签到")
        verbose_name_plural = _("签到")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "resident"], name="attendance_once_per_activity"
            ),
            models.CheckConstraint(
                condition=Q(signed_out_at__isnull=True) | Q(signed_out_at__gte=F("signed_in_at")),
                name="attendance_out_after_in",
            ),
        ]
        indexes = [models.Index(fields=["resident", "signed_in_at"])]

    def __str__(self) -> str:
        return f"{self.activity_id} · {self.resident_id}"

    @property
    def manual(self) -> bool:
        return self.in_manual or self.out_manual
