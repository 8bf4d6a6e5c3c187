"""Fixtures and helpers shared by the 好差评 / 办不成事 tests (services, pages, demo): matters
done by the building leader or by a department, a neighbour with an account, a resident of
another building, and a supervisor of another street. No tests here."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from conftest import PASSWORD
from linli.matters.choices import MatterKind
from linli.matters.models import Matter
from linli.matters.services import (
    matter_accept,
    matter_raise,
    matter_refer,
    matter_settle,
    referral_complete,
)
from linli.people.choices import Role
from linli.places.choices import PlaceKind
from linli.places.services import place_get_or_create
from tests.factories import GrantFactory, HouseholdFactory, ResidentFactory, UserFactory

TZ = timezone.get_default_timezone()


def at(y: int, m: int, d: int, h: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=TZ)


def raise_lamp(tree, resident_user, title: str = "1栋楼道灯坏了") -> Matter:
    return matter_raise(
        actor=resident_user, place=tree.building1, kind=MatterKind.PROBLEM, title=title
    )


def done_by_leader(matter: Matter, leader) -> Matter:
    """楼栋听事: the leader accepts and settles it (handled at building level)."""
    matter_accept(actor=leader, matter=matter)
    matter_settle(actor=leader, matter=matter, note="已换灯泡")
    matter.refresh_from_db()
    return matter


def done_by_department(matter: Matter, staff, handler, dept) -> Matter:
    """Staff refer it to ``dept`` (leading) and its handler reports it done."""
    matter_accept(actor=staff, matter=matter)
    (ref,) = matter_refer(
        actor=staff, matter=matter, departments=[dept], lead=dept, kind="help", note=""
    )
    referral_complete(actor=handler, referral=ref, note="已修复")
    matter.refresh_from_db()
    return matter


@pytest.fixture(name="neighbour_user")
def fixture_neighbour_user(tree):
    """孙阿姨, another resident of building 1 (sees its matters, did not raise them)."""
    home = HouseholdFactory(parent=tree.building1, name="4单元401", unit="4", room="401")
    user = UserFactory(name="孙秀兰", phone="13900000021", password=PASSWORD)
    ResidentFactory(name="孙秀兰", phone=user.phone, household=home, user=user)
    return user


@pytest.fixture(name="far_resident")
def fixture_far_resident(tree):
    """A resident of building 2: does not see building 1's matters."""
    home = HouseholdFactory(parent=tree.building2, name="1单元101", unit="1", room="101")
    user = UserFactory(name="钱远", phone="13900000022", password=PASSWORD)
    ResidentFactory(name="钱远", phone=user.phone, household=home, user=user)
    return user


@pytest.fixture(name="far_supervisor")
def fixture_far_supervisor(tree):
    """The supervisor of another street under the same district."""
    street, _ = place_get_or_create(parent=tree.district, kind=PlaceKind.STREET, name="远方街道")
    user = UserFactory(name="远方督办", phone="13900000023", password=PASSWORD)
    GrantFactory(user=user, role=Role.SUPERVISOR, place=street)
    return user


@pytest.fixture(name="zhujian_handler")
def fixture_zhujian_handler(tree):
    """住建 on the district, with its handler 陈立新."""
    from linli.people.models import Department

    dept = Department.objects.create(place=tree.district, name="住建局", short_name="住建")
    user = UserFactory(name="陈立新", phone="13900000011", password=PASSWORD)
    GrantFactory(user=user, role=Role.DEPARTMENT_HANDLER, place=tree.district, department=dept)
    return user, dept


@pytest.fixture(name="chengguan_handler")
def fixture_chengguan_handler(tree):
    from linli.people.models import Department

    dept = Department.objects.create(place=tree.district, name="城管局", short_name="城管")
    user = UserFactory(name="城管经办", phone="13900000012", password=PASSWORD)
    GrantFactory(user=user, role=Role.DEPARTMENT_HANDLER, place=tree.district, department=dept)
    return user, dept


__all__ = [
    "at",
    "done_by_department",
    "done_by_leader",
    "fixture_chengguan_handler",
    "fixture_far_resident",
    "fixture_far_supervisor",
    "fixture_neighbour_user",
    "fixture_zhujian_handler",
    "raise_lamp",
]
