"""Per-person display preferences: language and 长辈模式 (large text, high contrast).

Both are cookies so they work before sign-in (an older resident can enlarge the sign-in
page); a signed-in user's saved choice wins. The language cookie is Django's own, read by
LocaleMiddleware, which runs after this middleware.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

ELDER_COOKIE = "linli_elder"


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
