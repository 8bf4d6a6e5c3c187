"""URLs for the meetings pages (included by linli/web/urls.py under the "web" namespace)."""

from django.urls import URLPattern, path

from . import views_meetings as v

urlpatterns: list[URLPattern] = [
    path("meetings/", v.meeting_list, name="meeting_list"),
    path("meetings/new/", v.meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", v.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/results/", v.meeting_results, name="meeting_results"),
    path("meetings/<int:pk>/vote/", v.meeting_vote, name="meeting_vote"),
    path("meetings/<int:pk>/check-in/", v.meeting_check_in, name="meeting_check_in"),
    path("meetings/<int:pk>/agenda/", v.meeting_agenda_add, name="meeting_agenda_add"),
    path(
        "meetings/<int:pk>/items/<int:item>/<str:action>/",
        v.meeting_item_act,
        name="meeting_item_act",
    ),
    path("meetings/<int:pk>/motions/", v.meeting_motion_open, name="meeting_motion_open"),
    path(
        "meetings/<int:pk>/motions/<int:motion>/close/",
        v.meeting_motion_close,
        name="meeting_motion_close",
    ),
    path("meetings/<int:pk>/motions/<int:motion>/tally/", v.meeting_tally, name="meeting_tally"),
    path(
        "meetings/<int:pk>/motions/<int:motion>/vote/",
        v.meeting_vote_cast,
        name="meeting_vote_cast",
    ),
    path("meetings/<int:pk>/members/<int:member>/", v.meeting_attend, name="meeting_attend"),
    path("meetings/<int:pk>/<str:action>/", v.meeting_act, name="meeting_act"),
]
