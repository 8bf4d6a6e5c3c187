"""好差评 and 办不成事.

A rating is given once per rater per round: round 0 rates the handling, round N ≥ 1 rates the
N-th rectification. The rater is kept (to refuse a second rating and to let a supervisor
decide an appeal) but never shown to the handler: selectors hand handlers ``RatingView`` rows
without it. A bad rating (the two lowest levels) opens a ``Rectification`` with a deadline in
working days and a return visit; an upheld appeal excludes the rating from the rates.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .matter import Matter


class RatingLevel(models.IntegerChoices):
    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    NEUTRAL = 3, _("基本满意")
    DISSATISFIED = 2, _("不满意")
    VERY_DISSATISFIED = 1, _("非常不满意")


BAD_LEVELS = frozenset({RatingLevel.DISSATISFIED, RatingLevel.VERY_DISSATISFIED})
GOOD_LEVELS = frozenset({RatingLevel.VERY_SATISFIED, RatingLevel.SATISFIED})


class Rating(models.Model):
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="ratings")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    round = models.PositiveSmallIntegerField(_("轮次"), default=0)
    level = models.PositiveSmallIntegerField(_("评价"), choices=RatingLevel.choices)
    comment = models.CharField(_("意见"), max_length=500, blank=True)
    # Who handled what is rated (the level it was settled at and the handler's department,
    # if any), so boards can group ratings without reading the timeline.
    handled_level = models.CharField(_("办理层级"), max_length=16)
    department = models.ForeignKey(
        "people.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    excluded = models.BooleanField(_("申诉成立，不计入"), default=False)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        ordering = ["matter_id", "round", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["matter", "rater", "round"], name="rating_once_per_round"
            ),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=5), name="rating_level_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.matter_id}/{self.round}: {self.level}"

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_LEVELS


class RectificationState(models.TextChoices):
    OPEN = "open", _("整改中")
    DONE = "done", _("已整改")


class Rectification(models.Model):
    """What a bad rating opens: put it right by ``due_on`` and visit the rater again."""

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="rectifications")
    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="rectification")
    round = models.PositiveSmallIntegerField(_("轮次"))
    due_on = models.DateField(_("整改期限"))
    state = models.CharField(
        _("状态"),
        max_length=8,
        choices=RectificationState.choices,
        default=RectificationState.OPEN,
    )
    note = models.TextField(_("整改情况"), blank=True)
    return_visit = models.TextField(_("回访记录"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("整改")
        verbose_name_plural = _("整改")
        ordering = ["matter_id", "round"]
        constraints = [
            models.UniqueConstraint(
                fields=["matter"],
                condition=Q(state="open"),
                name="rectification_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.matter_id}/{self.round}"


class AppealReason(models.TextChoices):
    MISTAKEN = "mistaken", _("误评")
    MALICIOUS = "malicious", _("恶意差评")


class AppealState(models.TextChoices):
    PENDING = "pending", _("待裁定")
    UPHELD = "upheld", _("申诉成立")
    DISMISSED = "dismissed", _("申诉不成立")


class RatingAppeal(models.Model):
    """A handler's appeal against a rating, decided by a supervisor of the street above."""

    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="appeal")
    appellant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("理由"), max_length=12, choices=AppealReason.choices)
    text = models.TextField(_("说明"), max_length=1000)
    state = models.CharField(
        _("状态"), max_length=12, choices=AppealState.choices, default=AppealState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision = models.TextField(_("裁定意见"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("差评申诉")
        verbose_name_plural = _("差评申诉")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.rating_id}: {self.state}"


class FlagState(models.TextChoices):
    OPEN = "open", _("待答复")
    ANSWERED = "answered", _("已答复")


class Flag(models.Model):
    """办不成事: a resident says a matter could not get done; it goes to the supervisors of
    the street above, who answer by ``due_on``."""

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="flags")
    street = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("街道")
    )
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("反映内容"), max_length=1000)
    due_on = models.DateField(_("答复期限"))
    state = models.CharField(
        _("状态"), max_length=10, choices=FlagState.choices, default=FlagState.OPEN
    )
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("办不成事")
        verbose_name_plural = _("办不成事")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["street", "state"])]
        constraints = [
            models.UniqueConstraint(
                fields=["matter", "flagged_by"],
                condition=Q(state="open"),
                name="flag_one_open_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.matter_id}: {self.state}"
