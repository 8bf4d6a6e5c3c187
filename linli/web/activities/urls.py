"""Volunteer activities: the list, publishing, an activity, the organiser's screen, scanning,
volunteer records and teams."""

from django.urls import URLPattern, path

from .views import activities, organise, records, scan, teams

urlpatterns: list[URLPattern] = [
    path("activities/", activities.activity_list, name="activity_list"),
    path("activities/new/", activities.activity_new, name="activity_new"),
    path("activities/<int:pk>/", activities.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/signup/", activities.activity_signup, name="activity_signup"),
    path("activities/<int:pk>/withdraw/", activities.activity_withdraw, name="activity_withdraw"),
    path("activities/<int:pk>/organise/", organise.activity_organise, name="activity_organise"),
    path("activities/<int:pk>/qr/<str:direction>/", organise.activity_qr, name="activity_qr"),
    path(
        "activities/<int:pk>/scan/<str:direction>/",
        scan.activity_scan_confirm,
        name="activity_scan_confirm",
    ),
    path(
        "activities/<int:pk>/scan/<str:direction>/done/",
        scan.activity_scan_done,
        name="activity_scan_done",
    ),
    path(
        "activities/<int:pk>/checkin-place/",
        organise.activity_checkin_place,
        name="activity_checkin_place",
    ),
    path(
        "activities/<int:pk>/scan/<str:direction>/<str:token>/",
        scan.activity_scan,
        name="activity_scan",
    ),
    path(
        "activities/<int:pk>/attend/<str:direction>/",
        organise.activity_attend,
        name="activity_attend",
    ),
    path(
        "activities/<int:pk>/sign-out-all/",
        organise.activity_sign_out_all,
        name="activity_sign_out_all",
    ),
    path(
        "activities/<int:pk>/signup-for/", organise.activity_signup_for, name="activity_signup_for"
    ),
    path(
        "activities/signups/<int:pk>/<str:decision>/",
        organise.activity_signup_decide,
        name="activity_signup_decide",
    ),
    path("activities/<int:pk>/close/", organise.activity_close, name="activity_close"),
    path("activities/<int:pk>/cancel/", organise.activity_cancel, name="activity_cancel"),
    path("volunteer/", records.volunteer_record, name="volunteer_record"),
    path("volunteer/check/", records.volunteer_check, name="volunteer_check"),
    path("volunteer/hours/", records.volunteer_hours, name="volunteer_hours"),
    path("volunteer/hours/export.xlsx", records.volunteer_export, name="volunteer_export"),
    path("volunteer/corrections/", records.volunteer_corrections, name="volunteer_corrections"),
    path(
        "volunteer/corrections/new/",
        records.volunteer_correction_new,
        name="volunteer_correction_new",
    ),
    path(
        "volunteer/corrections/<int:pk>/settle/",
        records.volunteer_correction_settle,
        name="volunteer_correction_settle",
    ),
    path("volunteer/evidence/<int:pk>/", records.volunteer_evidence, name="volunteer_evidence"),
    path("volunteer/<int:pk>/", records.volunteer_record_of, name="volunteer_record_of"),
    path("volunteer/<int:pk>/add/", records.volunteer_hours_add, name="volunteer_hours_add"),
    path(
        "volunteer/<int:pk>/certificate/",
        records.volunteer_certificate,
        name="volunteer_certificate",
    ),
    path(
        "volunteer/<int:pk>/certificate/<str:code>.pdf",
        records.volunteer_certificate_pdf,
        name="volunteer_certificate_pdf",
    ),
    path("teams/", teams.team_list, name="team_list"),
    path("teams/<int:pk>/", teams.team_detail, name="team_detail"),
]
