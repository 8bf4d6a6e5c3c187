import datetime as dt

import pytest

from linli.core.actors import SYSTEM
from linli.people.models import Resident
from linli.points.choices import Awarders, RuleCategory
from linli.points.services import catalog_version_create, rule_create
from tests.factories import HouseholdFactory, ResidentFactory


@pytest.fixture(autouse=True, params=["sql", "orm"])
def ledger_path(request, monkeypatch):
    """Every points test runs on both of the ledger writer's paths: PostgreSQL's statements
    and the ORM (which SQLite, the laptop demo, uses). SQLite has no statement path: there
    the ``sql`` variant is skipped, not run again on the ORM."""
    from django.db import connection

    from linli.points.ledger import statements

    if request.param == "sql" and connection.vendor != "postgresql":
        pytest.skip("the ledger's statement path is PostgreSQL's; SQLite runs the ORM path")
    monkeypatch.setattr(statements, "ENABLED", request.param == "sql")
    return request.param


@pytest.fixture
def version(tree, secretary):
    return catalog_version_create(
        actor=secretary,
        community=tree.heping,
        decision="2023 年居民代表会议表决通过（到会 150 人，赞成 142 人）",
        decided_on=dt.date(2023, 1, 10),
    )


@pytest.fixture
def suggestion_rule(version, secretary):
    return rule_create(
        actor=secretary,
        version=version,
        key="suggestion",
        name="建言献策被采纳",
        category=RuleCategory.SUGGESTION,
        points_min=5,
        points_max=20,
        cap_month=40,
        awarders=Awarders.STAFF_AND_LEADERS,
        active_from=dt.date(2023, 1, 1),
    )


@pytest.fixture
def patrol_rule(version, secretary):
    return rule_create(
        actor=secretary,
        version=version,
        key="patrol",
        name="义务巡逻",
        category=RuleCategory.VOLUNTEER,
        points_min=10,
        cap_day=10,
        cap_quarter=100,
        active_from=dt.date(2023, 1, 1),
    )


@pytest.fixture
def dzj(resident_user) -> Resident:
    return Resident.objects.get(user=resident_user)


@pytest.fixture
def neighbour(tree):
    home = HouseholdFactory(parent=tree.building1, name="3单元303", unit="3", room="303")
    return ResidentFactory(household=home, name="邻居甲")


@pytest.fixture
def stranger(tree):
    home = HouseholdFactory(parent=tree.other_building, name="101")
    return ResidentFactory(household=home, name="外社区居民")


@pytest.fixture
def system():
    return SYSTEM
