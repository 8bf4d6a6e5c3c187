from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core.text import int_bounds

from ..choices import MAX_BACKERS, MatterKind, MatterLevel, MatterSource, MatterState


class MatterSequence(models.Model):
    """The last case number used per community per year; locked to allocate the next one."""

    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "year"], name="matter_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.community_id}/{self.year}: {self.last}"


class Matter(models.Model):
    """A suggestion, problem or request (事项), with one case number for life."""

    community = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区")
    )
    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("地点")
    )
    case_number = models.CharField(_("编号"), max_length=40, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=MatterKind.choices)
    title = models.CharField(_("标题"), max_length=80)
    description = models.TextField(_("内容"), max_length=2000, blank=True)
    latitude = models.DecimalField(
        _("纬度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=int_bounds(-90, 90),
    )
    longitude = models.DecimalField(
        _("经度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=int_bounds(-180, 180),
    )
    source = models.CharField(_("来源"), max_length=16, choices=MatterSource.choices)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("提出人"),
    )
    on_behalf_of_name = models.CharField(_("反映人"), max_length=32, blank=True)
    backers = models.PositiveIntegerField(
        _("附议居民数"), default=1, validators=int_bounds(1, MAX_BACKERS)
    )
    resident = models.ForeignKey(
        "people.Resident",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("提出居民"),
    )
    level = models.CharField(_("层级"), max_length=16, choices=MatterLevel.choices)
    state = models.CharField(
        _("状态"), max_length=16, choices=MatterState.choices, default=MatterState.RAISED
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_from"
    )
    decision = models.TextField(_("决定"), blank=True)
    raised_at = models.DateTimeField(_("提出时间"))
    finished_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("事项")
        verbose_name_plural = _("事项")
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(fields=["community", "state", "level"]),
            models.Index(fields=["place", "state"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | Q(state=MatterState.MERGED),
                name="matter_merged_has_state",
            ),
            models.CheckConstraint(condition=Q(backers__gte=1), name="matter_backers_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.case_number} {self.title}"


class MatterPhoto(models.Model):
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="photos")
    image = models.FileField(_("照片"), upload_to="matters/%Y/%m/", max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name


class MatterFollower(models.Model):
    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["matter", "user"], name="matter_follower_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.matter_id}"


class MatterEvent(models.Model):
    """The matter's timeline, append-only: who did what, when, at which level, with what
    public note."""

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_kind = models.CharField(max_length=16, blank=True)
    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    level = models.CharField(max_length=16, choices=MatterLevel.choices)
    # A line the system wrote is a kind and its parameters (``matters.texts.EVENTS``),
    # rendered in the reader's language; ``note`` keeps it in the site's language for the
    # admin. With no kind, ``note`` is what a person typed (a reason, a decision), as typed.
    note_kind = models.CharField(max_length=40, blank=True)
    note_params = models.JSONField(default=dict, blank=True)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["matter", "created_at"])]

    def __str__(self) -> str:
        return f"{self.matter_id} {self.action}"

    @property
    def text(self) -> str:
        """The line's note in the active language (the reader's)."""
        if not self.note_kind:
            return self.note
        from ..texts import EVENTS  # the texts name choices defined next to these models

        rendered = EVENTS.render(self.note_kind, self.note_params)
        return self.note if rendered is None else rendered
