"""Who acts: the ``Actor`` every policy and service takes, and the system actor.

An actor is a signed-in ``people.User``, an anonymous visitor (Django's ``AnonymousUser``:
policies refuse it or show it nothing), or ``SYSTEM``: management commands (the demo loader,
imports run by operators from the command line) act as SYSTEM. Policies allow it everything;
audit rows record it with no user.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar, cast

T = TypeVar("T")


class Actor(Protocol):
    """What policies and services may ask of whoever acts. A user's id is ``pk`` (None for
    an anonymous visitor and for SYSTEM); ``is_system()`` tells SYSTEM apart. Code that
    needs the ``User`` row itself (to record who did something) narrows with ``isinstance``."""

    @property
    def pk(self) -> int | None: ...

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_active(self) -> bool: ...


class SystemActor:
    is_system = True
    is_authenticated = True
    is_active = True
    pk = None
    id = None
    name = "system"

    def __repr__(self) -> str:
        return "<SYSTEM>"


SYSTEM = SystemActor()


def is_system(actor: object) -> bool:
    return bool(getattr(actor, "is_system", False))


_MISSING = object()


def actor_memo(actor: object, key: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per actor object — for a user, once per request — kept on the
    object under ``key`` (e.g. the actor's grants, the residents they are)."""
    cached = getattr(actor, key, _MISSING)
    if cached is _MISSING:
        cached = compute()
        setattr(actor, key, cached)
    return cast(T, cached)


def actor_forget(actor: object, key: str) -> None:
    """Drop what ``actor_memo`` kept under ``key`` (after the actor's grants change)."""
    if hasattr(actor, key):
        delattr(actor, key)
