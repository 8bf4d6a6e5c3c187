"""Hypothesis stateful test of the ledger's invariants, through the services:
every community sums to zero, each balance equals the sum of its entries, no resident goes
below zero, and an idempotency key posts once."""

import datetime as dt
import uuid

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from linli.core.errors import Conflict, DomainError
from linli.points.choices import AwardStatus
from linli.points.models import Account, Award, Posting
from linli.points.services import (
    award_approve,
    award_reject,
    award_reverse,
    ledger_verify,
    points_award,
)

WHEN = dt.datetime(2023, 11, 18, 19, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.mark.django_db
def test_ledger_invariants_hold_under_any_sequence(
    secretary, leader, dzj, neighbour, suggestion_rule, patrol_rule
):
    residents = [dzj, neighbour]
    rules = [suggestion_rule, patrol_rule]

    class Ledger(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            # Every example starts from the same database: a savepoint rolled back at teardown.
            self.savepoint = transaction.savepoint()
            self.proposed: list[int] = []
            self.posted: list[int] = []
            self.prefix = uuid.uuid4().hex[:8]
            self.sent: dict[str, tuple] = {}  # key -> request
            self.expected: dict[int, int] = {
                r.pk: (
                    Account.objects.filter(resident=r).values_list("balance", flat=True).first()
                    or 0
                )
                for r in residents
            }

        @rule(
            who=st.integers(0, 1),
            rule_i=st.integers(0, 1),
            points=st.integers(-3, 25),
            key_i=st.integers(0, 6),
            day=st.integers(0, 80),
            by_leader=st.booleans(),
        )
        def award(self, who, rule_i, points, key_i, day, by_leader):
            key = f"{self.prefix}-{key_i}"
            resident, r = residents[who], rules[rule_i]
            request = (resident.pk, r.pk, points, day)
            actor = leader if by_leader else secretary
            try:
                award = points_award(
                    actor=actor,
                    resident=resident,
                    rule=r,
                    points=points,
                    idempotency_key=key,
                    occurred_at=WHEN + dt.timedelta(days=day),
                )
            except DomainError as exc:
                if key in self.sent and self.sent[key][0] == request:
                    raise AssertionError(f"a replay of the same request failed: {exc}") from exc
                return
            if key in self.sent:
                assert self.sent[key][0] == request, "a different body under a used key posted"
                assert award.pk == self.sent[key][1]
                return
            self.sent[key] = (request, award.pk)
            if award.status == AwardStatus.POSTED:
                self.expected[resident.pk] += award.points
                self.posted.append(award.pk)
            else:
                self.proposed.append(award.pk)

        @precondition(lambda self: bool(self.proposed))
        @rule(pick=st.integers(0, 100), approve=st.booleans())
        def decide(self, pick, approve):
            award = Award.objects.get(pk=self.proposed[pick % len(self.proposed)])
            try:
                if approve:
                    award_approve(actor=secretary, award=award)
                    self.expected[award.resident_id] += award.points
                    self.posted.append(award.pk)
                else:
                    award_reject(actor=secretary, award=award, reason="不符合规则")
            except Conflict:
                return  # over a cap at approval time: stays proposed
            self.proposed.remove(award.pk)

        @precondition(lambda self: bool(self.posted))
        @rule(pick=st.integers(0, 100))
        def reverse(self, pick):
            award = Award.objects.get(pk=self.posted.pop(pick % len(self.posted)))
            award_reverse(actor=secretary, award=award, reason="登记错误")
            self.expected[award.resident_id] -= award.points
            with pytest.raises(Conflict):
                award_reverse(actor=secretary, award=award, reason="再冲一次")

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)

        @invariant()
        def ledger_is_sound(self):
            assert ledger_verify() == []
            for pk, balance in self.expected.items():
                actual = (
                    Account.objects.filter(resident_id=pk).values_list("balance", flat=True).first()
                    or 0
                )
                assert actual == balance >= 0

        @invariant()
        def one_posting_per_award(self):
            posted = Award.objects.filter(posting__isnull=False).count()
            award_postings = Posting.objects.filter(kind="award").count()
            assert posted == award_postings

    Ledger.TestCase.settings = settings(
        max_examples=20,
        stateful_step_count=12,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(Ledger, settings=Ledger.TestCase.settings)
