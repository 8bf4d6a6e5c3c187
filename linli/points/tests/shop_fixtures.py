"""Fixtures for the shop tests (imported by test_shop*.py and the shop page tests): a final
publication with an open redemption window, residents with points, a sponsor with its own
user, and two rewards (masks: goods; a haircut: a service with a per-quarter limit)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from linli.people.choices import Role
from linli.people.models import Resident
from linli.points.choices import PublicationStatus, RewardKind, RuleCategory
from linli.points.models import Publication, RedemptionWindow, Reward, Rule, Sponsor
from linli.points.services import points_award, rule_create
from linli.points.services.shop import reward_create, sponsor_create
from tests.factories import GrantFactory, UserFactory


def make_window(
    community, *, opens: dt.datetime, closes: dt.datetime, year: int = 2023, quarter: int = 3
) -> RedemptionWindow:
    """A final publication and its window, written directly (the publication engineer's
    ``publication_finalize`` creates them in the app)."""
    publication = Publication.objects.create(
        community=community,
        year=year,
        quarter=quarter,
        period_start=dt.date(year, quarter * 3 - 2, 1),
        period_end=dt.date(year + (quarter == 4), (quarter * 3) % 12 + 1, 1),
        status=PublicationStatus.FINAL,
        edition=1,
        finalized_at=opens,
        digest="f" * 64,
        canonical="{}",
    )
    return RedemptionWindow.objects.create(
        community=community, publication=publication, opens_at=opens, closes_at=closes
    )


@pytest.fixture
def window(tree) -> RedemptionWindow:
    now = timezone.now()
    return make_window(
        tree.heping, opens=now - dt.timedelta(days=1), closes=now + dt.timedelta(days=13)
    )


@pytest.fixture
def bonus_rule(version, secretary) -> Rule:
    return rule_create(
        actor=secretary,
        version=version,
        key="bonus",
        name="环境整治",
        category=RuleCategory.ENVIRONMENT,
        points_min=1,
        points_max=1000,
        active_from=dt.date(2023, 1, 1),
    )


def fund(secretary, resident: Resident, rule: Rule, points: int) -> None:
    points_award(
        actor=secretary,
        resident=resident,
        rule=rule,
        points=points,
        idempotency_key=f"fund:{uuid.uuid4().hex}",
    )


@pytest.fixture
def rich_dzj(secretary, dzj, bonus_rule) -> Resident:
    """代正菊 with 180 points (the seed's evening)."""
    fund(secretary, dzj, bonus_rule, 180)
    return dzj


@pytest.fixture
def sponsor_user(tree):
    user = UserFactory(name="王师傅", phone="13900000010", password="linli-test-pass-1")
    GrantFactory(user=user, role=Role.SPONSOR, place=tree.heping)
    return user


@pytest.fixture
def other_sponsor_user(tree):
    user = UserFactory(name="李老板", phone="13900000011", password="linli-test-pass-1")
    GrantFactory(user=user, role=Role.SPONSOR, place=tree.heping)
    return user


@pytest.fixture
def barber(secretary, tree, sponsor_user) -> Sponsor:
    return sponsor_create(
        actor=secretary,
        community=tree.heping,
        name="好邻居理发店",
        contact_name="王师傅",
        contact_phone="13900000010",
        user=sponsor_user,
    )


@pytest.fixture
def grocer(secretary, tree, other_sponsor_user) -> Sponsor:
    return sponsor_create(
        actor=secretary, community=tree.heping, name="便民超市", user=other_sponsor_user
    )


@pytest.fixture
def masks(secretary, tree, grocer) -> Reward:
    return reward_create(
        actor=secretary,
        community=tree.heping,
        kind=RewardKind.GOODS,
        name="口罩",
        price=20,
        stock=10,
        sponsor=grocer,
        description="一次性医用口罩 10 只",
    )


@pytest.fixture
def haircut(secretary, tree, barber) -> Reward:
    return reward_create(
        actor=secretary,
        community=tree.heping,
        kind=RewardKind.SERVICE,
        name="理发",
        price=30,
        stock=5,
        sponsor=barber,
        per_resident_limit=1,
        description="好邻居理发店上门理发一次",
    )
