"""GET /metrics: Prometheus' text format (django-prometheus), for operators only.

Allowed when any of these holds, else a 404 (the page's existence is not advertised):
the client's address is in ``LINLI_METRICS_ALLOW`` (addresses or networks, default the
loopback: Prometheus on the same host, or nginx's ``allow``/``deny`` in front);
the request carries ``Authorization: Bearer <LINLI_METRICS_TOKEN>`` (when that is set);
or the signed-in user is a superuser (an operator).
The address is the TCP peer, or behind trusted proxies the one they report (the same rule as
the sign-in lockout: LINLI_TRUSTED_PROXY_COUNT).
"""

from __future__ import annotations

import hmac
import ipaddress

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_prometheus.exports import ExportToDjangoView


def client_address(request: HttpRequest) -> str:
    return get_client_ip_address(request) or ""


def _address_allowed(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for network in getattr(settings, "LINLI_METRICS_ALLOW", ()):
        try:
            if ip in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False


def metrics_allowed(request: HttpRequest) -> bool:
    token = getattr(settings, "LINLI_METRICS_TOKEN", "")
    header = request.headers.get("Authorization", "")
    if (
        token
        and header.startswith("Bearer ")
        and hmac.compare_digest(header.removeprefix("Bearer ").strip(), token)
    ):
        return True
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_superuser:
        return True
    return _address_allowed(client_address(request))


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        raise Http404
    response: HttpResponse = ExportToDjangoView(request)
    return response
