from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MattersConfig(AppConfig):
    name = "linli.matters"
    label = "matters"
    verbose_name = _("议事")

    def ready(self) -> None:
        from linli.notifications.texts import install

        from .texts import NOTICES

        install(NOTICES)
