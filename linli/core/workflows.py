"""Pure state machines: a transition table maps (state, action) to the next state and the
capacities ("who may": staff, resident, system …) that may take it.

No ORM here. Each workflow (matters, the quarterly publication, redemption orders) keeps its
own table and its own names for the capacities; services look a step up with
``transition()`` after locking the row, then stamp who/when/why and write the audit row.
Tests walk every (state, action, capacity) triple of each table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from linli.core.errors import Conflict, Forbidden


@dataclass(frozen=True)
class Transition:
    """One step of a table: where it leads and who may take it."""

    target: str
    actors: frozenset[str]


Table = Mapping[tuple[str, str], Transition]


def step(target: str, *actors: str) -> Transition:
    """``Transition(target, frozenset(actors))``, for writing tables."""
    return Transition(target, frozenset(actors))


def transition(table: Table, state: str, action: str, actor: str) -> str:
    """The next state, or a refusal that says why in the user's language: no such step from
    this state (Conflict), or not for this capacity (Forbidden)."""
    found = table.get((state, action))
    if found is None:
        raise Conflict(
            _("当前状态下不能进行此操作（%(state)s → %(action)s）")
            % {"state": state, "action": action}
        )
    if actor not in found.actors:
        raise Forbidden(_("您不能进行此操作"))
    return found.target


def transition_any(
    table: Table, state: str, action: str, kinds: Iterable[str], order: Iterable[str]
) -> tuple[str, str]:
    """The next state and the capacity the actor acts in: the first of ``order`` that the
    actor holds (``kinds``) and the table allows. Refusals as ``transition()``; the capacity
    is "" when none applies."""
    held = set(kinds)
    found = table.get((state, action))
    for kind in order:
        if kind in held and found is not None and kind in found.actors:
            return transition(table, state, action, kind), kind
    return transition(table, state, action, ""), ""


def allowed_actions(table: Table, state: str, kinds: Iterable[str]) -> list[str]:
    """The actions from ``state`` that any of ``kinds`` may take, in the table's order."""
    held = set(kinds)
    return [a for (s, a), found in table.items() if s == state and found.actors & held]
