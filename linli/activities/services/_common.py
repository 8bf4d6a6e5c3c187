from __future__ import annotations

from typing import Any

from linli.core.text import clean_text

__all__ = ["clean_text", "user_or_none"]  # clean_text: the shared hygiene (linli.core.text)


def user_or_none(actor: Any) -> Any:
    """The actor as a foreign key value: a real user, or None for SYSTEM."""
    return actor if isinstance(getattr(actor, "pk", None), int) else None
