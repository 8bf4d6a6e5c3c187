"""Read-only admin for operators: activities and records change only through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    Activity,
    ActivitySeries,
    ActivitySettings,
    Attendance,
    Certificate,
    Correction,
    ServiceHours,
    Signup,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ActivitySettings)
class ActivitySettingsAdmin(ReadOnly):
    list_display = ["community", "min_share_percent", "signin_open_minutes", "updated_at"]
    raw_id_fields = ["community"]


@admin.register(ActivitySeries)
class ActivitySeriesAdmin(ReadOnly):
    list_display = ["title", "team", "weekday", "start_time", "first_date", "last_date"]
    raw_id_fields = ["community", "place", "team", "rule", "organiser", "created_by"]


@admin.register(Activity)
class ActivityAdmin(ReadOnly):
    list_display = ["title", "community", "team", "starts_at", "capacity", "status"]
    list_filter = ["status", "points_basis"]
    search_fields = ["title"]
    raw_id_fields = [
        "community",
        "place",
        "team",
        "series",
        "rule",
        "organiser",
        "created_by",
        "closed_by",
    ]


@admin.register(Signup)
class SignupAdmin(ReadOnly):
    list_display = ["activity", "resident", "status", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["activity", "resident", "created_by", "decided_by"]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnly):
    list_display = [
        "activity",
        "resident",
        "signed_in_at",
        "signed_out_at",
        "in_manual",
        "out_manual",
        "half_hours",
        "counts",
        "points",
    ]
    raw_id_fields = ["activity", "resident", "signup", "in_by", "out_by", "award"]


@admin.register(ServiceHours)
class ServiceHoursAdmin(ReadOnly):
    list_display = ["resident", "served_on", "title", "half_hours", "kind", "manual"]
    list_filter = ["kind", "manual"]
    raw_id_fields = ["resident", "community", "activity", "attendance", "correction", "created_by"]


@admin.register(Correction)
class CorrectionAdmin(ReadOnly):
    list_display = ["resident", "status", "created_at", "settled_at"]
    list_filter = ["status"]
    raw_id_fields = ["resident", "community", "activity", "created_by", "settled_by"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnly):
    list_display = ["code", "resident", "half_hours", "activities", "issued_at"]
    search_fields = ["code"]
    raw_id_fields = ["resident", "community", "issued_by"]
