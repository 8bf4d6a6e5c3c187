"""The notices' texts: every app that sends notices keeps its own ``TextRegistry`` of notice
kinds (``linli/<app>/texts.py``) and installs it here from its ``AppConfig.ready``;
``notice_text`` renders a stored notice in the active language.

A notice stored before kinds existed, or whose text the migration could not read back, has
the kind ``LEGACY`` and is shown as it was stored."""

from __future__ import annotations

from typing import Any, Protocol

from django.conf import settings

from linli.core.texts import Params, TextRegistry

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


# Kinds that a notice shared before each sentence had its own kind (one kind, two texts).
SPLIT_KINDS = {
    "activity.correction_rejected": "activity.correction",
    "activity.promoted_pending": "activity.promoted",
    "activity.signup_rejected": "activity.signup_decided",
}


def legacy_notice(kind: str, text: str) -> tuple[str, Params]:
    """A notice stored as prose (before kinds had templates), read back: its kind (the
    stored one, or the sentence's own kind where one kind had two sentences) and
    parameters, or ``LEGACY`` with the old kind when the text matches no template in any
    language (it is then shown as stored)."""
    candidates = [kind, *(k for k, was in SPLIT_KINDS.items() if was == kind)]
    languages = [code for code, _name in settings.LANGUAGES]
    for k in candidates:
        params = NOTICES.parse(k, text, languages)
        if params is not None:
            return k, params
    return LEGACY, {"was": kind}
