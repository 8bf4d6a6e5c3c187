"""The site's pages: one include per area (linli/web/<area>/urls.py), all in the "web"
namespace. URL names (``web:matter_detail`` …) and paths are the areas' own; this file only
gathers them (docs/architecture.md, "The web layer")."""

from django.urls import include, path

from .account import urls as account_urls
from .activities import urls as activities_urls
from .matters import urls as matters_urls
from .notifications import urls as notifications_urls
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
    path("", include(matters_urls)),
    path("", include(notifications_urls)),
    path("", include(activities_urls)),
]
