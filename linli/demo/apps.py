from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The Heping demo community (`linli demo`). Sits at the top of the layers beside web and
    api: it builds its data through every domain app's services."""

    name = "linli.demo"
    label = "demo"
    verbose_name = "演示数据"

    def landing_signins(self) -> list[dict[str, Any]]:
        """The demo's sign-ins for the landing page, when this database holds the demo (its
        marker row); otherwise none. The web asks the installed app (it may not import the
        demo: they sit side by side in the layers), and only when the server runs the demo
        (``LINLI_DEMO``, ``make demo``)."""
        from .guard import holds_demo
        from .plan import NAMED, PASSWORD

        if not holds_demo():
            return []
        return [
            {"role": n.role, "name": n.name, "phone": n.phone, "password": PASSWORD} for n in NAMED
        ]
