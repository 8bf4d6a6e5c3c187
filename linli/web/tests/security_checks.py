"""Checks shared by the security tests (issue 10): the headers every response carries (the
page matrices call ``assert_security_headers`` on each answer, whatever its status), and the
hostile ``next`` values every redirect entry point must refuse."""

from __future__ import annotations

import re
from typing import Any

NONCE = re.compile(r"'nonce-([A-Za-z0-9+/=]+)'")
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
DEFAULT_PERMISSIONS = {"camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"}


def csp_directives(response: Any) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    assert header, (
        f"no Content-Security-Policy on {response.status_code} {response.get('Content-Type')}"
    )
    out: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


def page_nonce(response: Any) -> str | None:
    """The nonce of a full page's policy (None for a response that renders no page)."""
    found = NONCE.search(" ".join(csp_directives(response).get("script-src", [])))
    return found.group(1) if found else None


def assert_security_headers(response: Any, *, geolocation: bool = False, ours: bool = True) -> None:
    """``ours``: a page of ours (web/common/base.html), whose scripts carry the nonce; Django's
    admin pages have only script files and need none."""
    csp = csp_directives(response)
    header = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header, header
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"][0] == "'self'" and csp["style-src"][0] == "'self'"
    assert all(v == "'self'" or v.startswith("'nonce-") for v in csp["script-src"])
    assert all(v == "'self'" or v.startswith("'nonce-") for v in csp["style-src"])
    for name in ("object-src", "base-uri", "frame-ancestors"):
        assert csp[name] == ["'none'"], (name, header)
    assert csp["form-action"] == ["'self'"]
    assert response.headers["Referrer-Policy"] == "same-origin"
    features = {f.strip() for f in response.headers["Permissions-Policy"].split(",")}
    if geolocation:
        assert "geolocation=(self)" in features, features
        assert DEFAULT_PERMISSIONS - {"geolocation=()"} <= features, features
    else:
        assert features == DEFAULT_PERMISSIONS, features
    content_type = response.headers.get("Content-Type", "")
    if (
        ours
        and content_type.startswith("text/html")
        and b"<html" in getattr(response, "content", b"")
    ):
        # A page: its header has this response's nonce, and every script on it is either a
        # file of ours, data (json_script), or carries that nonce.
        nonce = page_nonce(response)
        assert nonce, header
        for attrs in SCRIPT_TAG.findall(response.content.decode()):
            assert (
                "src=" in attrs or 'type="application/json"' in attrs or f'nonce="{nonce}"' in attrs
            ), attrs


# ``next`` values that must never lead off the site (or split a header).
HOSTILE_NEXT = [
    "//evil.example",
    "https://evil.example",
    "http:/evil.example",
    "\\\\evil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "///evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "/ok\r\nSet-Cookie: pwned=1",
    "/ok\nLocation: https://evil.example",
    "/\tevil",
]
