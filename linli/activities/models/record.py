from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core.text import int_bounds

from ..choices import CorrectionStatus, HoursKind
from ..limits import MAX_HALF_HOURS


class ServiceHours(models.Model):
    """One line of a volunteer's record (志愿服务记录), in half-hours. Append-only: a wrong
    line is put right by a new correction line, never edited.

    ``attendance`` lines come from sign-in and sign-out when the activity is closed (``manual``
    when the organiser signed the volunteer in or out); ``added`` lines are hours staff enter
    afterwards, with evidence; ``correction`` lines settle a volunteer's correction request
    (positive or negative).
    """

    resident = models.ForeignKey(
        "people.Resident", on_delete=models.PROTECT, related_name="service_hours"
    )
    community = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区")
    )
    kind = models.CharField(_("来源"), max_length=16, choices=HoursKind.choices)
    activity = models.ForeignKey(
        "activities.Activity",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("活动"),
    )
    attendance = models.OneToOneField(
        "activities.Attendance",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hours",
    )
    served_on = models.DateField(_("服务日期"))
    title = models.CharField(_("服务内容"), max_length=120)
    half_hours = models.IntegerField(
        _("时长（半小时）"), validators=int_bounds(-MAX_HALF_HOURS, MAX_HALF_HOURS)
    )
    manual = models.BooleanField(_("代签"), default=False)
    evidence_note = models.CharField(_("凭证说明"), max_length=300, blank=True)
    evidence_file = models.FileField(
        _("凭证文件"), upload_to="activities/evidence/%Y/%m/", blank=True
    )
    correction = models.OneToOneField(
        "activities.Correction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hours_line",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("志愿服务时长")
        verbose_name_plural = _("志愿服务时长")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="correction") | Q(half_hours__gt=0),
                name="hours_positive_unless_correction",
            ),
            models.CheckConstraint(
                condition=~Q(kind="added") | ~Q(evidence_note=""), name="hours_added_has_evidence"
            ),
            models.CheckConstraint(
                condition=~Q(kind="attendance") | Q(attendance__isnull=False),
                name="hours_attendance_has_attendance",
            ),
        ]
        indexes = [
            models.Index(fields=["resident", "served_on"]),
            models.Index(fields=["community", "served_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.half_hours / 2:g}h"

    @property
    def hours(self) -> float:
        return self.half_hours / 2


class Correction(models.Model):
    """A volunteer asks for their record to be corrected (民政部令第67号); staff settle it:
    accepted → a correction line with the hours; rejected → with a reason."""

    resident = models.ForeignKey(
        "people.Resident", on_delete=models.PROTECT, related_name="hours_corrections"
    )
    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    activity = models.ForeignKey(
        "activities.Activity",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("活动"),
    )
    text = models.CharField(_("需要更正的内容"), max_length=500)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=CorrectionStatus.choices,
        default=CorrectionStatus.OPEN,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    settled_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(_("处理意见"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("时长更正申请")
        verbose_name_plural = _("时长更正申请")
        indexes = [models.Index(fields=["community", "status"])]

    def __str__(self) -> str:
        return f"{self.resident_id}: {self.text[:20]}"


class Certificate(models.Model):
    """A certificate of service hours (志愿服务记录证明), free, with a check code printed on
    it: the public check page finds it by the code and shows what it certified."""

    resident = models.ForeignKey(
        "people.Resident", on_delete=models.PROTECT, related_name="hours_certificates"
    )
    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("核验码"), max_length=16)
    half_hours = models.IntegerField(_("累计时长（半小时）"))
    activities = models.PositiveIntegerField(_("参加活动次数"))
    lines = models.PositiveIntegerField()
    last_line_id = models.PositiveBigIntegerField(null=True, blank=True)
    first_on = models.DateField(null=True, blank=True)
    last_on = models.DateField(null=True, blank=True)
    issued_at = models.DateTimeField(_("出具时间"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("志愿服务记录证明")
        verbose_name_plural = _("志愿服务记录证明")
        constraints = [models.UniqueConstraint(fields=["code"], name="certificate_code_unique")]
        indexes = [models.Index(fields=["resident", "issued_at"])]

    def __str__(self) -> str:
        return self.code

    @property
    def hours(self) -> float:
        return self.half_hours / 2
