from django.contrib import admin
from django.urls import include, path

from linli.web import views_health

urlpatterns = [
    path("healthz", views_health.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("linli.web.urls")),
]
