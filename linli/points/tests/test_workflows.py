"""Every (state, action, actor) triple of both tables: allowed ones give the table's next
state, everything else is refused with Conflict (no such step) or Forbidden (not yours)."""

import itertools

import pytest

from linli.core.errors import Conflict, Forbidden
from linli.points.choices import OrderStatus, PublicationStatus
from linli.points.workflows import (
    ORDER,
    PUBLICATION,
    RESIDENT,
    SPONSOR,
    STAFF,
    SYSTEM,
    transition,
)

ACTORS = [STAFF, RESIDENT, SPONSOR, SYSTEM]
PUB_ACTIONS = sorted({a for _s, a in PUBLICATION})
ORDER_ACTIONS = sorted({a for _s, a in ORDER})


@pytest.mark.parametrize(
    ("table", "states", "actions"),
    [
        (PUBLICATION, PublicationStatus.values, PUB_ACTIONS),
        (ORDER, OrderStatus.values, ORDER_ACTIONS),
    ],
)
def test_every_triple(table, states, actions):
    for state, action, actor in itertools.product(states, actions, ACTORS):
        step = table.get((state, action))
        if step is None:
            with pytest.raises(Conflict):
                transition(table, state, action, actor)
        elif actor not in step.actors:
            with pytest.raises(Forbidden):
                transition(table, state, action, actor)
        else:
            assert transition(table, state, action, actor) == step.target


def test_final_is_final_and_closed_orders_are_closed():
    assert not [k for k in PUBLICATION if k[0] == PublicationStatus.FINAL]
    closed = {
        OrderStatus.FULFILLED,
        OrderStatus.CONFIRMED,
        OrderStatus.CANCELLED,
        OrderStatus.EXPIRED,
    }
    assert not [k for k in ORDER if k[0] in closed]


def test_who_does_what():
    assert transition(PUBLICATION, "draft", "publish", STAFF) == "public"
    assert transition(PUBLICATION, "public", "object", RESIDENT) == "public"
    assert transition(ORDER, "voucher", "confirm", SPONSOR) == "confirmed"
    with pytest.raises(Forbidden):
        transition(ORDER, "voucher", "confirm", STAFF)
    with pytest.raises(Forbidden):
        transition(ORDER, "placed", "fulfil", RESIDENT)
