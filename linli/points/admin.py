"""Read-only admin for operators: the ledger is changed only through the points services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Account, Award, AwardBatch, CatalogVersion, Entry, PointsSettings, Posting, Rule


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(ReadOnly):
    list_display = ["pk", "kind", "community", "resident", "balance"]
    list_filter = ["kind"]
    raw_id_fields = ["resident", "community"]


@admin.register(Posting)
class PostingAdmin(ReadOnly):
    list_display = ["pk", "kind", "community", "occurred_at", "created_by", "reverses"]
    list_filter = ["kind"]


@admin.register(Award)
class AwardAdmin(ReadOnly):
    list_display = ["pk", "resident", "rule", "points", "status", "occurred_at", "awarded_by"]
    list_filter = ["status"]
    search_fields = ["resident__name", "resident__pinyin_initials"]


@admin.register(Rule)
class RuleAdmin(ReadOnly):
    list_display = [
        "key",
        "name",
        "category",
        "points_min",
        "points_max",
        "active_from",
        "active_until",
        "catalog_version",
    ]
    list_filter = ["category"]


for model in (Entry, AwardBatch, CatalogVersion, PointsSettings):
    admin.site.register(model, ReadOnly)
