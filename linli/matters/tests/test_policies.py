"""Who sees which matters, and in which capacity each persona acts."""

from __future__ import annotations

import pytest

from linli.core.errors import NotFound
from linli.matters import policies
from linli.matters.models import Matter
from linli.matters.selectors import matter_get_for_actor, matter_queue, matters_visible
from linli.matters.services import matter_follow, matter_raise
from tests.factories import HouseholdFactory, ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread(tree, staff, outsider) -> dict[str, Matter]:
    def r(place, title):
        return matter_raise(actor=staff, place=place, kind="problem", title=title, source="visit")

    return {
        "b1": r(tree.building1, "一栋"),
        "b2": r(tree.building2, "二栋"),
        "c1": r(tree.compound1, "小区"),
        "other": matter_raise(
            actor=outsider, place=tree.other_building, kind="problem", title="外", source="visit"
        ),
    }


# Which of the matters each persona sees.
SEES = {
    "resident_user": {"b1", "c1"},
    "leader": {"b1", "c1"},  # a leader is also a resident of building 1
    "staff": {"b1", "b2", "c1"},
    "secretary": {"b1", "b2", "c1"},
    "supervisor": {"b1", "b2", "c1", "other"},
    "outsider": {"other"},
}


@pytest.mark.parametrize("persona", list(SEES))
def test_visibility_matrix(request, spread, persona):
    actor = request.getfixturevalue(persona)
    names = {k for k, m in spread.items() if matters_visible(actor).filter(pk=m.pk).exists()}
    assert names == SEES[persona]
    for k, m in spread.items():
        if k not in SEES[persona]:
            with pytest.raises(NotFound):
                matter_get_for_actor(actor, m.pk)


def test_anonymous_sees_nothing(spread):
    from django.contrib.auth.models import AnonymousUser

    assert not matters_visible(AnonymousUser()).exists()


def test_resident_sees_what_they_raised_or_follow(tree, spread, staff):
    household = HouseholdFactory(parent=tree.building2, name="3单元501")
    user = UserFactory(phone="13900000077")
    ResidentFactory(name="邻居", household=household, user=user)
    assert set(matters_visible(user)) == {spread["b2"], spread["c1"]}
    matter_follow(actor=user, matter=spread["c1"])
    mine = matter_raise(actor=user, place=tree.building2, kind="problem", title="我的")
    assert mine in matters_visible(user)
    assert spread["b1"] not in matters_visible(user)


def test_actor_kinds(spread, resident_user, leader, staff, supervisor, outsider):
    b1 = spread["b1"]
    assert policies.actor_kinds(leader, b1) == {"leader"}
    assert policies.actor_kinds(staff, b1) == {"staff"}
    assert policies.actor_kinds(supervisor, b1) == set()
    assert policies.actor_kinds(outsider, b1) == set()
    assert policies.actor_kinds(resident_user, b1) == set()
    assert policies.actor_kinds(staff, spread["c1"]) == {"staff"}
    assert policies.actor_kinds(leader, spread["c1"]) == set()  # compound level: not the leader's


def test_queues(spread, leader, staff, outsider):
    assert set(matter_queue(leader)) == {spread["b1"]}
    assert set(matter_queue(staff)) == {spread["b1"], spread["b2"], spread["c1"]}
    assert set(matter_queue(staff, level="compound")) == {spread["c1"]}
    assert set(matter_queue(outsider)) == {spread["other"]}


def test_raise_places(tree, resident_user, leader, staff, supervisor):
    # One's own building first (the form's default), then the compound.
    assert policies.raise_places(resident_user) == [tree.building1, tree.compound1]
    assert set(policies.raise_places(leader)) == {tree.building1, tree.compound1}
    assert set(policies.raise_places(staff)) == {tree.building1, tree.building2, tree.compound1}
    assert policies.raise_places(supervisor) == []
