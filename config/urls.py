from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from linli.web import files, views_health

_media = settings.MEDIA_URL.strip("/")

urlpatterns = [
    path("healthz", views_health.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # Public files (reward photos): anyone may see them; nginx may serve this prefix itself.
    path(f"{_media}/public/<path:name>", files.public_file, name="public_file"),
    path("", include("linli.web.urls")),
]
