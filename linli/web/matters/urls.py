"""Matters (三级议事): matters and referrals, meetings (小区议事会), 好差评 with rectifications
and appeals, 办不成事, the board, and a community's matter settings and calendar."""

from django.urls import URLPattern, path

from .views import boards, community_settings, meetings, ratings
from .views import matters as m

urlpatterns: list[URLPattern] = [
    path("matters/", m.matter_list, name="matter_list"),
    path("matters/new/", m.matter_new, name="matter_new"),
    path("matters/similar/", m.matter_similar, name="matter_similar"),
    path("matters/referrals/", m.matter_referrals, name="matter_referrals"),
    path("matters/referrals/<int:pk>/<str:action>/", m.referral_act, name="matter_referral_act"),
    path("matters/settings/", community_settings.matter_settings, name="matter_settings"),
    path("matters/calendar/", community_settings.calendar_days, name="calendar_days"),
    path(
        "matters/calendar/<int:pk>/delete/",
        community_settings.calendar_day_delete,
        name="calendar_day_delete",
    ),
    path("matters/<int:pk>/", m.matter_detail, name="matter_detail"),
    path("matters/<int:pk>/<str:action>/", m.matter_act, name="matter_act"),
    path("matters/photos/<int:pk>/", m.matter_photo, name="matter_photo"),
    path("meetings/", meetings.meeting_list, name="meeting_list"),
    path("meetings/new/", meetings.meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", meetings.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/results/", meetings.meeting_results, name="meeting_results"),
    path("meetings/<int:pk>/vote/", meetings.meeting_vote, name="meeting_vote"),
    path("meetings/<int:pk>/check-in/", meetings.meeting_check_in, name="meeting_check_in"),
    path("meetings/<int:pk>/agenda/", meetings.meeting_agenda_add, name="meeting_agenda_add"),
    path(
        "meetings/<int:pk>/items/<int:item>/<str:action>/",
        meetings.meeting_item_act,
        name="meeting_item_act",
    ),
    path("meetings/<int:pk>/motions/", meetings.meeting_motion_open, name="meeting_motion_open"),
    path(
        "meetings/<int:pk>/motions/<int:motion>/close/",
        meetings.meeting_motion_close,
        name="meeting_motion_close",
    ),
    path(
        "meetings/<int:pk>/motions/<int:motion>/tally/",
        meetings.meeting_tally,
        name="meeting_tally",
    ),
    path(
        "meetings/<int:pk>/motions/<int:motion>/vote/",
        meetings.meeting_vote_cast,
        name="meeting_vote_cast",
    ),
    path("meetings/<int:pk>/members/<int:member>/", meetings.meeting_attend, name="meeting_attend"),
    path("meetings/<int:pk>/<str:action>/", meetings.meeting_act, name="meeting_act"),
    path("ratings/matters/<int:pk>/", ratings.rating_give, name="rating_give"),
    path("ratings/rectifications/<int:pk>/", ratings.rating_rectify, name="rating_rectify"),
    path("ratings/rectifications/<int:pk>/visit/", ratings.rating_visit, name="rating_visit"),
    path("ratings/<int:pk>/appeal/", ratings.appeal_new, name="appeal_new"),
    path("appeals/", ratings.appeal_queue, name="appeal_queue"),
    path("appeals/<int:pk>/decide/", ratings.appeal_decide, name="appeal_decide"),
    path("flags/", ratings.flag_queue, name="flag_queue"),
    path("flags/matters/<int:pk>/", ratings.flag_new, name="flag_new"),
    path("flags/<int:pk>/answer/", ratings.flag_answer, name="flag_answer"),
    path("board/", boards.board, name="board"),
]
