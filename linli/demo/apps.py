from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The Heping demo community (`linli demo`). Sits at the top of the layers beside web and
    api: it builds its data through every domain app's services."""

    name = "linli.demo"
    label = "demo"
    verbose_name = "演示数据"
