from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("待确认")
    COMMITTED = "committed", _("已导入")
    FAILED = "failed", _("有错误")


class ResidentImport(models.Model):
    """One uploaded resident sheet: parsed and checked at upload (the preview), written by
    ``resident_import_commit`` all at once. ``rows`` holds the parsed good rows, ``errors`` one
    entry per problem: ``{"row": <Excel row number>, "message": "..."}``. ``actor`` is empty
    when the system (a management command) imported.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    community = models.ForeignKey(
        "places.Place", verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    sha256 = models.CharField(_("文件摘要"), max_length=64)
    filename = models.CharField(_("文件名"), max_length=200)
    rows = models.JSONField(_("数据行"), default=list, blank=True)
    row_count = models.PositiveIntegerField(_("行数"), default=0)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED
    )
    result = models.JSONField(_("导入结果"), default=dict, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("居民导入")
        verbose_name_plural = _("居民导入")
        ordering = ["-id"]
        indexes = [models.Index(fields=["community", "sha256", "status"])]

    def __str__(self) -> str:
        return f"{self.filename} · {self.get_status_display()}"

    @property
    def bad_row_count(self) -> int:
        return len({e.get("row") for e in self.errors or []})

    @property
    def ok_row_count(self) -> int:
        return max(self.row_count - self.bad_row_count, 0)
