"""Domain errors. Services raise these; views and the API turn them into messages.

Every message is a translatable string meant for the person who acted, in their language.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise


class DomainError(Exception):
    """A request the domain refuses. ``message`` is shown to the user as it is."""

    code = "invalid"
    http_status = 400

    def __init__(self, message: str | Promise, *, code: str | None = None, **params: Any):
        self.message = message
        self.params = params
        if code:
            self.code = code
        super().__init__(str(message))

    def __str__(self) -> str:
        return str(self.message)


class ValidationFailed(DomainError):
    """Bad input: a field or row fails a rule. ``errors`` maps field → messages."""

    def __init__(self, message: str | Promise, *, errors: dict[str, list[str]] | None = None):
        super().__init__(message, code="validation")
        self.errors = errors or {}


class Conflict(DomainError):
    """The request contradicts the current state (already done, duplicate, raced)."""

    code = "conflict"
    http_status = 409


class Forbidden(DomainError):
    """The actor may see the object but may not do this to it."""

    code = "forbidden"
    http_status = 403


class NotFound(DomainError):
    """The object does not exist *or* lies outside the actor's places (never say which)."""

    code = "not_found"
    http_status = 404
