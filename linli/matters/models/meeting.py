"""Deliberation meetings (小区议事会): "会前有议题，会中有记录，会后有结果，落实有回音".

A meeting belongs to a compound; its agenda lists matters (each put on it moves the matter to
"in deliberation"); its members are the representatives and deliberators invited (a snapshot
taken when the meeting is called, so later changes to the groups do not change who could
vote); attendance is recorded when it opens; motions are voted for / against / abstain, one
vote per member present; the ballot is secret or open as the community's settings said when
the meeting was called. For a secret ballot the ``Ballot`` rows carry the choice and nothing
about the voter, and ``VoteCast`` rows record only that a member voted (one per member per
motion, so a second vote is refused by the database).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.text import int_bounds

from ..choices import SETTINGS_BOUNDS
from .matter import Matter


class MeetingState(models.TextChoices):
    SCHEDULED = "scheduled", _("已通知")
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")
    CANCELLED = "cancelled", _("已取消")


class VoteChoice(models.TextChoices):
    FOR = "for", _("赞成")
    AGAINST = "against", _("反对")
    ABSTAIN = "abstain", _("弃权")


class MotionState(models.TextChoices):
    OPEN = "open", _("表决中")
    CARRIED = "carried", _("通过")
    FAILED = "failed", _("未通过")


class AgendaOutcome(models.TextChoices):
    PENDING = "", _("待议")
    ADOPTED = "adopted", _("通过")
    REJECTED = "rejected", _("不予采纳")
    ESCALATED = "escalated", _("提交社区决事")
    DEFERRED = "deferred", _("暂缓")


class Meeting(models.Model):
    community = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区")
    )
    compound = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("小区")
    )
    title = models.CharField(_("会议名称"), max_length=80)
    location = models.CharField(_("地点"), max_length=80, blank=True)
    scheduled_at = models.DateTimeField(_("时间"))
    state = models.CharField(
        _("状态"), max_length=12, choices=MeetingState.choices, default=MeetingState.SCHEDULED
    )
    # Snapshots of the community's settings when the meeting was called.
    quorum_percent = models.PositiveSmallIntegerField(
        _("法定人数（超过应到人数的百分比）"),
        validators=int_bounds(*SETTINGS_BOUNDS["quorum_percent"]),
    )
    secret_ballot = models.BooleanField(_("无记名投票"))
    minutes = models.TextField(_("会议记录"), blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("结果公布时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("议事会")
        verbose_name_plural = _("议事会")
        ordering = ["-scheduled_at", "-id"]
        indexes = [models.Index(fields=["community", "state"])]

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="items")
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="agenda_items")
    position = models.PositiveSmallIntegerField(_("序号"))
    outcome = models.CharField(
        _("结果"), max_length=12, choices=AgendaOutcome.choices, default="", blank=True
    )
    decision = models.TextField(_("决定"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "matter"], name="agenda_matter_unique"),
            models.UniqueConstraint(fields=["meeting", "position"], name="agenda_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}#{self.position}"


class MeetingMember(models.Model):
    """A member invited to a meeting (居民代表 or 居民议事人), and whether they came."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="members")
    resident = models.ForeignKey("people.Resident", on_delete=models.PROTECT, related_name="+")
    group = models.CharField(_("身份"), max_length=16)
    present = models.BooleanField(_("出席"), default=False)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by_staff = models.BooleanField(_("工作人员代签到"), default=False)

    class Meta:
        ordering = ["meeting_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "resident"], name="meeting_member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}: {self.resident_id}"


class Motion(models.Model):
    """A question put to the vote, usually on one agenda item; carried by a simple majority of
    the votes cast for and against, with a quorum present when the vote closes. A motion may
    adopt a version of the points rule catalogue (``catalog_version``)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="motions")
    item = models.ForeignKey(
        AgendaItem, on_delete=models.PROTECT, null=True, blank=True, related_name="motions"
    )
    text = models.CharField(_("表决事项"), max_length=300)
    catalog_version = models.ForeignKey(
        "points.CatalogVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("积分规则版本"),
    )
    state = models.CharField(
        _("状态"), max_length=12, choices=MotionState.choices, default=MotionState.OPEN
    )
    votes_for = models.PositiveIntegerField(default=0)
    votes_against = models.PositiveIntegerField(default=0)
    votes_abstain = models.PositiveIntegerField(default=0)
    present = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting_id", "id"]

    def __str__(self) -> str:
        return self.text


class VoteCast(models.Model):
    """That a member voted on a motion (and, for an open ballot, how)."""

    motion = models.ForeignKey(Motion, on_delete=models.PROTECT, related_name="casts")
    member = models.ForeignKey(MeetingMember, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=8, choices=VoteChoice.choices, blank=True)
    by_staff = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["motion", "member"], name="vote_once_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.motion_id}: {self.member_id}"


class Ballot(models.Model):
    """A secret ballot's choice, with nothing about the voter."""

    motion = models.ForeignKey(Motion, on_delete=models.PROTECT, related_name="ballots")
    choice = models.CharField(max_length=8, choices=VoteChoice.choices)

    def __str__(self) -> str:
        return f"{self.motion_id}: {self.choice}"


__all__ = [
    "AgendaItem",
    "AgendaOutcome",
    "Ballot",
    "Meeting",
    "MeetingMember",
    "MeetingState",
    "Motion",
    "MotionState",
    "VoteCast",
    "VoteChoice",
]
