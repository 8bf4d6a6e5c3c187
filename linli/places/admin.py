from django.contrib import admin

from .models import Place


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "code", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    raw_id_fields = ["parent"]
    readonly_fields = ["city", "district", "street", "community", "compound", "building"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Places are created through services (places/people), which keep ancestor keys.
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return [f.name for f in Place._meta.fields]
