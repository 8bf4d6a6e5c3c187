from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core.text import int_bounds

from ..choices import Gender


class Resident(models.Model):
    """A person living in a household (户). Moving out keeps the row and its history.

    ``phone`` is unique among residents who have not moved out. ``pinyin_full`` and
    ``pinyin_initials`` are search keys kept by the services (代正菊 → daizhengju, dzj).
    ``public_consent`` off means public lists show "居民 N" instead of a masked name.
    """

    name = models.CharField(_("姓名"), max_length=32)
    phone = models.CharField(_("手机号"), max_length=11, blank=True)
    gender = models.CharField(
        _("性别"), max_length=1, choices=Gender.choices, blank=True, default=""
    )
    birth_year = models.PositiveSmallIntegerField(
        _("出生年份"), null=True, blank=True, validators=int_bounds(1900, 2100)
    )
    household = models.ForeignKey(
        "places.Place",
        verbose_name=_("户"),
        on_delete=models.PROTECT,
        related_name="residents",
        limit_choices_to={"kind": "household"},
    )
    moved_in = models.DateField(_("入住日期"), null=True, blank=True)
    moved_out = models.DateField(_("迁出日期"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resident",
    )
    public_consent = models.BooleanField(_("同意公示姓名"), default=True)
    pinyin_full = models.CharField(max_length=200, blank=True, db_index=True)
    pinyin_initials = models.CharField(max_length=50, blank=True, db_index=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["phone"],
                condition=~Q(phone="") & Q(moved_out__isnull=True),
                name="resident_phone_unique_current",
            ),
            models.CheckConstraint(
                condition=Q(moved_out__isnull=True)
                | Q(moved_in__isnull=True)
                | Q(moved_out__gte=models.F("moved_in")),
                name="resident_moved_out_after_in",
            ),
        ]
        indexes = [models.Index(fields=["household", "moved_out"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_current(self) -> bool:
        return self.moved_out is None
