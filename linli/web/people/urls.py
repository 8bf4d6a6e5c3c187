"""Places, the resident register and its Excel import and export."""

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("places/", views.place_tree, name="place_tree"),
    path("places/<int:pk>/", views.place_detail, name="place_detail"),
    path("residents/", views.resident_list, name="resident_list"),
    path("residents/new/", views.resident_new, name="resident_new"),
    path("residents/import/", views.resident_import, name="resident_import"),
    path(
        "residents/import/<int:pk>/",
        views.resident_import_preview,
        name="resident_import_preview",
    ),
    path("residents/export.xlsx", views.resident_export, name="resident_export"),
    path("residents/<int:pk>/", views.resident_detail, name="resident_detail"),
    path("residents/<int:pk>/account/", views.resident_account, name="resident_account"),
]
