"""Fixtures and helpers shared by the activity page tests (test_activity_pages.py and
test_activity_scan_pages.py): tonight's patrol and the other activities, a resident's
hours (fixtures, offered to the web tests by conftest.py), signing in as a persona and a
scan's URL (helpers the modules import)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.activities.services import (
    activity_publish,
    hours_add,
    signup_create,
)
from linli.activities.tests import conftest as activity_fixtures
from linli.activities.tokens import make_token

# The activities app's fixtures: the 义务巡逻队, its leader, 代正菊 as a member.
team = activity_fixtures.team
team_leader = activity_fixtures.team_leader
member = activity_fixtures.member


@pytest.fixture
def live(tree, team, team_leader, patrol_rule):
    """Tonight's patrol: started half an hour ago, ends in an hour and a half."""
    now = timezone.now()
    return activity_publish(
        actor=team_leader,
        community=tree.heping,
        place=tree.compound1,
        team=team,
        title="今晚夜间巡逻",
        starts_at=now - dt.timedelta(minutes=30),
        ends_at=now + dt.timedelta(minutes=90),
        capacity=5,
        rule=patrol_rule,
        points=10,
        now=now - dt.timedelta(days=3),
    )


@pytest.fixture
def upcoming(tree, staff, patrol_rule):
    now = timezone.now()
    return activity_publish(
        actor=staff,
        community=tree.heping,
        title="周末大扫除",
        starts_at=now + dt.timedelta(days=2),
        ends_at=now + dt.timedelta(days=2, hours=2),
        capacity=2,
    )


@pytest.fixture
def elsewhere(tree, outsider):
    now = timezone.now()
    return activity_publish(
        actor=outsider,
        community=tree.other,
        title="胜利社区清扫",
        starts_at=now - dt.timedelta(minutes=10),
        ends_at=now + dt.timedelta(hours=1),
        capacity=5,
    )


@pytest.fixture
def signed_up(live, resident_user, member):
    signup_create(actor=resident_user, activity=live, now=live.starts_at - dt.timedelta(hours=1))
    return live


@pytest.fixture
def with_hours(dzj, staff):
    return hours_add(
        actor=staff,
        resident=dzj,
        served_on=timezone.localdate() - dt.timedelta(days=10),
        title="春节慰问独居老人",
        half_hours=4,
        evidence_note="纸质签到表",
    )


def _as(request, client, persona):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    return client


def _scan(live, direction="in", at=None):
    token = make_token(live.pk, direction, at or timezone.now())
    return reverse("web:activity_scan", args=[live.pk, direction, token])
