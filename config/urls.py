from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from linli.web.account import views as account_views
from linli.web.common import files, health, metrics

_media = settings.MEDIA_URL.strip("/")

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    # Prometheus: operators only (linli.web.common.metrics).
    path("metrics", metrics.metrics, name="metrics"),
    # Django's language switch, answered by ours: one check of ``next``
    # (linli.web.common.redirects), no redirect to the Referer, and the choice saved on the
    # account like the header's switch.
    path("i18n/setlang/", account_views.set_preferences, name="set_language"),
    path("admin/", admin.site.urls),
    # Public files (reward photos): anyone may see them; nginx may serve this prefix itself.
    path(f"{_media}/public/<path:name>", files.public_file, name="public_file"),
    path("", include("linli.web.urls")),
]
