"""Shared fixtures: the database guard, factories' personas and the place tree they live in.

Personas (architecture.md, Tests): a resident, a building leader, a community secretary of
和平社区, a community staff member, an outsider from another community, and anonymous.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection
from django.utils import translation

from linli.people.choices import Role
from tests.factories import (
    GrantFactory,
    HouseholdFactory,
    PlaceTree,
    ResidentFactory,
    UserFactory,
    build_tree,
)

PASSWORD = "linli-test-pass-1"


def pytest_report_header(config: pytest.Config) -> str:
    url = os.environ.get("DATABASE_URL", "")
    return f"linli database: {url.split('://')[0] if url else 'sqlite (default)'}"


@pytest.fixture(scope="session", autouse=True)
def _require_postgres(django_db_setup: None, django_db_blocker: object) -> None:
    """In CI (LINLI_REQUIRE_POSTGRES=1) the suite runs on PostgreSQL or not at all."""
    if os.environ.get("LINLI_REQUIRE_POSTGRES") == "1" and connection.vendor != "postgresql":
        pytest.exit("LINLI_REQUIRE_POSTGRES=1 but the tests are not on PostgreSQL", returncode=3)


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the site's language. Django's test client leaves the language the
    last request's LocaleMiddleware activated on the test's thread (a served request always
    activates its own), so an English page test would otherwise make a later test read
    English from a service's message."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def tree(db: None) -> PlaceTree:
    return build_tree()


@pytest.fixture
def secretary(tree: PlaceTree):
    user = UserFactory(name="杨红", phone="13900000001", password=PASSWORD)
    GrantFactory(user=user, role=Role.COMMUNITY_SECRETARY, place=tree.heping)
    return user


@pytest.fixture
def staff(tree: PlaceTree):
    user = UserFactory(name="王敏", phone="13900000002", password=PASSWORD)
    GrantFactory(user=user, role=Role.COMMUNITY_STAFF, place=tree.heping)
    return user


@pytest.fixture
def leader(tree: PlaceTree):
    """杨声芬, building leader of building 1 in 和平社区's first compound, and a resident."""
    household = HouseholdFactory(parent=tree.building1, name="1单元101", unit="1", room="101")
    user = UserFactory(name="杨声芬", phone="13900000003", password=PASSWORD)
    ResidentFactory(name="杨声芬", phone=user.phone, household=household, user=user)
    GrantFactory(user=user, role=Role.BUILDING_LEADER, place=tree.building1)
    return user


@pytest.fixture
def resident_user(tree: PlaceTree):
    """代正菊, a resident of building 1 with an account."""
    household = HouseholdFactory(parent=tree.building1, name="2单元302", unit="2", room="302")
    user = UserFactory(name="代正菊", phone="13900000004", password=PASSWORD)
    ResidentFactory(name="代正菊", phone=user.phone, household=household, user=user)
    return user


@pytest.fixture
def outsider(tree: PlaceTree):
    """Secretary of the other community (胜利社区): must see nothing of 和平社区."""
    user = UserFactory(name="外社区", phone="13900000009", password=PASSWORD)
    GrantFactory(user=user, role=Role.COMMUNITY_SECRETARY, place=tree.other)
    return user


@pytest.fixture
def supervisor(tree: PlaceTree):
    user = UserFactory(name="街道督办", phone="13900000008", password=PASSWORD)
    GrantFactory(user=user, role=Role.SUPERVISOR, place=tree.street)
    return user
