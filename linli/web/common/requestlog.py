"""One JSON log line per request, with its id, the user's id and its timings.

``RequestLogMiddleware`` (first in MIDDLEWARE after Prometheus' counter) gives each request an
id — nginx's ``X-Request-ID`` when it sent a usable one, else a fresh one — answers with it in
``X-Request-ID``, and puts it and the signed-in user's id (never the phone number) on every log
record written while the request runs (linli.core.requestlog). When the response is ready it
logs ``request`` on the ``linli.request`` logger with the method, the path (without the query
string, which may hold a search for a name or number), the view's name, the status, the
total time and the number and time of database queries.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from django.db import connections
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from linli.core.requestlog import clean_request_id, request_id_var, user_id_var

logger = logging.getLogger("linli.request")


class _QueryTimer:
    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - started


@contextmanager
def _timing_queries(timer: _QueryTimer) -> Iterator[None]:
    with ExitStack() as stack:
        for alias in connections:
            stack.enter_context(connections[alias].execute_wrapper(timer))
        yield


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = clean_request_id(request.headers.get("X-Request-ID"))
        request.request_id = request_id  # type: ignore[attr-defined]
        id_token = request_id_var.set(request_id)
        user_token = user_id_var.set(None)
        started = time.perf_counter()
        timer = _QueryTimer()
        status = 500
        try:
            with _timing_queries(timer):
                response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = request_id
            return response
        finally:
            user = getattr(request, "user", None)
            user_id = user.pk if user is not None and user.is_authenticated else None
            user_id_var.set(user_id)
            match = getattr(request, "resolver_match", None)
            logger.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "view": match.view_name if match else None,
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "db_queries": timer.count,
                    "db_ms": round(timer.seconds * 1000, 2),
                    "user_id": user_id,
                },
            )
            user_id_var.reset(user_token)
            request_id_var.reset(id_token)
