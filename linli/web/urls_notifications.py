"""URLs for the notifications pages and a community's matter settings and calendar (included
by linli/web/urls.py under the "web" namespace)."""

from django.urls import URLPattern, path

from . import views_notifications as n
from . import views_settings as s

urlpatterns: list[URLPattern] = [
    path("notifications/", n.notification_list, name="notification_list"),
    path("notifications/read-all/", n.notification_read_all, name="notification_read_all"),
    path("notifications/email/", n.notification_email, name="notification_email"),
    path("notifications/<int:pk>/", n.notification_open, name="notification_open"),
    path("matters/settings/", s.matter_settings, name="matter_settings"),
    path("matters/calendar/", s.calendar_days, name="calendar_days"),
    path("matters/calendar/<int:pk>/delete/", s.calendar_day_delete, name="calendar_day_delete"),
]
