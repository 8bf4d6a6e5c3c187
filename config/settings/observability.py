"""Pure helpers for the logging and error-reporting settings in ``base.py``."""

from __future__ import annotations

from typing import Any


def logging_config(*, level: str, json_logs: bool) -> dict[str, Any]:
    """Django's LOGGING: one stream to stderr, JSON lines (python-json-logger) in production,
    plain text on a laptop; every record carries the request's id and the user's id
    (linli.core.requestlog) — never the phone number."""
    formatter: dict[str, Any]
    if json_logs:
        formatter = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            # ISO 8601 in UTC, whatever TIME_ZONE is.
            "timestamp": "time",
        }
    else:
        formatter = {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s u=%(user_id)s] "
            "%(message)s"
        }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request": {"()": "linli.core.requestlog.RequestContextFilter"}},
        "formatters": {"linli": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["request"],
                "formatter": "linli",
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "axes": {"level": "WARNING"},
            # One line per request comes from linli.request; Django's own per-request
            # warnings (404s, 400s) would repeat it.
            "django.request": {"level": "ERROR"},
            "django.server": {"level": "WARNING"},
        },
    }


def _scrub(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    """Error reports leave without cookies, form data, query strings or the user's details
    other than the id."""
    request = event.get("request") or {}
    for key in ("cookies", "data", "query_string"):
        request.pop(key, None)
    headers = request.get("headers") or {}
    for key in list(headers):
        if key.lower() in {"cookie", "authorization", "x-csrftoken"}:
            headers.pop(key)
    user = event.get("user")
    if user:
        event["user"] = {"id": user.get("id")}
    return event


def init_sentry(dsn: str, *, environment: str, release: str, traces_sample_rate: float) -> bool:
    """Turn on error reporting through sentry-sdk when a DSN is set (off by default)."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration()],
        environment=environment,
        release=release,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        before_send=_scrub,  # type: ignore[arg-type]
    )
    return True
