from __future__ import annotations

from linli.core.actors import Actor
from linli.core.text import clean_text
from linli.people.models import User
from linli.people.policies import acting_user

__all__ = ["clean_text", "user_or_none"]  # clean_text: the shared hygiene (linli.core.text)


def user_or_none(actor: Actor) -> User | None:
    """The actor as a foreign key value: a real user, or None for SYSTEM."""
    return acting_user(actor)
