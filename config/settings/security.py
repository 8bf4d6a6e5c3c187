"""Pure helpers for the security settings in ``base.py`` (they read no setting, so tests can
call them with other values and compare with what the settings module derived)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

# A host (a template like {s} allowed), an optional port, or a bracketed IPv6 address: nothing
# that could end the CSP source (space, ';', ',', quotes).
_NETLOC = re.compile(r"(\[[0-9a-f:.]+\]|[a-z0-9.{}-]+)(:[0-9]{1,5})?")


class SettingsError(ImproperlyConfigured):
    """A setting from the environment that cannot be honoured (raised at start-up)."""


def proxy_settings(count: int) -> dict[str, Any]:
    """What ``LINLI_TRUSTED_PROXY_COUNT`` (reverse proxies in front of Linli) turns on.

    0 (the default) trusts no proxy: the client is the TCP peer (``REMOTE_ADDR``), and
    ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are ignored, since anyone can send them.

    N > 0 trusts the last N proxies, each of which appends the address it saw to
    ``X-Forwarded-For`` (nginx: ``proxy_set_header X-Forwarded-For
    $proxy_add_x_forwarded_for``) and the first of which sets ``X-Forwarded-Proto``. The
    client is then the N-th address from the right of ``X-Forwarded-For``; whatever a client
    wrote further left is ignored. django-ipware counts only the proxies *listed in* the
    header (the last proxy is the TCP peer, not in the list), hence ``N - 1``; and it must not
    be strict (a client's junk on the left would otherwise make it ignore the whole header).
    """
    if count < 0:
        raise SettingsError("LINLI_TRUSTED_PROXY_COUNT must be 0 or more.")
    if count == 0:
        return {
            "SECURE_PROXY_SSL_HEADER": None,
            "AXES_IPWARE_META_PRECEDENCE_ORDER": ("REMOTE_ADDR",),
            "AXES_IPWARE_PROXY_COUNT": None,
        }
    return {
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
        "AXES_IPWARE_META_PRECEDENCE_ORDER": ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"),
        "AXES_IPWARE_PROXY_COUNT": count - 1,
    }


def tile_source(url: str) -> list[str]:
    """The Content-Security-Policy source that lets the map load tiles from ``url``.

    ``https://tile.openstreetmap.org/{z}/{x}/{y}.png`` → ``https://tile.openstreetmap.org``;
    a subdomain template (``https://{s}.tile.example.cn/…``, ``https://t{s}.tianditu.gov.cn/…``)
    → ``https://*.tile.example.cn``, ``https://*.tianditu.gov.cn``. Empty (no map) → nothing.
    A template anywhere but the first label of the host cannot be written as a CSP source.
    """
    url = url.strip()
    if not url:
        return []
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"LINLI_MAP_TILE_URL must be an http(s) URL, not {url!r}.")
    netloc = parts.netloc.rsplit("@", 1)[-1].lower()
    if not _NETLOC.fullmatch(netloc):
        raise SettingsError(f"LINLI_MAP_TILE_URL: not a host name in {url!r}.")
    if "{" not in netloc and "}" not in netloc:
        return [f"{parts.scheme}://{netloc}"]
    host, _, port = netloc.partition(":")
    labels = host.split(".")
    templated = ["{" in label or "}" in label for label in labels]
    if any(templated[1:]) or len(labels) < 3 or "{" in port or "}" in port:
        raise SettingsError(
            "LINLI_MAP_TILE_URL: only the first label of a host with at least three labels may "
            f"be a template ({url!r})."
        )
    return [f"{parts.scheme}://*.{'.'.join(labels[1:])}" + (f":{port}" if port else "")]
