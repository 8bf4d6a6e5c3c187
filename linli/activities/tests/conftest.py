"""Activities fixtures: the 义务巡逻队 of 和平社区 with its leader (老周) and members, a patrol
rule (10 points, fixed) and a per-hour rule (range), and one patrol at fixed times."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import PASSWORD
from linli.activities.services import activity_publish
from linli.core.quarters import CHINA
from linli.people.models import Resident, Team, TeamMember
from linli.points.choices import RuleCategory
from linli.points.services import rule_create
from linli.points.tests.conftest import (  # noqa: F401 - fixtures
    dzj,
    neighbour,
    patrol_rule,
    stranger,
    suggestion_rule,
    version,
)
from tests.factories import HouseholdFactory, ResidentFactory, UserFactory

START = dt.datetime(2026, 3, 3, 19, 30, tzinfo=CHINA)  # a Tuesday evening
END = START + dt.timedelta(hours=2)


@pytest.fixture
def team(tree) -> Team:
    return Team.objects.create(community=tree.heping, name="义务巡逻队", description="夜间巡逻")


@pytest.fixture
def team_leader(tree, team):
    """老周: a resident of building 2 and the patrol's leader (no role grant)."""
    home = HouseholdFactory(parent=tree.building2, name="1单元101", unit="1", room="101")
    user = UserFactory(name="周国强", phone="13900000021", password=PASSWORD)
    resident = ResidentFactory(name="周国强", phone=user.phone, household=home, user=user)
    TeamMember.objects.create(team=team, resident=resident, is_leader=True)
    return user


@pytest.fixture
def member(dzj, team) -> Resident:  # noqa: F811
    """代正菊 is a patrol member."""
    TeamMember.objects.create(team=team, resident=dzj)
    return dzj


def make_resident(tree, n: int, *, user: bool = True):
    home = HouseholdFactory(parent=tree.building2, name=f"2单元{n}", unit="2", room=str(n))
    account = None
    if user:
        account = UserFactory(name=f"居民{n}", phone=f"139100{n:05d}", password=PASSWORD)
    return ResidentFactory(
        name=f"居民{n}",
        phone=account.phone if account else f"138100{n:05d}",
        household=home,
        user=account,
    )


@pytest.fixture
def hourly_rule(version, secretary):  # noqa: F811
    return rule_create(
        actor=secretary,
        version=version,
        key="helpers",
        name="邻里互助（按小时）",
        category=RuleCategory.VOLUNTEER,
        points_min=2,
        points_max=30,
        cap_day=40,
        active_from=dt.date(2023, 1, 1),
    )


@pytest.fixture
def patrol(tree, team, team_leader, patrol_rule):  # noqa: F811
    """A patrol on 2026-03-03 19:30–21:30, 5 places, sign-up required, 10 points."""
    return activity_publish(
        actor=team_leader,
        community=tree.heping,
        place=tree.compound1,
        team=team,
        title="周二夜间巡逻",
        starts_at=START,
        ends_at=END,
        capacity=5,
        rule=patrol_rule,
        points=10,
        now=START - dt.timedelta(days=7),
    )
