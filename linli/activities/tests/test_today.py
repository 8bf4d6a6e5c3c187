"""今天要办 for activities: the activities a resident signed up for, until they end, are
cancelled, or she withdraws; a neighbour's sign-ups are not hers."""

from __future__ import annotations

import datetime as dt

import pytest

from linli.activities import selectors_today as today
from linli.activities.services import activity_cancel, activity_publish
from linli.activities.services.signups import signup_create, signup_withdraw
from linli.people.models import Resident

from .conftest import END, START

pytestmark = pytest.mark.django_db


def mine(user) -> list[Resident]:
    return list(Resident.objects.filter(user=user).select_related("household"))


def test_signed_up_until_it_ends(tree, resident_user, team, team_leader, patrol, patrol_rule):
    before = START - dt.timedelta(days=1)
    (item,) = today.today_for_resident(mine(resident_user), before)
    assert item.count == 0
    signup_create(actor=resident_user, activity=patrol, now=before)
    (item,) = today.today_for_resident(mine(resident_user), before)
    assert (item.count, item.first, item.due) == (1, patrol.pk, START)
    assert [r.pk for r in item.rows] == [patrol.pk]
    # Not the organiser's (she did not sign up), and gone once the activity has ended.
    (other,) = today.today_for_resident(mine(team_leader), before)
    assert other.count == 0
    (item,) = today.today_for_resident(mine(resident_user), END + dt.timedelta(minutes=1))
    assert item.count == 0
    # A second activity: two, soonest first; withdrawing and cancelling take them away.
    later = activity_publish(
        actor=team_leader,
        community=tree.heping,
        place=tree.compound1,
        team=team,
        title="周四夜间巡逻",
        starts_at=START + dt.timedelta(days=2),
        ends_at=END + dt.timedelta(days=2),
        capacity=5,
        rule=patrol_rule,
        points=10,
        now=before,
    )
    signup_create(actor=resident_user, activity=later, now=before)
    (item,) = today.today_for_resident(mine(resident_user), before)
    assert (item.count, item.first) == (2, None)
    assert [r.pk for r in item.rows] == [patrol.pk, later.pk]
    signup_withdraw(actor=resident_user, activity=patrol, now=before)
    activity_cancel(actor=team_leader, activity=later, reason="下雨", now=before)
    (item,) = today.today_for_resident(mine(resident_user), before)
    assert item.count == 0
