"""The transition table, exhaustively: every (state, action, actor) triple."""

from __future__ import annotations

import itertools

import pytest

from linli.core.errors import Conflict, Forbidden
from linli.matters import workflows as wf
from linli.matters.choices import MatterAction, MatterState

S = MatterState
A = MatterAction
STEP_ACTIONS = [
    a
    for a in A.values
    if a not in (A.RAISE, A.MERGED_IN, A.AWARD, A.AWARD_SKIPPED, A.FOLLOW, A.ANSWER)
]

# The whole table spelled out once more, by hand: (state, action) → (target, actors).
R, L, ST, D, SY = wf.RAISER, wf.LEADER, wf.STAFF, wf.DEPARTMENT, wf.SYSTEM
EXPECTED: dict[tuple[str, str], tuple[str, set[str]]] = {}
for s in (S.RAISED, S.REOPENED):
    EXPECTED[(s, A.ACCEPT)] = (S.ACCEPTED, {L, ST})
    EXPECTED[(s, A.DECLINE)] = (S.DECLINED, {ST})
    EXPECTED[(s, A.MERGE)] = (S.MERGED, {ST})
    EXPECTED[(s, A.ESCALATE)] = (S.IN_HAND, {L, ST})
for s in (S.ACCEPTED, S.IN_HAND):
    EXPECTED[(s, A.SETTLE)] = (S.DONE, {L, ST})
    EXPECTED[(s, A.ESCALATE)] = (S.IN_HAND, {L, ST})
    EXPECTED[(s, A.CONVENE)] = (S.DELIBERATING, {ST})
    EXPECTED[(s, A.DECIDE)] = (S.DECIDED, {ST})
    EXPECTED[(s, A.REFER)] = (S.REFERRED, {ST})
    EXPECTED[(s, A.DECLINE)] = (S.DECLINED, {ST})
    EXPECTED[(s, A.MERGE)] = (S.MERGED, {ST})
EXPECTED.update(
    {
        (S.RAISED, A.WITHDRAW): (S.CLOSED, {R}),
        (S.DELIBERATING, A.RESOLVE): (S.DECIDED, {ST, SY}),
        (S.DELIBERATING, A.ESCALATE): (S.IN_HAND, {ST, SY}),
        (S.DELIBERATING, A.DEFER): (S.IN_HAND, {ST, SY}),
        (S.DELIBERATING, A.DECLINE): (S.DECLINED, {ST, SY}),
        (S.DECIDED, A.COMPLETE): (S.DONE, {ST}),
        (S.DECIDED, A.REFER): (S.REFERRED, {ST}),
        (S.REFERRED, A.SIGN): (S.WAITING, {D}),
        (S.REFERRED, A.RETURN): (S.IN_HAND, {D}),
        (S.REFERRED, A.CHASE): (S.REFERRED, {ST, SY}),
        (S.WAITING, A.EXTEND): (S.WAITING, {D}),
        (S.WAITING, A.CHASE): (S.WAITING, {ST, SY}),
        (S.WAITING, A.RETURN): (S.IN_HAND, {D}),
        (S.WAITING, A.COMPLETE): (S.DONE, {D, ST}),
        (S.DONE, A.RATE): (S.RATED, {R}),
        (S.DONE, A.RATE_BAD): (S.RECTIFYING, {R}),
        (S.RECTIFYING, A.RECTIFY): (S.DONE, {ST, D}),
        (S.DONE, A.CLOSE): (S.CLOSED, {ST, SY}),
        (S.RATED, A.CLOSE): (S.CLOSED, {ST, SY}),
        (S.DONE, A.REOPEN): (S.REOPENED, {R, ST}),
        (S.DECLINED, A.REOPEN): (S.REOPENED, {R, ST}),
        (S.CLOSED, A.REOPEN): (S.REOPENED, {R, ST}),
        (S.RATED, A.REOPEN): (S.REOPENED, {ST}),
    }
)

TRIPLES = list(itertools.product(S.values, STEP_ACTIONS, wf.ACTORS))


def test_table_is_exactly_the_expected_one():
    got = {k: (v.target, set(v.actors)) for k, v in wf.MATTER.items()}
    assert got == EXPECTED


@pytest.mark.parametrize(("state", "action", "actor"), TRIPLES)
def test_every_triple(state, action, actor):
    expected = EXPECTED.get((state, action))
    if expected is None:
        with pytest.raises(Conflict):
            wf.transition(wf.MATTER, state, action, actor)
    elif actor not in expected[1]:
        with pytest.raises(Forbidden):
            wf.transition(wf.MATTER, state, action, actor)
    else:
        assert wf.transition(wf.MATTER, state, action, actor) == expected[0]


def test_finished_states_are_terminal_except_reopen():
    for state in (S.MERGED,):
        assert not [a for (s, a) in wf.MATTER if s == state]
    for state in (S.CLOSED, S.DECLINED):
        assert [a for (s, a) in wf.MATTER if s == state] == [A.REOPEN]


def test_every_state_is_reachable_from_raised():
    seen, todo = {S.RAISED.value}, [S.RAISED.value]
    while todo:
        state = todo.pop()
        for (s, _a), step in wf.MATTER.items():
            if s == state and step.target not in seen:
                seen.add(step.target)
                todo.append(step.target)
    assert seen == set(S.values)


def test_transition_any_picks_an_allowed_capacity():
    assert wf.transition_any(S.RAISED, A.ACCEPT, {R, L}) == (S.ACCEPTED, L)
    with pytest.raises(Forbidden):
        wf.transition_any(S.RAISED, A.ACCEPT, {R})
    with pytest.raises(Conflict):
        wf.transition_any(S.CLOSED, A.ACCEPT, {ST})
    assert set(wf.allowed_actions(S.RAISED, {R})) == {A.WITHDRAW}
