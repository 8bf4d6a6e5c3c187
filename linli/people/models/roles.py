from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import Role


class Department(models.Model):
    """A government department that receives referred matters (住建, 城管, 信访, 创文办 …)."""

    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("所属地区")
    )
    name = models.CharField(_("部门"), max_length=64)
    short_name = models.CharField(_("简称"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        constraints = [models.UniqueConstraint(fields=["place", "name"], name="department_unique")]

    def __str__(self) -> str:
        return self.short_name or self.name


class RoleGrant(models.Model):
    """A role a person holds on a place, for that place and everything below it.

    Revoking stamps ``revoked_at``; the grant stays for the record.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grants"
    )
    role = models.CharField(_("角色"), max_length=24, choices=Role.choices)
    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="grants", verbose_name=_("地点")
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="grants"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "place"],
                condition=Q(revoked_at__isnull=True),
                name="grant_unique_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.place}"
