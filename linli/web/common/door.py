"""The one door between the domain's refusals and the pages.

- ``DomainErrorMiddleware``: the domain's ``NotFound`` that leaves a view is the 404 page and
  its ``Forbidden`` the 403 page, both in the person's language (Django's own handlers render
  ``404.html`` and ``403.html``). A view never catches either to translate it: it calls the
  selector or the service and lets the door answer.
- ``run_service``: call a service as the person signed in; its refusal (any other
  ``DomainError``: a rule, a state, a conflict, a permission) becomes a message in their
  language — on the form when one is given (on the field the refusal names), else at the
  top of the next page — and success may leave a success message. The view then decides
  where to go (usually: redirect on success, the form again on refusal). ``NotFound`` is not
  a refusal to show: it passes through to the door.

An action that should answer 403 rather than a message (nothing in the pages does so far)
simply lets ``Forbidden`` leave the view.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.messages.storage.base import BaseStorage
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.functional import Promise

from linli.core.errors import DomainError, Forbidden, NotFound

from .forms import add_domain_error

T = TypeVar("T")


class DomainErrorMiddleware:
    """NotFound → 404, Forbidden → 403, for every view (listed just before the bad-input net,
    so that it sees a view's exception among the first)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        # Raised here, Django's own handlers answer: handler404 / handler403 render the
        # pages with the request (its language, its nonce), like any other 404 or 403.
        if isinstance(exception, NotFound):
            raise Http404(str(exception)) from exception
        if isinstance(exception, Forbidden):
            raise PermissionDenied(str(exception)) from exception


class Outcome(Generic[T]):
    """What ``run_service`` came back with: the service's result, or its refusal."""

    __slots__ = ("_value", "error")

    def __init__(self, value: T | None = None, error: DomainError | None = None):
        self._value = value
        self.error = error

    @property
    def ok(self) -> bool:
        return self.error is None

    def __bool__(self) -> bool:
        return self.ok

    @property
    def value(self) -> T:
        """The service's result (only after success)."""
        if self.error is not None:
            raise RuntimeError("the service refused: there is no result") from self.error
        return self._value  # type: ignore[return-value]


Message = str | Promise


def run_service(
    request: HttpRequest,
    service: Callable[..., T],
    /,
    *,
    ok: Message | Callable[[T], Message] | None = None,
    form: forms.Form | None = None,
    quiet: bool = False,
    once: bool = False,
    **kwargs: Any,
) -> Outcome[T]:
    """``service(actor=request.user, **kwargs)``. A refusal goes on ``form`` if given, else is
    an error message (``quiet``: neither, the caller shows ``outcome.error`` itself); on
    success, ``ok`` (a text, or a function of the result giving one) is a success message.
    ``once``: not added again while the same message still waits to be shown (an idempotent
    service's replay, e.g. a form posted twice, says it once)."""
    try:
        value = service(actor=request.user, **kwargs)
    except NotFound:
        raise  # the door: a 404
    except DomainError as exc:
        if form is not None:
            add_domain_error(form, exc)
        elif not quiet:
            messages.error(request, str(exc))
        return Outcome(error=exc)
    if ok is not None:
        text = str(ok(value) if callable(ok) else ok)
        if not (once and _waiting(request, text)):
            messages.success(request, text)
    return Outcome(value)


def _waiting(request: HttpRequest, text: str) -> bool:
    """Whether ``text`` is among the messages not shown yet (they stay waiting: reading the
    storage marks it used, which is undone)."""
    storage = messages.get_messages(request)
    waiting = any(str(m) == text for m in storage)
    if isinstance(storage, BaseStorage):
        storage.used = False
    return waiting
