"""Sign-in defences on top of django-axes.

- The client's address comes from axes' own resolution (django-ipware with the proxy count
  from ``LINLI_TRUSTED_PROXY_COUNT``, config/settings/security.py), so the lockout and the
  spray limit below key on the same address.
- Lockout stays on (number, address) pairs (``AXES_LOCKOUT_PARAMETERS``): a stranger's wrong
  passwords cannot lock a resident out at home.
- Spraying — a few passwords tried on every number from one address — never trips a pair's
  lockout, so an address with ``LINLI_SPRAY_FAILURES`` failed sign-ins (any numbers) within
  ``LINLI_SPRAY_HOURS`` is refused until it falls below that again. Failures already go to
  the database (axes' ``AccessFailureLog``, one row per failure with its time), which every
  worker process and server shares and which counts an exact sliding window; a per-process
  cache would let each worker grant its own quota. A refused attempt is logged too, so an
  address that keeps trying stays refused.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address
from axes.models import AccessFailureLog
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

REFUSED_ATTR = "linli_address_refused"


def client_address(request: HttpRequest) -> str | None:
    """The client's address as axes sees it (behind trusted proxies, the real client)."""
    cached = getattr(request, "axes_ip_address", None)
    return cached if cached is not None else get_client_ip_address(request)


def recent_failures(address: str | None) -> int:
    """Failed sign-ins from ``address`` within the spray window, whatever the numbers.

    An address axes could not find (None: a request that passed fewer proxies than
    ``LINLI_TRUSTED_PROXY_COUNT`` says) shares one count with every other such request."""
    since = timezone.now() - timedelta(hours=settings.LINLI_SPRAY_HOURS)
    return AccessFailureLog.objects.filter(ip_address=address, attempt_time__gte=since).count()


def address_refused(address: str | None) -> bool:
    return recent_failures(address) >= settings.LINLI_SPRAY_FAILURES


class SignInHandler(AxesDatabaseHandler):
    """axes' database handler, plus the per-address limit across numbers."""

    def is_locked(self, request: Any, credentials: dict[str, Any] | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        if address_refused(request.axes_ip_address):
            setattr(request, REFUSED_ATTR, True)
            return True
        return False

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
    ) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        if address_refused(request.axes_ip_address):
            # This failure reached the limit: answer with the refusal now, not with
            # "wrong password" (the next attempt would be refused before any check).
            setattr(request, REFUSED_ATTR, True)
            request.axes_locked_out = True
            request.axes_credentials = credentials


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The page for a locked-out pair or a refused address (``AXES_LOCKOUT_CALLABLE``)."""
    return render(
        request,
        "web/account/locked_out.html",
        {
            "address_refused": bool(getattr(request, REFUSED_ATTR, False)),
            "spray_minutes": round(settings.LINLI_SPRAY_HOURS * 60),
        },
        status=getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429),
    )
