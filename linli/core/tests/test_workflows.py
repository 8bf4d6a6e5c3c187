"""The shared state-machine helpers, on a small table of their own."""

from __future__ import annotations

import pytest

from linli.core.errors import Conflict, Forbidden
from linli.core.workflows import Transition, allowed_actions, step, transition, transition_any

TABLE = {
    ("draft", "publish"): step("public", "staff"),
    ("draft", "recompute"): step("draft", "staff", "system"),
    ("public", "finalize"): step("final", "system", "staff"),
}


def test_step_builds_a_transition() -> None:
    assert step("x", "a", "b") == Transition("x", frozenset({"a", "b"}))


def test_transition_gives_the_next_state_or_says_why_not() -> None:
    assert transition(TABLE, "draft", "publish", "staff") == "public"
    with pytest.raises(Forbidden):
        transition(TABLE, "draft", "publish", "system")
    with pytest.raises(Conflict):
        transition(TABLE, "public", "publish", "staff")
    with pytest.raises(Conflict):
        transition(TABLE, "final", "nothing", "")


def test_transition_any_takes_the_first_capacity_in_order_that_may() -> None:
    assert transition_any(
        TABLE, "draft", "recompute", {"staff", "system"}, ("system", "staff")
    ) == (
        "draft",
        "system",
    )
    assert transition_any(
        TABLE, "draft", "recompute", {"staff", "system"}, ("staff", "system")
    ) == (
        "draft",
        "staff",
    )
    # A capacity the actor holds but the order leaves out does not count.
    with pytest.raises(Forbidden):
        transition_any(TABLE, "draft", "publish", {"staff"}, ("system",))
    with pytest.raises(Forbidden):
        transition_any(TABLE, "draft", "publish", {"resident"}, ("resident", "staff"))
    with pytest.raises(Conflict):
        transition_any(TABLE, "final", "publish", {"staff"}, ("staff",))


def test_allowed_actions_in_table_order() -> None:
    assert allowed_actions(TABLE, "draft", {"staff"}) == ["publish", "recompute"]
    assert allowed_actions(TABLE, "draft", {"system"}) == ["recompute"]
    assert allowed_actions(TABLE, "draft", set()) == []
    assert allowed_actions(TABLE, "final", {"staff", "system"}) == []
