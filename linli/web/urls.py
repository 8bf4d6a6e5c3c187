from django.urls import include, path

from . import (
    urls_activities,
    urls_boards,
    urls_matters,
    urls_meetings,
    urls_notifications,
    urls_publication,
    urls_ratings,
    urls_shop,
    urls_stats,
    views_points,
)
from .account import urls as account_urls
from .people import urls as people_urls

app_name = "web"

urlpatterns = [
    path("", include(account_urls)),
    path("", include(people_urls)),
    path("residents/<int:pk>/points/", views_points.resident_points, name="resident_points"),
    path("points/", views_points.points_home, name="points_home"),
    path("points/award/", views_points.points_award_view, name="points_award"),
    path("points/award/search/", views_points.points_award_search, name="points_award_search"),
    path(
        "points/awards/<int:pk>/evidence/",
        views_points.points_award_evidence,
        name="points_award_evidence",
    ),
    path(
        "points/awards/<int:pk>/reverse/",
        views_points.points_award_reverse,
        name="points_award_reverse",
    ),
    path("points/proposals/", views_points.points_proposals, name="points_proposals"),
    path(
        "points/proposals/<int:pk>/<str:decision>/",
        views_points.points_proposal_decide,
        name="points_proposal_decide",
    ),
    path("points/rules/", views_points.points_rules, name="points_rules"),
    path("points/rules/new/", views_points.points_rule_new, name="points_rule_new"),
    path(
        "points/rules/<int:pk>/revise/",
        views_points.points_rule_revise,
        name="points_rule_revise",
    ),
    path("points/ledger/", views_points.points_ledger, name="points_ledger"),
    *urls_publication.urlpatterns,
    *urls_shop.urlpatterns,
    *urls_matters.urlpatterns,
    *urls_meetings.urlpatterns,
    *urls_ratings.urlpatterns,
    *urls_notifications.urlpatterns,
    *urls_boards.urlpatterns,
    *urls_activities.urlpatterns,
    *urls_stats.urlpatterns,
]
