from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from linli.core.text import int_bounds

from ..choices import Awarders, AwardStatus, Evidence, ExpiryPolicy, RuleCategory
from ..limits import MAX_CAP, MAX_POINTS


class PointsSettings(models.Model):
    """Per-community points settings."""

    community = models.OneToOneField(
        "places.Place", on_delete=models.PROTECT, related_name="points_settings"
    )
    expiry_policy = models.CharField(
        _("过期规则"), max_length=16, choices=ExpiryPolicy.choices, default=ExpiryPolicy.NEVER
    )
    keep_years = models.PositiveSmallIntegerField(
        _("保留年数"), default=2, validators=int_bounds(1, 100)
    )
    quarter_start_month = models.PositiveSmallIntegerField(
        _("季度起始月"),
        default=1,
        validators=int_bounds(1, 3),
        help_text=_("1 表示自然季度（1、4、7、10 月开始）；2 或 3 表示整体后移"),
    )
    publication_days = models.PositiveSmallIntegerField(_("公示天数"), default=7)
    redemption_days = models.PositiveSmallIntegerField(_("兑换期天数"), default=14)

    class Meta:
        verbose_name = _("积分设置")
        verbose_name_plural = _("积分设置")
        constraints = [
            models.CheckConstraint(condition=Q(keep_years__gte=1), name="keep_years_positive"),
            models.CheckConstraint(
                condition=Q(quarter_start_month__gte=1, quarter_start_month__lte=3),
                name="quarter_start_month_1_to_3",
            ),
            models.CheckConstraint(
                condition=Q(publication_days__gte=1, redemption_days__gte=1),
                name="cycle_days_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community_id}: {self.get_expiry_policy_display()}"


class CatalogVersion(models.Model):
    """A version of a community's rule catalogue, with the decision that adopted it
    (居民会议 / 议事会 decision: free text and a date now; a meeting decision later)."""

    community = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区")
    )
    number = models.PositiveIntegerField(_("版本"))
    decision = models.CharField(_("通过该版本的决定"), max_length=300)
    decided_on = models.DateField(_("决定日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("积分细则版本")
        verbose_name_plural = _("积分细则版本")
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="catalog_version_unique")
        ]

    def __str__(self) -> str:
        return f"v{self.number} ({self.decided_on})"


class Rule(models.Model):
    """One version of an earning rule. ``key`` is stable across versions; a new version
    supersedes the old one (which then ends the day before the new one starts)."""

    community = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区")
    )
    catalog_version = models.ForeignKey(
        CatalogVersion, on_delete=models.PROTECT, related_name="rules", verbose_name=_("版本")
    )
    key = models.SlugField(_("编号"), max_length=40)
    name = models.CharField(_("名称"), max_length=60)
    category = models.CharField(_("类别"), max_length=20, choices=RuleCategory.choices)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    points_min = models.PositiveIntegerField(_("最低分"), validators=int_bounds(1, MAX_POINTS))
    points_max = models.PositiveIntegerField(_("最高分"), validators=int_bounds(1, MAX_POINTS))
    cap_day = models.PositiveIntegerField(
        _("每日上限"), null=True, blank=True, validators=int_bounds(1, MAX_CAP)
    )
    cap_month = models.PositiveIntegerField(
        _("每月上限"), null=True, blank=True, validators=int_bounds(1, MAX_CAP)
    )
    cap_quarter = models.PositiveIntegerField(
        _("每季度上限"), null=True, blank=True, validators=int_bounds(1, MAX_CAP)
    )
    awarders = models.CharField(
        _("谁可加分"), max_length=16, choices=Awarders.choices, default=Awarders.STAFF
    )
    evidence = models.CharField(
        _("所需凭证"), max_length=16, choices=Evidence.choices, default=Evidence.NONE
    )
    active_from = models.DateField(_("生效日期"))
    active_until = models.DateField(_("失效日期"), null=True, blank=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")
        ordering = ["category", "key", "-active_from"]
        constraints = [
            models.CheckConstraint(condition=Q(points_min__gte=1), name="rule_points_positive"),
            models.CheckConstraint(
                condition=Q(points_max__gte=F("points_min")), name="rule_points_range"
            ),
            models.CheckConstraint(
                condition=Q(active_until__isnull=True) | Q(active_until__gte=F("active_from")),
                name="rule_active_range",
            ),
            models.UniqueConstraint(
                fields=["community", "key", "catalog_version"], name="rule_key_once_per_version"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_fixed(self) -> bool:
        return self.points_min == self.points_max


class AwardBatch(models.Model):
    """One rule given to many residents in one transaction (an activity's attendees)."""

    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=120)
    request_hash = models.CharField(max_length=64)
    source_type = models.CharField(max_length=32, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("批量加分")
        verbose_name_plural = _("批量加分")
        # Unique keys as constraints, not unique=True: on PostgreSQL that would add a second,
        # LIKE-only index to every insert.
        constraints = [models.UniqueConstraint(fields=["idempotency_key"], name="batch_key_unique")]

    def __str__(self) -> str:
        return f"batch #{self.pk}"


class Award(models.Model):
    """一次一登记: one award for one deed, registered once.

    ``source_key`` (rule key × source × resident) is unique for sourced awards, so the same
    activity or matter cannot pay the same resident twice; ``idempotency_key`` makes a
    repeated form post or API request return the first result.
    """

    community = models.ForeignKey(
        "places.Place",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("社区"),
        db_index=False,
    )
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="awards")
    # Indexes: (resident, rule, occurred_at) and (community, status) below cover these FKs.
    resident = models.ForeignKey(
        "people.Resident",
        on_delete=models.PROTECT,
        related_name="awards",
        verbose_name=_("居民"),
        db_index=False,
    )
    points = models.PositiveIntegerField(_("积分"), validators=int_bounds(1, MAX_POINTS))
    status = models.CharField(_("状态"), max_length=16, choices=AwardStatus.choices)
    occurred_at = models.DateTimeField(_("发生时间"))
    evidence_note = models.CharField(_("事由与凭证"), max_length=300, blank=True)
    evidence_file = models.FileField(_("照片"), upload_to="points/evidence/%Y/%m/", blank=True)
    source_type = models.CharField(_("来源"), max_length=32, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    source_key = models.CharField(max_length=200, null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提议人"),
    )
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("加分人"),
        db_index=False,  # never queried by itself; one index fewer on every award
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(_("驳回理由"), max_length=200, blank=True)
    posting = models.OneToOneField(
        "points.Posting", null=True, blank=True, on_delete=models.PROTECT, related_name="award"
    )
    batch = models.ForeignKey(
        AwardBatch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="awards",
        db_index=False,  # batches are never deleted; awards are looked up by resident
    )
    idempotency_key = models.CharField(max_length=120)
    request_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("加分记录")
        verbose_name_plural = _("加分记录")
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="award_key_unique"),
            models.UniqueConstraint(fields=["source_key"], name="award_source_unique"),
            models.CheckConstraint(condition=Q(points__gte=1), name="award_points_positive"),
            models.CheckConstraint(
                condition=~Q(status="posted") | Q(posting__isnull=False),
                name="award_posted_has_posting",
            ),
        ]
        indexes = [
            models.Index(fields=["resident", "rule", "occurred_at"]),
            models.Index(fields=["community", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} +{self.points} ({self.get_status_display()})"
