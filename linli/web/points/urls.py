"""Points: a resident's points, the award form and the proposals, the rule catalogue, the
ledger, and the yearly figures. ("points_…" names keep the 积分 menu item current.)"""

from django.urls import URLPattern, path

from .views import awards, ledger, rules, stats

urlpatterns: list[URLPattern] = [
    path("residents/<int:pk>/points/", awards.resident_points, name="resident_points"),
    path("points/", awards.points_home, name="points_home"),
    path("points/award/", awards.points_award_view, name="points_award"),
    path("points/award/search/", awards.points_award_search, name="points_award_search"),
    path(
        "points/awards/<int:pk>/evidence/",
        awards.points_award_evidence,
        name="points_award_evidence",
    ),
    path(
        "points/awards/<int:pk>/reverse/",
        awards.points_award_reverse,
        name="points_award_reverse",
    ),
    path("points/proposals/", awards.points_proposals, name="points_proposals"),
    path(
        "points/proposals/<int:pk>/<str:decision>/",
        awards.points_proposal_decide,
        name="points_proposal_decide",
    ),
    path("points/rules/", rules.points_rules, name="points_rules"),
    path("points/rules/new/", rules.points_rule_new, name="points_rule_new"),
    path("points/rules/<int:pk>/revise/", rules.points_rule_revise, name="points_rule_revise"),
    path("points/ledger/", ledger.points_ledger, name="points_ledger"),
    path("points/stats/", stats.stats_year, name="points_stats"),
    path(
        "points/stats/<int:community>/<int:year>/",
        stats.stats_public,
        name="points_stats_public",
    ),
]
