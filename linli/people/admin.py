"""Django admin for operators. Every change goes through the same services as the pages, so
policies are checked and audit rows written; the admin never writes a model directly."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from linli.core.errors import DomainError

from .models import Department, GroupMembership, Resident, RoleGrant, Team, TeamMember, User
from .services import account_reset_password, resident_update, role_revoke


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable in the admin; created and changed only through services."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ["phone", "name", "is_active", "is_staff", "last_login"]
    search_fields = ["phone", "name"]
    exclude = ["password"]
    actions = ["reset_password"]

    @admin.action(description=_("重置所选账号的密码（居民）"))
    def reset_password(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            try:
                secret = account_reset_password(actor=request.user, user=user)
            except DomainError as exc:
                self.message_user(request, f"{user}: {exc}", messages.ERROR)
            else:
                self.message_user(
                    request, _("%(user)s 的临时密码：%(pw)s") % {"user": user, "pw": secret}
                )


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    list_display = ["name", "phone", "household", "moved_in", "moved_out"]
    search_fields = ["name", "phone", "pinyin_initials", "pinyin_full"]
    list_filter = ["gender"]
    raw_id_fields = ["household", "user"]
    fields = ["name", "phone", "gender", "birth_year", "moved_in", "note", "public_consent"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # New residents come from the resident form or the Excel import.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Resident, form: Any, change: bool) -> None:
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        original = Resident.objects.get(pk=obj.pk)
        try:
            resident_update(actor=request.user, resident=original, **changes)
        except DomainError as exc:
            self.message_user(request, str(exc), messages.ERROR)


@admin.register(RoleGrant)
class RoleGrantAdmin(ReadOnlyAdmin):
    list_display = ["user", "role", "place", "department", "created_at", "revoked_at"]
    list_filter = ["role"]
    search_fields = ["user__name", "user__phone", "place__name"]
    actions = ["revoke"]

    @admin.action(description=_("撤销所选授权"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[RoleGrant]) -> None:
        for grant in queryset.select_related("place", "user"):
            try:
                role_revoke(actor=request.user, grant=grant)
            except DomainError as exc:
                self.message_user(request, f"{grant}: {exc}", messages.ERROR)


admin.site.register(Department, ReadOnlyAdmin)
admin.site.register(GroupMembership, ReadOnlyAdmin)
admin.site.register(Team, ReadOnlyAdmin)
admin.site.register(TeamMember, ReadOnlyAdmin)
