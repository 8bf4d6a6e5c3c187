"""Per-person display preferences, the Permissions-Policy header, and the net for bad input.

Preferences: language and 长辈版 (large text, high contrast).

Both are cookies so they work before sign-in (an older resident can enlarge the sign-in
page); a signed-in user's saved choice wins. The language cookie is Django's own, read by
LocaleMiddleware, which runs after this middleware.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.db import DataError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.template.loader import render_to_string

ELDER_COOKIE = "linli_elder"
ViewFunc = Callable[..., HttpResponseBase]
ResponseT = TypeVar("ResponseT", bound=HttpResponseBase)


class PreferencesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.elder_mode = request.COOKIES.get(ELDER_COOKIE) == "1"  # type: ignore[attr-defined]
        # Chinese by default, whatever the browser asks for: the community office's English
        # Windows must not turn the pages English. English is a choice (the switch, saved in
        # the language cookie and on the account), which LocaleMiddleware still honours.
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


def set_preference_cookies(
    response: HttpResponse, *, language: str | None = None, elder: bool | None = None
) -> None:
    year = 365 * 24 * 3600
    if language is not None:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=year,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    if elder is not None:
        response.set_cookie(
            ELDER_COOKIE,
            "1" if elder else "0",
            max_age=year,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )


PERMISSIONS_POLICY = "Permissions-Policy"


def permissions_policy_with(**allowed: str) -> str:
    """The default Permissions-Policy (``LINLI_PERMISSIONS_POLICY``) with some features allowed:
    ``permissions_policy_with(geolocation="self")`` → ``…, geolocation=(self), …``."""
    features: dict[str, str] = {}
    for item in settings.LINLI_PERMISSIONS_POLICY.split(","):
        name, _, value = item.strip().partition("=")
        if name:
            features[name] = value
    for name, origins in allowed.items():
        features[name.replace("_", "-")] = f"({origins})"
    return ", ".join(f"{name}={value}" for name, value in features.items())


def with_features(response: ResponseT, **allowed: str) -> ResponseT:
    """``response`` with the default policy and some features allowed (a page that asks the
    phone for its position says so; its redirects keep the default)."""
    response[PERMISSIONS_POLICY] = permissions_policy_with(**allowed)
    return response


def allow_features(**allowed: str) -> Callable[[ViewFunc], ViewFunc]:
    """A view whose page uses a browser feature the default policy turns off, e.g. the
    location picker's "use my location": ``@allow_features(geolocation="self")``."""
    policy = permissions_policy_with(**allowed)

    def decorate(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            response = view(request, *args, **kwargs)
            response[PERMISSIONS_POLICY] = policy
            return response

        return wrapped

    return decorate


class PermissionsPolicyMiddleware:
    """Every response gets the restrictive default unless its view already set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if PERMISSIONS_POLICY not in response:
            response[PERMISSIONS_POLICY] = settings.LINLI_PERMISSIONS_POLICY
        return response


bad_input_log = logging.getLogger("linli.web.bad_input")


class BadInputMiddleware:
    """The second line of defence against hostile input (the first is ``linli.core.text``, the
    form fields and the services, which refuse bad input with a message on the page).

    An input the first line missed can still reach the database or a conversion: a number
    past PostgreSQL's range (``DataError``), NUL in a query (``DataError``), an integer too
    large for SQLite (``OverflowError``), text that will not encode or a value the ORM
    cannot convert (``ValueError``, ``UnicodeError``). Rather than a 500, the person gets a
    400 page in their language saying the input could not be handled; the exception is
    logged with its traceback at ERROR on ``linli.web.bad_input``, because each one is a cause
    still to fix (the hostile-input tests fail on any record there)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DataError | OverflowError | ValueError):
            return None
        bad_input_log.error(
            "bad input reached %s %s: %s",
            request.method,
            request.path,
            type(exception).__name__,
            exc_info=exception,
        )
        body = render_to_string("400.html")
        return HttpResponseBadRequest(body)
