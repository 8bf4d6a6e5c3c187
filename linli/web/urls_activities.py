"""URLs for the activities pages (included by linli/web/urls.py under the "web" namespace)."""

from django.urls import URLPattern, path

from . import views_activities as v

urlpatterns: list[URLPattern] = [
    path("activities/", v.activity_list, name="activity_list"),
    path("activities/new/", v.activity_new, name="activity_new"),
    path("activities/<int:pk>/", v.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/signup/", v.activity_signup, name="activity_signup"),
    path("activities/<int:pk>/withdraw/", v.activity_withdraw, name="activity_withdraw"),
    path("activities/<int:pk>/organise/", v.activity_organise, name="activity_organise"),
    path("activities/<int:pk>/qr/<str:direction>/", v.activity_qr, name="activity_qr"),
    path(
        "activities/<int:pk>/scan/<str:direction>/",
        v.activity_scan_confirm,
        name="activity_scan_confirm",
    ),
    path(
        "activities/<int:pk>/scan/<str:direction>/done/",
        v.activity_scan_done,
        name="activity_scan_done",
    ),
    path(
        "activities/<int:pk>/checkin-place/",
        v.activity_checkin_place,
        name="activity_checkin_place",
    ),
    path(
        "activities/<int:pk>/scan/<str:direction>/<str:token>/",
        v.activity_scan,
        name="activity_scan",
    ),
    path("activities/<int:pk>/attend/<str:direction>/", v.activity_attend, name="activity_attend"),
    path(
        "activities/<int:pk>/sign-out-all/", v.activity_sign_out_all, name="activity_sign_out_all"
    ),
    path("activities/<int:pk>/signup-for/", v.activity_signup_for, name="activity_signup_for"),
    path(
        "activities/signups/<int:pk>/<str:decision>/",
        v.activity_signup_decide,
        name="activity_signup_decide",
    ),
    path("activities/<int:pk>/close/", v.activity_close, name="activity_close"),
    path("activities/<int:pk>/cancel/", v.activity_cancel, name="activity_cancel"),
    path("volunteer/", v.volunteer_record, name="volunteer_record"),
    path("volunteer/check/", v.volunteer_check, name="volunteer_check"),
    path("volunteer/hours/", v.volunteer_hours, name="volunteer_hours"),
    path("volunteer/hours/export.xlsx", v.volunteer_export, name="volunteer_export"),
    path("volunteer/corrections/", v.volunteer_corrections, name="volunteer_corrections"),
    path(
        "volunteer/corrections/new/",
        v.volunteer_correction_new,
        name="volunteer_correction_new",
    ),
    path(
        "volunteer/corrections/<int:pk>/settle/",
        v.volunteer_correction_settle,
        name="volunteer_correction_settle",
    ),
    path("volunteer/evidence/<int:pk>/", v.volunteer_evidence, name="volunteer_evidence"),
    path("volunteer/<int:pk>/", v.volunteer_record_of, name="volunteer_record_of"),
    path("volunteer/<int:pk>/add/", v.volunteer_hours_add, name="volunteer_hours_add"),
    path(
        "volunteer/<int:pk>/certificate/",
        v.volunteer_certificate,
        name="volunteer_certificate",
    ),
    path(
        "volunteer/<int:pk>/certificate/<str:code>.pdf",
        v.volunteer_certificate_pdf,
        name="volunteer_certificate_pdf",
    ),
    path("teams/", v.team_list, name="team_list"),
    path("teams/<int:pk>/", v.team_detail, name="team_detail"),
]
