"""Fixtures for the meeting tests (imported by the meeting test modules and the pages' tests).

The compound 和平小区 (buildings 1栋 and 2栋) gets six members: 李建国 (居民代表, with an
account: the ``member`` persona, living in 2栋) and five without a phone; one of them is both
representative and deliberator (sits once). Not members: a representative who moved out, one
whose term ended, a volunteer, and a representative of 胜利小区."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from conftest import PASSWORD
from linli.matters.choices import MatterKind
from linli.matters.models import Matter, Meeting
from linli.matters.services import matter_accept, matter_raise
from linli.matters.services.meetings import meeting_call
from linli.people.choices import ResidentGroup
from linli.people.models import GroupMembership, Resident
from tests.factories import HouseholdFactory, ResidentFactory, UserFactory

REP = ResidentGroup.REPRESENTATIVE
DELIB = ResidentGroup.DELIBERATOR


def _join(resident: Any, group: str, community: Any, ended: dt.date | None = None) -> None:
    GroupMembership.objects.create(
        resident=resident, group=group, community=community, ended_on=ended
    )


@pytest.fixture
def member_user(tree):
    """李建国, 居民代表 living in 2栋, signed in on his phone."""
    home = HouseholdFactory(parent=tree.building2, name="1单元201", unit="1", room="201")
    user = UserFactory(name="李建国", phone="13900000021", password=PASSWORD)
    resident = ResidentFactory(name="李建国", phone=user.phone, household=home, user=user)
    _join(resident, REP, tree.heping)
    return user


@pytest.fixture
def members(tree, member_user):
    """The six members of 和平小区 (李建国 first), and the people who are not members."""
    out = [Resident.objects.get(user=member_user)]
    for i, (name, building, groups) in enumerate(
        [
            ("王秀兰", tree.building1, [REP]),
            ("张国强", tree.building1, [DELIB]),
            ("刘玉珍", tree.building2, [REP, DELIB]),
            ("陈志明", tree.building2, [DELIB]),
            ("赵桂英", tree.building1, [REP]),
        ]
    ):
        home = HouseholdFactory(parent=building, name=f"3单元{i + 1}01", unit="3", room=f"{i}01")
        r = ResidentFactory(name=name, household=home, phone="")
        for g in groups:
            _join(r, g, tree.heping)
        out.append(r)
    # Not members: moved out, term ended, a volunteer, another community's representative.
    gone_home = HouseholdFactory(parent=tree.building1, name="4单元101", unit="4", room="101")
    gone = ResidentFactory(name="迁出者", household=gone_home, phone="")
    _join(gone, REP, tree.heping)
    Resident.objects.filter(pk=gone.pk).update(moved_out=dt.date(2024, 1, 1))
    ended = ResidentFactory(name="卸任者", household=gone_home, phone="")
    _join(ended, DELIB, tree.heping, ended=dt.date(2024, 1, 1))
    vol = ResidentFactory(name="志愿者甲", household=gone_home, phone="")
    _join(vol, ResidentGroup.VOLUNTEER, tree.heping)
    far_home = HouseholdFactory(parent=tree.other_building, name="1单元101", unit="1", room="101")
    far = ResidentFactory(name="外小区代表", household=far_home, phone="")
    _join(far, REP, tree.other)
    return out


@pytest.fixture
def held(tree, resident_user, staff) -> Matter:
    """代正菊's suggestion for the compound, accepted by staff (held: may go on an agenda)."""
    m = matter_raise(
        actor=resident_user,
        place=tree.compound1,
        kind=MatterKind.SUGGESTION,
        title="小区空地改成休闲小广场",
        description="空地长期堆放杂物，建议清理后放座椅。",
    )
    return matter_accept(actor=staff, matter=m)


@pytest.fixture
def held_building(tree, resident_user, leader) -> Matter:
    """A problem at 1栋 the building leader has in hand (building level)."""
    m = matter_raise(
        actor=resident_user, place=tree.building1, kind=MatterKind.PROBLEM, title="1栋电动车乱停"
    )
    return matter_accept(actor=leader, matter=m)


def soon(days: int = 3) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


@pytest.fixture
def meeting(tree, staff, members, held) -> Meeting:
    """和平小区's meeting in three days, with 代正菊's suggestion on the agenda."""
    return meeting_call(
        actor=staff,
        compound=tree.compound1,
        title="和平小区第一次议事会",
        scheduled_at=soon(),
        location="社区活动室",
        matters=[held],
    )
