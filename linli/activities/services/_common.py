from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from linli.core.errors import ValidationFailed


def user_or_none(actor: Any) -> Any:
    """The actor as a foreign key value: a real user, or None for SYSTEM."""
    return actor if isinstance(getattr(actor, "pk", None), int) else None


def clean_text(raw: object, *, limit: int, required: str = "") -> str:
    """Whitespace collapsed; ``required`` is the message when it is empty."""
    text = " ".join(str(raw or "").split())
    if required and not text:
        raise ValidationFailed(required)
    if len(text) > limit:
        raise ValidationFailed(_("内容太长（最多 %(n)d 个字）") % {"n": limit})
    return text
