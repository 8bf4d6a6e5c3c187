"""``{% load matter_panels %}``: the panels on a matter's page. The tags live with the matters
area (linli/web/matters/panels.py); Django finds template tag libraries only in an app's
``templatetags`` package, so this module only hands that library over."""

from linli.web.matters.panels import register

__all__ = ["register"]
