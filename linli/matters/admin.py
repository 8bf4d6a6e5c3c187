"""Read-only admin for operators: matters change only through the matters services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Matter, MatterEvent


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(admin.TabularInline):
    model = MatterEvent
    fields = ("created_at", "actor", "actor_kind", "action", "from_state", "to_state", "level")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Matter)
class MatterAdmin(ReadOnly):
    list_display = ["case_number", "title", "kind", "level", "state", "place", "raised_at"]
    list_filter = ["state", "level", "kind", "source"]
    search_fields = ["case_number", "title"]
    raw_id_fields = ["community", "place", "raised_by", "resident", "merged_into"]
    inlines = [EventInline]
