"""URLs for the publication pages (included by linli/web/urls.py under the "web" namespace).

``public/points/…`` needs no sign-in (published and final lists, the check page, the PDF
and the masked Excel); ``points/publications/…`` is for staff of the community."""

from django.urls import URLPattern, path

from . import views as v

urlpatterns: list[URLPattern] = [
    path("public/points/", v.publication_index, name="publication_index"),
    path("public/points/check/", v.publication_check, name="publication_check"),
    path("public/points/<int:pk>/", v.publication_public, name="publication_public"),
    path(
        "public/points/<int:pk>/object/<int:position>/",
        v.publication_object,
        name="publication_object",
    ),
    path("public/points/<int:pk>/notice.pdf", v.publication_pdf_view, name="publication_pdf"),
    path("public/points/<int:pk>/list.xlsx", v.publication_xlsx, name="publication_xlsx"),
    path("points/publications/", v.publication_list, name="publication_list"),
    path("points/publications/<int:pk>/", v.publication_detail, name="publication_detail"),
    path(
        "points/publications/<int:pk>/objections/",
        v.publication_objections,
        name="publication_objections",
    ),
    path(
        "points/publications/<int:pk>/<str:action>/",
        v.publication_action,
        name="publication_action",
    ),
    path("points/objections/<int:pk>/settle/", v.objection_settle_view, name="objection_settle"),
]
