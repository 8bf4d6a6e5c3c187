from django.contrib.auth import views as auth_views
from django.urls import path

from . import views, views_import

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("preferences/", views.set_preferences, name="preferences"),
    path("places/", views.place_tree, name="place_tree"),
    path("places/<int:pk>/", views.place_detail, name="place_detail"),
    path("residents/", views.resident_list, name="resident_list"),
    path("residents/new/", views.resident_new, name="resident_new"),
    path("residents/import/", views_import.resident_import, name="resident_import"),
    path(
        "residents/import/<int:pk>/",
        views_import.resident_import_preview,
        name="resident_import_preview",
    ),
    path("residents/export.xlsx", views_import.resident_export, name="resident_export"),
    path("residents/<int:pk>/", views.resident_detail, name="resident_detail"),
    path("residents/<int:pk>/account/", views.resident_account, name="resident_account"),
]
