"""URLs for the ratings pages (included by linli/web/urls.py under the "web" namespace)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
