"""The demo's marker: one row, written when ``linli demo`` first loads the Heping demo into
an empty database. ``linli demo`` runs again only where it finds this row (or an empty
database), so it never adds its published sign-ins to a real one (``linli.demo.guard``)."""

from __future__ import annotations

from django.db import models


class DemoMarker(models.Model):
    key = models.CharField(max_length=40, unique=True)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "演示数据标记"
        verbose_name_plural = "演示数据标记"

    def __str__(self) -> str:
        return f"{self.key} @ {self.loaded_at:%Y-%m-%d %H:%M}"
