"""Real parallel transactions on PostgreSQL, released together behind a barrier."""

from __future__ import annotations

import pytest

from linli.core.errors import Conflict, Forbidden
from linli.matters.choices import MatterState
from linli.matters.models import Matter
from linli.matters.services import (
    matter_accept,
    matter_decline,
    matter_escalate,
    matter_merge,
    matter_raise,
    matter_withdraw,
)
from tests.race import race

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def test_two_people_at_once_one_wins(matter, resident_user, leader):
    # The leader accepts while the raiser withdraws: each step rules the other out.
    results = race(
        2,
        lambda i: (
            matter_accept(actor=leader, matter=matter)
            if i == 0
            else matter_withdraw(actor=resident_user, matter=matter)
        ),
    )
    won = [r for r in results if isinstance(r, Matter)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 1 and len(lost) == 1, results
    matter.refresh_from_db()
    assert matter.state in (MatterState.ACCEPTED, MatterState.CLOSED)
    assert matter.events.count() == 2  # raised + the winner


def test_two_handlers_decline_and_escalate(matter, leader, staff):
    # Staff decline while the leader carries it up: the second step sees the first's state.
    results = race(
        2,
        lambda i: (
            matter_escalate(actor=leader, matter=matter, reason="小区的事")
            if i == 0
            else matter_decline(actor=staff, matter=matter, reason="重复")
        ),
    )
    matter.refresh_from_db()
    assert all(isinstance(r, Matter | Conflict | Forbidden) for r in results), results
    applied = sum(isinstance(r, Matter) for r in results)
    # Escalate then decline is a valid order; decline then escalate is not (declined is final).
    assert applied >= 1
    assert matter.events.count() == 1 + applied
    if applied == 2:
        assert list(matter.events.order_by("id").values_list("action", flat=True)) == [
            "raise",
            "escalate",
            "decline",
        ]
    if isinstance(results[1], Matter):
        assert matter.state == MatterState.DECLINED


def test_same_step_twice_at_once(matter, leader, staff):
    actors = [leader, staff, leader, staff]
    results = race(4, lambda i: matter_accept(actor=actors[i], matter=matter))
    assert sum(isinstance(r, Matter) for r in results) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 3, results


def test_case_numbers_unique_under_concurrent_raising(tree, resident_user, leader, staff):
    actors = [resident_user, leader, staff] * 3

    def raise_one(i):
        source = {0: "resident", 1: "leader", 2: "visit"}[i % 3]
        return matter_raise(
            actor=actors[i], place=tree.building1, kind="problem", title=f"事{i}", source=source
        )

    results = race(9, raise_one)
    assert all(isinstance(r, Matter) for r in results), results
    numbers = sorted(r.case_number for r in results)
    assert len(set(numbers)) == 9
    assert [int(n.rsplit("-", 1)[1]) for n in numbers] == list(range(1, 10))


def test_crossed_merges_do_not_deadlock(tree, matter, staff, secretary, leader):
    other = matter_raise(
        actor=leader, place=tree.building1, kind="problem", title="楼道灯", source="leader"
    )
    pairs = [(matter, other, staff), (other, matter, secretary)]
    results = race(
        2, lambda i: matter_merge(actor=pairs[i][2], matter=pairs[i][0], into=pairs[i][1])
    )
    won = [r for r in results if isinstance(r, Matter)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 1 and len(lost) == 1, results
    states = sorted(Matter.objects.values_list("state", flat=True))
    assert states == sorted([MatterState.MERGED, MatterState.RAISED])
    survivor = Matter.objects.get(state=MatterState.RAISED)
    assert survivor.followers.count() == 2
