"""GET /metrics: Prometheus' text format (django-prometheus), for operators only.

Allowed when any of these holds, else a 404 (the page's existence is not advertised):
the client's address is in ``LINLI_METRICS_ALLOW`` (addresses or networks, default the
loopback: Prometheus on the same host, or nginx's ``allow``/``deny`` in front);
the request carries ``Authorization: Bearer <LINLI_METRICS_TOKEN>`` (when that is set);
or the signed-in user is a superuser (an operator).
Besides django-prometheus' request, response and exception counters: ``linli_tasks{state}``,
``linli_tasks_oldest_wait_seconds`` and ``linli_replica_lag_seconds``, read at scrape time.
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
from prometheus_client import Gauge

from linli.core.dbrouting import replica_lag
from linli.core.taskqueue import queue_depth

TASKS = Gauge("linli_tasks", "Tasks in the queue by state", ["state"])
TASK_WAIT = Gauge("linli_tasks_oldest_wait_seconds", "How long the oldest waiting task has waited")
REPLICA_LAG = Gauge("linli_replica_lag_seconds", "Replica replay lag (-1: not answering)")


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


def _refresh_gauges() -> None:
    """The queue's depth and the replica's lag, read at scrape time (cheap: a few counts)."""
    try:
        depth = queue_depth()
    except Exception:  # the queue's table missing is visible in /healthz; skip here
        depth = None
    if depth is not None:
        for state in ("ready", "running", "failed"):
            TASKS.labels(state=state).set(depth[state])
        TASK_WAIT.set(depth["oldest_wait_seconds"])
    lag = replica_lag()
    if lag.get("configured"):
        REPLICA_LAG.set(lag["lag_seconds"] if lag.get("ok") else -1)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        raise Http404
    _refresh_gauges()
    response: HttpResponse = ExportToDjangoView(request)
    return response
