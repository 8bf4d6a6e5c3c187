"""A final public list never changes (its content hashes to its digest), so a repeat costs no
rendering: the list's part of the page is rendered once per digest, language, page and
staff-or-not into Django's cache (``CACHES["default"]``), and only the site's frame around it
(header, CSP nonce, CSRF token) is rendered per request. An anonymous visitor — the list's
public — also gets an ``ETag`` (the digest, language, 长辈版 or not, page, and the deployed
static files' manifest, so that a new release's frame is fetched again) and
``Cache-Control: private, no-cache``, and a conditional GET with a matching ``If-None-Match``
is a 304 without touching the list. A 304 carries no new Content-Security-Policy: the
browser's stored page keeps the header whose nonce its scripts carry.

Signed-in visitors get no ETag: their frame (name, notifications) changes without the list.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from linli.points import policies
from linli.points.models import Publication
from linli.points.policies import PointsAction

CACHE_SECONDS = 7 * 24 * 3600
CACHE_CONTROL = "private, no-cache"
MAX_PAGE = 10_000  # a page number beyond any list: the paginator answers with the last page
BODY = "web/publication/publication_public_body.html"
FRAME = "web/publication/publication_public_final.html"

ContextFor = Callable[[HttpRequest, Publication, int], dict[str, Any]]


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    if not raw.isdigit() or len(raw) > 6:
        return 1
    return min(max(int(raw), 1), MAX_PAGE)


def _release() -> str:
    """The deployed static files' manifest (collectstatic), which changes with a release."""
    manifest = Path(settings.STATIC_ROOT or ".") / "staticfiles.json"
    try:
        return hashlib.sha256(manifest.read_bytes()).hexdigest()[:16]
    except OSError:
        return ""


RELEASE = _release()


def _etag(request: HttpRequest, publication: Publication, lang: str, page: int) -> str:
    elder = "1" if getattr(request, "elder_mode", False) else "0"
    seed = "\n".join([publication.digest, lang, elder, str(page), RELEASE])
    return '"' + hashlib.sha256(seed.encode()).hexdigest()[:40] + '"'


def _matches(request: HttpRequest, etag: str) -> bool:
    wanted = request.headers.get("If-None-Match", "")
    return any(tag.strip().removeprefix("W/") == etag for tag in wanted.split(","))


def final_body_key(publication: Publication, lang: str, page: int, is_staff: bool) -> str:
    return f"linli:publist:{publication.pk}:{publication.digest}:{lang}:{page}:{int(is_staff)}"


def final_public(
    request: HttpRequest, publication: Publication, context_for: ContextFor
) -> HttpResponse:
    page = _page_number(request)
    lang = get_language() or ""
    etag = None
    if not request.user.is_authenticated:
        etag = _etag(request, publication, lang, page)
        if _matches(request, etag):
            not_modified = HttpResponseNotModified()
            not_modified["ETag"] = etag
            not_modified["Cache-Control"] = CACHE_CONTROL
            not_modified._csp_exempt = True  # type: ignore[attr-defined]
            return not_modified
    is_staff = etag is None and policies.can(
        request.user, PointsAction.PUBLISH, publication.community
    )
    key = final_body_key(publication, lang, page, is_staff)
    cached = cache.get(key)
    if cached is None:
        context = context_for(request, publication, page)
        cached = (str(context["title"]), render_to_string(BODY, context, request=request))
        cache.set(key, cached, CACHE_SECONDS)
    title, body = cached
    # Our own template's output, rendered above (autoescaped) for this digest.
    frame = {"title": title, "body": mark_safe(body), "publication": publication}  # noqa: S308
    response = render(request, FRAME, frame)
    response["Cache-Control"] = CACHE_CONTROL
    if etag is not None:
        response["ETag"] = etag
    return response
