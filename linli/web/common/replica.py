"""Which requests read from the replica (linli.core.dbrouting).

A GET or HEAD of one of the views named in ``LINLI_REPLICA_VIEWS`` (boards, public lists,
exports, statistics: pages that may be a few seconds behind) reads from the replica — unless
the person wrote something in the last ``LINLI_REPLICA_STICKY_SECONDS``: every POST (or other
unsafe method) that does not fail sets the ``linli_primary`` cookie to the moment until which
that browser reads from the primary, so a person always sees what they just did. Without a
replica (no ``LINLI_REPLICA_URL``), or while it does not answer, everything reads from the
primary.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from linli.core.dbrouting import replica_configured, replica_reads

STICKY_COOKIE = "linli_primary"
_SAFE = {"GET", "HEAD", "OPTIONS"}


def sticky_until(request: HttpRequest) -> float:
    try:
        return float(request.COOKIES.get(STICKY_COOKIE, "0"))
    except ValueError:
        return 0.0


class ReplicaMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response
        self.views = frozenset(getattr(settings, "LINLI_REPLICA_VIEWS", ()))
        self.sticky = int(getattr(settings, "LINLI_REPLICA_STICKY_SECONDS", 10))

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            response = self.get_response(request)
        finally:
            reads = getattr(request, "_linli_replica_reads", None)
            if reads is not None:
                reads.__exit__(None, None, None)
        if request.method not in _SAFE and response.status_code < 500 and replica_configured():
            until = int(time.time()) + self.sticky
            response.set_cookie(
                STICKY_COOKIE,
                str(until),
                max_age=self.sticky,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponseBase | None:
        match = request.resolver_match
        if (
            request.method in ("GET", "HEAD")
            and match is not None
            and match.view_name in self.views
            and sticky_until(request) < time.time()
            and replica_configured()
        ):
            # Open for the view and its template (rendered before __call__ returns).
            reads = replica_reads()
            reads.__enter__()
            request._linli_replica_reads = reads  # type: ignore[attr-defined]
        return None
