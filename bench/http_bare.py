"""The floor for ``bench_http``: Django settings and URLconf in one module that serve one view
returning a constant — no middleware, no apps, no database — under the same gunicorn
(``DJANGO_SETTINGS_MODULE=bench.http_bare``, ``config.wsgi:application``)."""

from __future__ import annotations

import os

from django.http import HttpRequest, HttpResponse
from django.urls import path

DEBUG = False
SECRET_KEY = os.environ.get("LINLI_SECRET_KEY", "bench-bare-" + "x" * 50)
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.http_bare"
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict[str, dict[str, str]] = {}
USE_TZ = True


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("", bare)]
