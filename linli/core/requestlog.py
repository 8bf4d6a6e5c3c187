"""What every log line knows about the request it was written in.

The web layer's ``RequestLogMiddleware`` (linli.web.common.requestlog) sets the request's id
and the signed-in user's id here for the length of one request; ``RequestContextFilter``
copies them onto every log record, so a JSON log line from anywhere (a service, Django, the
database layer) carries ``request_id`` and ``user_id``. Never the phone number: people are
identified in logs by their numeric id only.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "linli_request_id", default=None
)
user_id_var: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "linli_user_id", default=None
)

# An id handed in by the proxy (nginx's $request_id) is kept when it looks like one:
# letters, digits, '-', '_' and '.', at most 64 characters. Anything else is replaced, so a
# client cannot write arbitrary text into the logs.
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def clean_request_id(raw: str | None) -> str:
    """The id to use for a request whose proxy sent ``raw`` (a fresh one when unusable)."""
    if raw and _SAFE_ID.fullmatch(raw):
        return raw
    return uuid.uuid4().hex


class RequestContextFilter(logging.Filter):
    """Adds ``request_id`` and ``user_id`` (None outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        if not hasattr(record, "user_id"):
            record.user_id = user_id_var.get()
        return True
