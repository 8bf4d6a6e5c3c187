"""The notices' texts: every app that sends notices keeps its own ``TextRegistry`` of notice
kinds (``linli/<app>/texts.py``) and installs it here from its ``AppConfig.ready``;
``notice_text`` renders a stored notice in the active language.

A notice stored before kinds existed, or whose text the migration could not read back, has
the kind ``LEGACY`` and is shown as it was stored."""

from __future__ import annotations

from typing import Any, Protocol

from linli.core.texts import TextRegistry

NOTICES = TextRegistry("notices")
LEGACY = "legacy"


class _Stored(Protocol):
    kind: str
    text: str

    @property
    def params(self) -> Any: ...


def install(registry: TextRegistry) -> None:
    """Add an app's notice kinds (called from its ``AppConfig.ready``)."""
    NOTICES.update(registry)


def notice_text(notice: _Stored) -> str:
    """The notice's sentence in the active language; its stored text when its kind has no
    template (legacy rows, free text)."""
    if notice.kind == LEGACY or notice.kind not in NOTICES:
        return notice.text
    rendered = NOTICES.render(notice.kind, notice.params)
    return notice.text if rendered is None else rendered
