"""Small helpers every area's pages use: the page or its htmx partial, the map settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], partial: str | None = None
) -> HttpResponse:
    """Render the page, or only ``template#partial`` for an htmx request."""
    if partial and getattr(request, "htmx", False):
        return render(request, f"{template}#{partial}", context)
    return render(request, template, context)


def map_settings() -> dict[str, str]:
    """The map settings for a location picker or view (no tiles: no map, the fields stay)."""
    lat, lng = settings.LINLI_MAP_CENTER
    return {
        "tiles": settings.LINLI_MAP_TILE_URL,
        "attribution": settings.LINLI_MAP_ATTRIBUTION,
        "center": f"{lat},{lng}",
    }
