"""Read-only admin for operators: matters change only through the matters services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Flag, Matter, MatterEvent, Meeting, Rating, RatingAppeal, Referral


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


@admin.register(Referral)
class ReferralAdmin(ReadOnly):
    list_display = ["matter", "department", "lead", "kind", "state", "due_on", "extended_due_on"]
    list_filter = ["state", "kind", "department"]
    raw_id_fields = ["matter", "department", "handled_by"]


@admin.register(Meeting)
class MeetingAdmin(ReadOnly):
    list_display = ["title", "compound", "scheduled_at", "state", "secret_ballot"]
    list_filter = ["state"]
    raw_id_fields = ["community", "compound", "called_by"]


@admin.register(Rating)
class RatingAdmin(ReadOnly):
    # Operators see ratings without the rater (the handler never learns who rated).
    list_display = ["matter", "round", "level", "handled_level", "excluded", "created_at"]
    list_filter = ["level", "excluded", "handled_level"]
    exclude = ["rater"]
    raw_id_fields = ["matter", "department"]


@admin.register(RatingAppeal)
class RatingAppealAdmin(ReadOnly):
    list_display = ["rating", "reason", "state", "created_at", "decided_at"]
    list_filter = ["state", "reason"]
    raw_id_fields = ["rating", "appellant", "decided_by"]


@admin.register(Flag)
class FlagAdmin(ReadOnly):
    list_display = ["matter", "street", "state", "due_on", "created_at"]
    list_filter = ["state"]
    raw_id_fields = ["matter", "street", "flagged_by", "answered_by"]
