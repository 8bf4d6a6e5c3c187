from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import SETTINGS_BOUNDS


def _bounds(name: str) -> list[MinValueValidator | MaxValueValidator]:
    low, high = SETTINGS_BOUNDS[name]
    return [MinValueValidator(low), MaxValueValidator(high)]


class MatterSettings(models.Model):
    """A community's settings for matters (one row per community; the defaults below apply
    while a community has none — see ``selectors.matter_settings_for``)."""

    community = models.OneToOneField(
        "places.Place", on_delete=models.PROTECT, related_name="matter_settings"
    )
    # Deliberation meetings: the quorum is *more than* this percentage of invited members
    # present (50 → "more than half"); ballots secret or open.
    quorum_percent = models.PositiveSmallIntegerField(
        _("法定人数（超过应到人数的百分比）"), default=50, validators=_bounds("quorum_percent")
    )
    secret_ballot = models.BooleanField(_("无记名投票"), default=False)
    # Working days a department has for a referral, by kind.
    consultation_days = models.PositiveSmallIntegerField(
        _("咨询办理期限（工作日）"), default=5, validators=_bounds("consultation_days")
    )
    help_days = models.PositiveSmallIntegerField(
        _("求助办理期限（工作日）"), default=10, validators=_bounds("help_days")
    )
    suggestion_days = models.PositiveSmallIntegerField(
        _("建议办理期限（工作日）"), default=15, validators=_bounds("suggestion_days")
    )
    complaint_days = models.PositiveSmallIntegerField(
        _("投诉办理期限（工作日）"), default=15, validators=_bounds("complaint_days")
    )
    # 好差评 and 办不成事.
    rectification_days = models.PositiveSmallIntegerField(
        _("整改期限（工作日）"), default=5, validators=_bounds("rectification_days")
    )
    flag_days = models.PositiveSmallIntegerField(
        _("办不成事答复期限（工作日）"), default=5, validators=_bounds("flag_days")
    )
    # Notifications: remind this many working days before a due date.
    reminder_days = models.PositiveSmallIntegerField(
        _("到期前提醒（工作日）"), default=1, validators=_bounds("reminder_days")
    )

    class Meta:
        verbose_name = _("事项设置")
        verbose_name_plural = _("事项设置")
        constraints = [
            models.CheckConstraint(
                condition=Q(quorum_percent__gte=1, quorum_percent__lte=99),
                name="matter_settings_quorum_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    consultation_days__gte=1,
                    help_days__gte=1,
                    suggestion_days__gte=1,
                    complaint_days__gte=1,
                    rectification_days__gte=1,
                    flag_days__gte=1,
                ),
                name="matter_settings_days_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community_id}"


class CalendarDay(models.Model):
    """An operator's override of the working-day calendar for one date: a holiday or a
    make-up workday from the State Council's notice, for a year ``chinesecalendar`` does not
    cover yet (or to correct it). ``community`` empty: for every community."""

    community = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    day = models.DateField(_("日期"))
    is_workday = models.BooleanField(_("上班"), help_text=_("勾选：调休上班；不勾选：放假"))
    note = models.CharField(_("说明"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("节假日调整")
        verbose_name_plural = _("节假日调整")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "day"],
                condition=Q(community__isnull=False),
                name="calendar_day_unique",
            ),
            models.UniqueConstraint(
                fields=["day"], condition=Q(community__isnull=True), name="calendar_day_global"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {'班' if self.is_workday else '休'}"
