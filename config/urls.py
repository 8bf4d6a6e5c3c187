from django.contrib import admin
from django.urls import include, path

from linli.web import views, views_health

urlpatterns = [
    path("healthz", views_health.healthz, name="healthz"),
    # Django's language switch, answered by ours: one check of ``next`` (linli.web.redirects),
    # no redirect to the Referer, and the choice saved on the account like the header's switch.
    path("i18n/setlang/", views.set_preferences, name="set_language"),
    path("admin/", admin.site.urls),
    path("", include("linli.web.urls")),
]
