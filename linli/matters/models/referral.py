from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import REFERRAL_OPEN_STATES, ReferralKind, ReferralState
from .matter import Matter

_OPEN = Q(state__in=sorted(REFERRAL_OPEN_STATES))


class Referral(models.Model):
    """A matter referred to one department (转办): one lead per matter among the open ones,
    each with its due date in Chinese working days."""

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="referrals")
    department = models.ForeignKey(
        "people.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("部门")
    )
    lead = models.BooleanField(_("牵头部门"), default=False)
    kind = models.CharField(_("类型"), max_length=16, choices=ReferralKind.choices)
    referred_at = models.DateTimeField(_("转办时间"))
    due_on = models.DateField(_("办理期限"))
    state = models.CharField(
        _("状态"), max_length=16, choices=ReferralState.choices, default=ReferralState.SENT
    )
    answer = models.TextField(_("答复"), blank=True)
    extension_reason = models.TextField(_("延期理由"), blank=True)
    extended_due_on = models.DateField(_("延期至"), null=True, blank=True)
    returned_reason = models.TextField(_("退回理由"), blank=True)
    chased_at = models.DateTimeField(_("催办时间"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("经办人"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("转办")
        verbose_name_plural = _("转办")
        ordering = ["matter_id", "-lead", "id"]
        indexes = [models.Index(fields=["department", "state"])]
        constraints = [
            models.UniqueConstraint(
                fields=["matter"], condition=_OPEN & Q(lead=True), name="referral_one_open_lead"
            ),
            models.UniqueConstraint(
                fields=["matter", "department"], condition=_OPEN, name="referral_open_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.matter_id} → {self.department_id}"

    @property
    def is_open(self) -> bool:
        return self.state in REFERRAL_OPEN_STATES

    @property
    def current_due(self) -> dt.date:
        return self.extended_due_on or self.due_on
