"""URLs for the stats pages (included by linli/web/urls.py under the "web" namespace)."""

from django.urls import URLPattern, path

from . import views_stats

urlpatterns: list[URLPattern] = [
    # "points_" names keep the 积分 menu item current on these pages.
    path("points/stats/", views_stats.stats_year, name="points_stats"),
    path(
        "points/stats/<int:community>/<int:year>/",
        views_stats.stats_public,
        name="points_stats_public",
    ),
]
