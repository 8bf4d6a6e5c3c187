"""The Heping demo, loaded once for the class (setUpTestData) on the real database."""

from __future__ import annotations

import hashlib
import io
from typing import TYPE_CHECKING, ClassVar

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.db import models
from django.test import RequestFactory, TestCase

from linli.audit.models import AuditEvent
from linli.core.errors import NotFound
from linli.demo.cycle import SPONSOR_USERS
from linli.demo.heping import load_heping
from linli.demo.plan import (
    GROUP_SIZES,
    HEPING,
    MOVED_OUT,
    NAMED,
    PASSWORD,
    PATROL,
    Demo,
    build_plan,
)
from linli.people import policies, selectors
from linli.people.choices import ResidentGroup, Role
from linli.people.models import (
    Department,
    GroupMembership,
    Resident,
    RoleGrant,
    Team,
    TeamMember,
    User,
)
from linli.people.policies import Action
from linli.places.choices import PlaceKind
from linli.places.models import Place

NATURAL_KEYS: dict[type[models.Model], tuple[str, ...]] = {
    Place: ("kind", "parent_id", "name", "code", "unit", "room", "community_id"),
    Resident: (
        "phone",
        "name",
        "household_id",
        "gender",
        "birth_year",
        "moved_in",
        "moved_out",
        "user_id",
    ),
    GroupMembership: ("resident_id", "group", "community_id", "started_on", "ended_on"),
    Team: ("community_id", "name", "description"),
    TeamMember: ("team_id", "resident_id", "is_leader", "joined_on", "left_on"),
    Department: ("place_id", "name", "short_name"),
    RoleGrant: ("user_id", "role", "place_id", "department_id", "revoked_at"),
    User: ("phone", "name", "password", "is_staff", "is_superuser", "must_change_password"),
}


def snapshot() -> dict[str, object]:
    """Row counts of every model, and a digest of the demo models' natural keys."""
    counts: dict[str, object] = {
        m._meta.label: m._default_manager.count() for m in apps.get_models()
    }
    for model, fields in NATURAL_KEYS.items():
        rows = sorted(model._default_manager.values_list(*fields), key=repr)
        counts[f"{model._meta.label}#digest"] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return counts


def user(key: str) -> User:
    phone = next(n.phone for n in NAMED if n.key == key)
    return User.objects.get(phone=phone)


if TYPE_CHECKING:
    _Base = TestCase
else:
    _Base = object


