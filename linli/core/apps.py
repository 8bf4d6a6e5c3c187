from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "linli.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        # Django's own refusal of NUL in form fields reads "不允许是用空字符串" in zh-hans (wrong
        # words, and a typo); every form field shows our message instead.
        from django.core.validators import ProhibitNullCharactersValidator

        from .text import NUL_MESSAGE

        ProhibitNullCharactersValidator.message = NUL_MESSAGE
