from django.urls import include, path

from . import (
    urls_activities,
    urls_boards,
    urls_matters,
    urls_meetings,
    urls_notifications,
    urls_ratings,
)
from .account import urls as account_urls
from .people import urls as people_urls
from .points import urls as points_urls
from .publication import urls as publication_urls
from .shop import urls as shop_urls

app_name = "web"

urlpatterns = [
    path("", include(account_urls)),
    path("", include(people_urls)),
    path("", include(points_urls)),
    path("", include(publication_urls)),
    path("", include(shop_urls)),
    *urls_matters.urlpatterns,
    *urls_meetings.urlpatterns,
    *urls_ratings.urlpatterns,
    *urls_notifications.urlpatterns,
    *urls_boards.urlpatterns,
    *urls_activities.urlpatterns,
]
