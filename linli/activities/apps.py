from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "linli.activities"
    label = "activities"
    verbose_name = _("志愿活动")

    def ready(self) -> None:
        from linli.notifications.texts import install

        from .texts import NOTICES

        install(NOTICES)
