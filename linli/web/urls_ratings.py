"""URLs for the ratings pages (included by linli/web/urls.py under the "web" namespace):
好差评 (rating, rectification, return visit), appeals and 办不成事."""

from django.urls import URLPattern, path

from . import views_ratings as v

urlpatterns: list[URLPattern] = [
    path("ratings/matters/<int:pk>/", v.rating_give, name="rating_give"),
    path("ratings/rectifications/<int:pk>/", v.rating_rectify, name="rating_rectify"),
    path("ratings/rectifications/<int:pk>/visit/", v.rating_visit, name="rating_visit"),
    path("ratings/<int:pk>/appeal/", v.appeal_new, name="appeal_new"),
    path("appeals/", v.appeal_queue, name="appeal_queue"),
    path("appeals/<int:pk>/decide/", v.appeal_decide, name="appeal_decide"),
    path("flags/", v.flag_queue, name="flag_queue"),
    path("flags/matters/<int:pk>/", v.flag_new, name="flag_new"),
    path("flags/<int:pk>/answer/", v.flag_answer, name="flag_answer"),
]