class HepingDemoChecks(_Base):
    """Checks run by tests/test_demo_loaders.py on one shared demo load."""

    demo: ClassVar[Demo]
    heping_output: ClassVar[str]

    def test_places(self) -> None:
        demo = self.demo
        assert (demo.city.name, demo.city.code) == ("荆州市", "421000")
        assert (demo.district.name, demo.district.code) == ("沙市区", "421002")
        assert demo.street.code == "" and demo.heping.code == ""
        heping = demo.heping
        assert heping.street_id == demo.street.pk and demo.shengli.street_id == demo.street.pk
        compounds = Place.objects.filter(community=heping, kind=PlaceKind.COMPOUND)
        assert 4 <= compounds.count() <= 6
        for compound in compounds:
            assert Place.objects.filter(compound=compound, kind=PlaceKind.BUILDING).count() >= 3
        household = Place.objects.filter(community=heping, kind=PlaceKind.HOUSEHOLD).first()
        assert household is not None and household.name == f"{household.unit}单元{household.room}"

    def test_residents_and_exact_groups(self) -> None:
        heping, shengli = self.demo.heping, self.demo.shengli
        current = Resident.objects.filter(household__community=heping, moved_out__isnull=True)
        assert 1200 <= current.count() <= 1800
        assert (
            Resident.objects.filter(household__community=heping, moved_out__isnull=False).count()
            == MOVED_OUT
        )
        outsiders = Resident.objects.filter(household__community=shengli)
        assert 40 <= outsiders.count() <= 70
        for group, size in GROUP_SIZES.items():
            members = GroupMembership.objects.filter(
                community=heping, group=group, ended_on__isnull=True
            )
            assert members.count() == size, group
            assert not members.filter(resident__moved_out__isnull=False).exists()
        # Moving out ended some memberships: the history is there.
        assert GroupMembership.objects.filter(ended_on__isnull=False).exists()
        assert selectors.community_counts(heping)["representatives"] == 220
        phones = [p for p in Resident.objects.values_list("phone", flat=True) if p]
        assert len(phones) == len(set(phones))

    def test_named_people(self) -> None:
        demo = self.demo
        heping, shengli = demo.heping, demo.shengli
        yang_hong = user("secretary")
        assert policies.can(yang_hong, Action.RESIDENT_MANAGE, heping)
        assert policies.can(yang_hong, Action.ROLE_GRANT, heping)
        assert not policies.can(yang_hong, Action.RESIDENT_VIEW, shengli)

        assert policies.can(user("staff"), Action.ACCOUNT_MANAGE, heping)

        leader = user("building_leader")
        ysf = Resident.objects.get(user=leader)
        building = ysf.household.building
        assert building is not None
        assert (building.name, ysf.name) == ("3栋", "杨声芬")
        assert RoleGrant.objects.filter(
            user=leader, role=Role.BUILDING_LEADER, place=building
        ).exists()
        assert policies.can(leader, Action.RESIDENT_VIEW, building)
        assert not policies.can(leader, Action.RESIDENT_VIEW, heping)
        seen = selectors.residents_visible_to(leader)
        assert seen.exists() and not seen.exclude(household__building=building).exists()

        dai = Resident.objects.get(user=user("volunteer"))
        assert dai.name == "代正菊"
        assert GroupMembership.objects.filter(
            resident=dai, group=ResidentGroup.VOLUNTEER, ended_on__isnull=True
        ).exists()
        patrol = Team.objects.get(community=heping, name=PATROL)
        assert patrol.members.filter(resident=dai, left_on__isnull=True).exists()
        assert patrol.members.filter(is_leader=True).count() == 1
        assert 18 <= patrol.members.count() <= 24
        assert not RoleGrant.objects.filter(user=dai.user).exists()
        assert not policies.can(dai.user, Action.RESIDENT_VIEW, dai.household)

        supervisor = user("supervisor")
        assert policies.can(supervisor, Action.PLACE_VIEW, heping)
        assert not policies.can(supervisor, Action.RESIDENT_VIEW, heping)

        handler = RoleGrant.objects.get(user=user("department"))
        assert handler.role == Role.DEPARTMENT_HANDLER
        assert handler.department is not None and handler.department.short_name == "住建"
        shorts = set(Department.objects.values_list("short_name", flat=True))
        assert shorts == {"住建", "城管", "信访", "创文办"}

        sponsor = user("sponsor")
        assert RoleGrant.objects.filter(user=sponsor, role=Role.SPONSOR, place=heping).exists()

        operator = user("operator")
        assert operator.is_staff and operator.is_superuser
        assert policies.can(operator, Action.ROLE_GRANT, heping)

    def test_outsider_cannot_see_heping(self) -> None:
        outsider = user("outsider")
        heping, shengli = self.demo.heping, self.demo.shengli
        assert policies.can(outsider, Action.RESIDENT_MANAGE, shengli)
        assert not policies.can(outsider, Action.RESIDENT_VIEW, heping)
        visible = selectors.residents_visible_to(outsider)
        assert visible.exists()
        assert not visible.filter(household__community=heping).exists()
        someone = Resident.objects.filter(household__community=heping).first()
        assert someone is not None
        with pytest.raises(NotFound):
            selectors.resident_get_for_actor(outsider, someone.pk)

    def test_every_printed_signin_authenticates(self) -> None:
        # The named people, then the service sponsors who confirm vouchers (linli.demo.cycle).
        assert len(self.demo.signins) == len(NAMED) + len(SPONSOR_USERS)
        for signin in self.demo.signins:
            assert signin.phone in self.heping_output and signin.name in self.heping_output
            assert signin.password == PASSWORD
            request = RequestFactory().post("/login/")
            signed_in = authenticate(request, username=signin.phone, password=signin.password)
            assert signed_in is not None, signin
            assert signed_in.phone == signin.phone
            assert not signed_in.must_change_password
        assert "新建" in self.heping_output and "已存在 0 条" in self.heping_output

    def test_heping_second_run_changes_nothing(self) -> None:
        before = snapshot()
        audit_before = AuditEvent.objects.count()
        out = io.StringIO()
        again = load_heping(out)
        assert snapshot() == before
        assert AuditEvent.objects.count() == audit_before
        assert "新建 0 条" in out.getvalue()
        assert sum(again.tally.created.values()) == 0
        assert again.heping.pk == self.demo.heping.pk

    def test_heping_plan_is_deterministic(self) -> None:
        first, second = build_plan(), build_plan()
        assert [(p.key, p.name, p.moved_in, p.groups) for p in first.people] == [
            (p.key, p.name, p.moved_in, p.groups) for p in second.people
        ]
        assert {p.named for p in first.people if p.named} == {
            n.key for n in NAMED if n.home is not None
        }
        assert all(p.household.community in (HEPING, "胜利社区") for p in first.people)
