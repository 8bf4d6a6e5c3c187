"""In-app notifications, and the daily e-mail digest that gathers them.

One row per person per thing that concerns them. ``key`` makes a notification idempotent
(a reminder sent by a scheduled job that runs twice is stored once): unique per user when
not empty. ``emailed_at`` is stamped when a digest carried it, so each is mailed at most once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .texts import notice_text


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=32)
    # The kind's parameters (``texts.NOTICES`` renders the sentence in the reader's language
    # when read); ``text`` keeps the sentence in the site's language, for the admin and for
    # legacy rows (kind ``legacy``), which are shown as stored.
    params = models.JSONField(default=dict, blank=True)
    text = models.CharField(_("内容"), max_length=300)
    url = models.CharField(max_length=200, blank=True)
    key = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"]),
            models.Index(fields=["emailed_at", "user"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], condition=~Q(key=""), name="notification_key_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.text}"

    @property
    def message(self) -> str:
        """The sentence in the active language (the reader's)."""
        return notice_text(self)
