"""URLs for the boards pages (included by linli/web/urls.py under the "web" namespace)."""

from django.urls import URLPattern, path

from . import views_boards

urlpatterns: list[URLPattern] = [
    path("board/", views_boards.board, name="board"),
]
