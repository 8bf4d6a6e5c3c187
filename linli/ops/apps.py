from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operators' commands: the worker, scheduled jobs, backup and restore."""

    name = "linli.ops"
    label = "ops"
    verbose_name = "Operations"
