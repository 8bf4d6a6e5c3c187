"""GET /healthz: 200 with JSON when the app and its database answer, 503 otherwise.

Also reported, without changing the status: the task queue's depth (waiting, running and
failed tasks, the oldest wait) and the replica's lag (linli.core.dbrouting.replica_lag). A
replica that does not answer is not a failure of the app: reads fall back to the primary.
"""

from __future__ import annotations

import time
from typing import Any

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

import linli
from linli.core.dbrouting import replica_lag
from linli.core.taskqueue import queue_depth


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    started = time.perf_counter()
    database: dict[str, object] = {"vendor": connection.vendor}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database["ok"] = True
    except Exception as exc:  # any database failure means "not healthy", and says why
        database["ok"] = False
        database["error"] = exc.__class__.__name__
    database["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
    ok = bool(database["ok"])
    body: dict[str, Any] = {
        "status": "ok" if ok else "error",
        "version": getattr(linli, "__version__", "0.1.0"),
        "database": database,
    }
    if ok:
        try:
            body["tasks"] = queue_depth()
        except Exception as exc:  # the queue's table missing (not migrated) is reported
            body["tasks"] = {"error": exc.__class__.__name__}
    body["replica"] = replica_lag()
    return JsonResponse(body, status=200 if ok else 503)
