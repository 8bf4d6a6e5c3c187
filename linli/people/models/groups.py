from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import ResidentGroup


class GroupMembership(models.Model):
    """A resident's place in an organised group (居民代表, 居民议事人, 志愿者).

    Leaving sets ``ended_on``; the row stays, so history (who deliberated when) is kept.
    """

    resident = models.ForeignKey(
        "people.Resident", on_delete=models.PROTECT, related_name="memberships"
    )
    group = models.CharField(_("身份"), max_length=16, choices=ResidentGroup.choices)
    community = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区")
    )
    started_on = models.DateField(_("开始"), null=True, blank=True)
    ended_on = models.DateField(_("结束"), null=True, blank=True)

    class Meta:
        verbose_name = _("身份")
        verbose_name_plural = _("身份")
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "group"],
                condition=Q(ended_on__isnull=True),
                name="membership_one_current_per_group",
            )
        ]
        indexes = [models.Index(fields=["community", "group", "ended_on"])]

    def __str__(self) -> str:
        return f"{self.resident} · {self.get_group_display()}"


class Team(models.Model):
    """A volunteer team of a community, e.g. 义务巡逻队."""

    community = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区")
    )
    name = models.CharField(_("队名"), max_length=64)
    description = models.CharField(_("简介"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("志愿队伍")
        verbose_name_plural = _("志愿队伍")
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="team_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="members")
    resident = models.ForeignKey(
        "people.Resident", on_delete=models.PROTECT, related_name="team_memberships"
    )
    is_leader = models.BooleanField(_("队长"), default=False)
    joined_on = models.DateField(_("加入"), null=True, blank=True)
    left_on = models.DateField(_("退出"), null=True, blank=True)

    class Meta:
        verbose_name = _("队员")
        verbose_name_plural = _("队员")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "resident"],
                condition=Q(left_on__isnull=True),
                name="team_member_unique_current",
            )
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.resident}"
