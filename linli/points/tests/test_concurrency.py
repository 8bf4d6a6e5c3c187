"""Real parallel transactions on PostgreSQL, released together behind a barrier."""

import datetime as dt
import uuid

import pytest

from linli.core.errors import Conflict
from linli.points.choices import AwardStatus
from linli.points.models import Award, Posting
from linli.points.selectors import resident_balance
from linli.points.services import award_approve, ledger_verify, points_award
from tests.race import race

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

WHEN = dt.datetime(2023, 11, 18, 19, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_many_awards_race_for_the_last_units_of_a_cap(secretary, staff, dzj, patrol_rule):
    # The patrol rule caps at 10 a day and 100 a quarter: fill 90, then race 8 awards of 10.
    for day in range(9):
        points_award(
            actor=secretary,
            resident=dzj,
            rule=patrol_rule,
            points=10,
            idempotency_key=str(uuid.uuid4()),
            occurred_at=WHEN + dt.timedelta(days=day),
        )
    actors = [secretary, staff] * 4
    results = race(
        8,
        lambda i: points_award(
            actor=actors[i],
            resident=dzj,
            rule=patrol_rule,
            points=10,
            idempotency_key=str(uuid.uuid4()),
            occurred_at=WHEN + dt.timedelta(days=20 + i),
        ),
    )
    won = [r for r in results if isinstance(r, Award)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 1 and len(lost) == 7, results
    assert resident_balance(dzj) == 100
    assert ledger_verify() == []


def test_same_idempotency_key_at_once_posts_once(secretary, staff, dzj, suggestion_rule):
    k = str(uuid.uuid4())
    results = race(
        6,
        lambda i: points_award(
            actor=secretary,
            resident=dzj,
            rule=suggestion_rule,
            points=10,
            idempotency_key=k,
            occurred_at=WHEN,
        ),
    )
    assert all(isinstance(r, Award) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert resident_balance(dzj) == 10
    assert Posting.objects.count() == 1


def test_two_staff_approve_the_same_proposal_at_once(
    secretary, staff, leader, dzj, suggestion_rule
):
    proposal = points_award(
        actor=leader,
        resident=dzj,
        rule=suggestion_rule,
        points=10,
        idempotency_key=str(uuid.uuid4()),
        occurred_at=WHEN,
    )
    approvers = [secretary, staff]
    results = race(2, lambda i: award_approve(actor=approvers[i], award=proposal))
    assert sorted(type(r).__name__ for r in results) == ["Award", "Conflict"], results
    assert Award.objects.get(pk=proposal.pk).status == AwardStatus.POSTED
    assert resident_balance(dzj) == 10
    assert ledger_verify() == []
