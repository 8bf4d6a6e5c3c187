"""URLs for the matter pages (included by linli/web/urls.py under the "web" namespace)."""

from django.urls import URLPattern, path

from . import views_matters as v

urlpatterns: list[URLPattern] = [
    path("matters/", v.matter_list, name="matter_list"),
    path("matters/new/", v.matter_new, name="matter_new"),
    path("matters/similar/", v.matter_similar, name="matter_similar"),
    path("matters/referrals/", v.matter_referrals, name="matter_referrals"),
    path("matters/referrals/<int:pk>/<str:action>/", v.referral_act, name="matter_referral_act"),
    path("matters/<int:pk>/", v.matter_detail, name="matter_detail"),
    path("matters/<int:pk>/<str:action>/", v.matter_act, name="matter_act"),
    path("matters/photos/<int:pk>/", v.matter_photo, name="matter_photo"),
]
