"""The one check for a redirect target the client (or a stored row) supplies: ``next`` on
sign-in, sign-out, the preference switch and the forms that return to the page they were on,
and a notification's link. Only a path on this site passes; anything else is the fallback.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def is_local_path(target: str) -> bool:
    """A path on this site: ``/…`` with no scheme, no host, no backslash (browsers read
    ``/\\evil`` as ``//evil``) and no control character (CR/LF would split a header)."""
    if not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return False
    # Django's own check as well (it knows the other tricks browsers fall for).
    return url_has_allowed_host_and_scheme(target, allowed_hosts=None)


def safe_next(request: HttpRequest, fallback: str, *, target: str | None = None) -> str:
    """``target`` (by default ``next`` from the form, else from the query) if it is a local
    path, else ``fallback``."""
    if target is None:
        target = request.POST.get("next") or request.GET.get("next") or ""
    return target if target and is_local_path(target) else fallback
