"""Notifications: the inbox, "mark all read", opening one, and the e-mail digest address."""

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/read-all/", views.notification_read_all, name="notification_read_all"),
    path("notifications/email/", views.notification_email, name="notification_email"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
]
