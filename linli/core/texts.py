"""System texts as data: a row written by the system (a timeline line, a notice) stores a
*kind* and its *parameters*; the sentence is made when the row is read, in the reader's
language, from the kind's template in a ``TextRegistry``.

A template is a lazy ``gettext``/``pgettext`` string with named parameters
(``"事项 %(case)s「%(title)s」已受理"``). Parameters are data, never prose:

- names and user-written text (a department's name, a reason a person typed) as they are;
- enumerations (a level, a rating, an appeal's reason) as their codes, named in ``enums``
  with their ``TextChoices``: rendered through the choice's label in the reader's language;
- lists of names (``lists``) as JSON lists, joined with the language's list separator.

``parse`` reads a legacy sentence (one stored as prose before kinds existed) back into
parameters by matching it against the template in each language; the data migrations use it
and keep what does not match as free text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Choices
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import pgettext

Params = dict[str, Any]
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def jsonable(value: Any) -> Any:
    """A parameter as stored: dates as ISO strings, enumerations as their codes, lazy
    strings (names) as text."""
    if isinstance(value, Choices):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def list_separator() -> str:
    return pgettext("list separator", "、")


@dataclass(frozen=True)
class Template:
    text: Promise | str
    enums: Mapping[str, type[Choices]] = field(default_factory=dict)
    lists: frozenset[str] = frozenset()
    # Extra shaping of the parameters before formatting (after enums and lists), and its
    # inverse for ``parse``; for the few sentences whose parameters need more than a label.
    prepare: Callable[[Params], Params] | None = None
    unprepare: Callable[[Params], Params | None] | None = None

    def names(self) -> list[str]:
        return list(dict.fromkeys(_PLACEHOLDER.findall(str(self.text))))


def _label(choices: type[Choices], code: Any) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return str(code)


class TextRegistry:
    """kind → template. ``render`` answers None for an unknown kind or missing parameters,
    so the caller falls back to the text stored with the row."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._templates: dict[str, Template] = {}

    def add(
        self,
        kind: str,
        text: Promise | str,
        *,
        enums: Mapping[str, type[Choices]] | None = None,
        lists: Iterable[str] = (),
        prepare: Callable[[Params], Params] | None = None,
        unprepare: Callable[[Params], Params | None] | None = None,
    ) -> None:
        if kind in self._templates:
            raise ValueError(f"{self.name}: kind {kind!r} registered twice")
        self._templates[kind] = Template(
            text, dict(enums or {}), frozenset(lists), prepare, unprepare
        )

    def update(self, other: TextRegistry) -> None:
        for kind, template in other._templates.items():
            if kind in self._templates and self._templates[kind] is not template:
                raise ValueError(f"{self.name}: kind {kind!r} registered twice")
            self._templates[kind] = template

    def discard(self, kind: str) -> None:
        self._templates.pop(kind, None)

    def __contains__(self, kind: object) -> bool:
        return kind in self._templates

    def kinds(self) -> list[str]:
        return sorted(self._templates)

    def template(self, kind: str) -> Template:
        return self._templates[kind]

    def render(self, kind: str, params: Mapping[str, Any] | None) -> str | None:
        """The sentence for ``kind`` in the active language, or None."""
        t = self._templates.get(kind)
        if t is None:
            return None
        values: Params = dict(params or {})
        for name, choices in t.enums.items():
            if name in values:
                values[name] = _label(choices, values[name])
        for name in t.lists:
            if isinstance(values.get(name), list):
                values[name] = list_separator().join(str(v) for v in values[name])
        if t.prepare is not None:
            values = t.prepare(values)
        try:
            return str(t.text) % values
        except (KeyError, TypeError, ValueError):
            return None

    def parse(self, kind: str, text: str, languages: Iterable[str]) -> Params | None:
        """The parameters that make ``text`` from ``kind``'s template in one of
        ``languages``, or None when it does not match."""
        t = self._templates.get(kind)
        if t is None:
            return None
        for lang in languages:
            with translation.override(lang):
                found = _match(t, str(t.text), text)
                if found is not None:
                    return found
        return None


def _regex(template: str) -> re.Pattern[str]:
    parts: list[str] = []
    seen: set[str] = set()
    pos = 0
    for m in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[pos : m.start()].replace("%%", "%")))
        name = m.group(1)
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
        pos = m.end()
    parts.append(re.escape(template[pos:].replace("%%", "%")))
    return re.compile("".join(parts), re.S)


def _match(t: Template, template: str, text: str) -> Params | None:
    m = _regex(template).fullmatch(text)
    if m is None:
        return None
    values: Params = dict(m.groupdict())
    if t.unprepare is not None:
        shaped = t.unprepare(values)
        if shaped is None:
            return None
        values = shaped
    for name in t.lists:
        if isinstance(values.get(name), str):
            values[name] = values[name].split(list_separator())
    for name, choices in t.enums.items():
        if name not in values:
            continue
        codes = {str(label): value for value, label in choices.choices}
        if values[name] not in codes:
            return None
        values[name] = codes[values[name]]
    return values
