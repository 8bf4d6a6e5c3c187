"""QR codes as inline SVG (segno's own markup: the URL is encoded as modules, nothing of it
is written into the page as text)."""

from __future__ import annotations

from typing import Any

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(url: str, **options: Any) -> SafeString:
    """``url`` as an inline SVG QR code, dark on white; ``options`` go to segno's
    ``svg_inline`` (``scale=4``, or ``omitsize=True`` for a code CSS sizes)."""
    svg = segno.make(url, error="m").svg_inline(dark="#111", light="#fff", **options)
    return mark_safe(svg)  # noqa: S308 - segno's own SVG markup, the URL is encoded as modules
