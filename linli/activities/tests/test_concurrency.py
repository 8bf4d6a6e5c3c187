"""Real parallel transactions on PostgreSQL, released together behind a barrier: sign-ups
racing for the last places, two scans at once, closing twice at once (the points once)."""

from __future__ import annotations

import datetime as dt

import pytest

from linli.activities.choices import SignupStatus
from linli.activities.models import Attendance, ServiceHours, Signup
from linli.activities.services import (
    activity_close,
    attendance_scan,
    signup_create,
    signup_withdraw,
)
from linli.activities.tokens import make_token
from linli.core.errors import Conflict
from linli.people.models import Resident
from linli.points.models import Award, AwardBatch
from linli.points.selectors import resident_balance
from linli.points.services import ledger_verify
from tests.race import race

from .conftest import START, make_resident

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

BEFORE = START - dt.timedelta(days=1)


def test_parallel_signups_never_exceed_capacity(tree, patrol):
    users = [make_resident(tree, n).user for n in range(1, 13)]
    results = race(12, lambda i: signup_create(actor=users[i], activity=patrol, now=BEFORE))
    assert all(isinstance(r, Signup) for r in results), results
    statuses = sorted(Signup.objects.filter(activity=patrol).values_list("status", flat=True))
    assert statuses.count(SignupStatus.CONFIRMED) == patrol.capacity == 5
    assert statuses.count(SignupStatus.WAITING) == 7
    # The waiting list keeps the order in which the sign-ups committed.
    waiting = list(
        Signup.objects.filter(activity=patrol, status="waiting").order_by("created_at", "pk")
    )
    assert len({s.resident_id for s in waiting}) == 7


def test_same_resident_signing_up_twice_at_once(tree, patrol, resident_user):
    results = race(4, lambda i: signup_create(actor=resident_user, activity=patrol, now=BEFORE))
    assert sum(isinstance(r, Signup) for r in results) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 3, results
    assert Signup.objects.filter(activity=patrol).count() == 1


def test_withdrawals_and_signups_at_once_keep_the_count(tree, patrol):
    users = [make_resident(tree, n).user for n in range(1, 11)]
    for u in users[:5]:
        signup_create(actor=u, activity=patrol, now=BEFORE)

    def step(i):
        if i < 3:
            return signup_withdraw(actor=users[i], activity=patrol, now=BEFORE)
        return signup_create(actor=users[i + 2], activity=patrol, now=BEFORE)

    results = race(8, step)
    assert all(isinstance(r, Signup) for r in results), results
    confirmed = Signup.objects.filter(activity=patrol, status="confirmed").count()
    waiting = Signup.objects.filter(activity=patrol, status="waiting").count()
    assert confirmed == 5 and waiting == 5 - 3


def test_double_scan_at_once_signs_in_once(tree, patrol, resident_user):
    signup_create(actor=resident_user, activity=patrol, now=BEFORE)
    token = make_token(patrol.pk, "in", START)
    results = race(
        3,
        lambda i: attendance_scan(
            actor=resident_user, activity=patrol, direction="in", token=token, now=START
        ),
    )
    assert sum(isinstance(r, Attendance) for r in results) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 2, results


def test_closing_twice_at_once_awards_once(tree, patrol, team_leader, staff):
    users = [make_resident(tree, n).user for n in range(1, 5)]
    for u in users:
        signup_create(actor=u, activity=patrol, now=BEFORE)
        for direction, minute in (("in", 0), ("out", 120)):
            at = START + dt.timedelta(minutes=minute)
            attendance_scan(
                actor=u,
                activity=patrol,
                direction=direction,
                token=make_token(patrol.pk, direction, at),
                now=at,
            )
    after = START + dt.timedelta(hours=3)
    closers = [team_leader, staff, team_leader, staff]
    results = race(4, lambda i: activity_close(actor=closers[i], activity=patrol, now=after))
    assert not any(isinstance(r, Exception) for r in results), results
    assert sum(r.closed_now for r in results) == 1
    assert AwardBatch.objects.filter(source_id=str(patrol.pk)).count() == 1
    assert Award.objects.filter(source_id=str(patrol.pk)).count() == 4
    assert ServiceHours.objects.filter(activity=patrol).count() == 4
    for u in users:
        assert resident_balance(Resident.objects.get(user=u)) == 10
    assert Attendance.objects.filter(activity=patrol, award__isnull=True).count() == 0
    assert ledger_verify() == []
