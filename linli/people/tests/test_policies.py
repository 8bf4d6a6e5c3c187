import pytest

from linli.people import policies, selectors
from linli.people.policies import Action
from tests.factories import HouseholdFactory, ResidentFactory


@pytest.mark.django_db
def test_scope_follows_the_tree(tree, secretary, leader, outsider, resident_user):
    other_home = HouseholdFactory(parent=tree.other_building, name="101")
    stranger = ResidentFactory(household=other_home, name="胡外人")
    b2_home = HouseholdFactory(parent=tree.building2, name="201")
    neighbour = ResidentFactory(household=b2_home, name="邻二栋")

    sec_visible = set(selectors.residents_visible_to(secretary).values_list("name", flat=True))
    assert {"杨声芬", "代正菊", "邻二栋"} <= sec_visible
    assert "胡外人" not in sec_visible

    lead_visible = set(selectors.residents_visible_to(leader).values_list("name", flat=True))
    assert lead_visible == {"杨声芬", "代正菊"}

    out_visible = set(selectors.residents_visible_to(outsider).values_list("name", flat=True))
    assert out_visible == {"胡外人"}
    assert policies.can(outsider, Action.RESIDENT_VIEW, stranger.household)
    assert not policies.can(outsider, Action.RESIDENT_VIEW, neighbour.household)

    # A plain resident sees no list at all, only themselves by id.
    assert not selectors.residents_visible_to(resident_user).exists()
    me = resident_user.resident
    assert selectors.resident_get_for_actor(resident_user, me.pk) == me


@pytest.mark.django_db
def test_leader_may_view_but_not_manage(tree, leader):
    assert policies.can(leader, Action.RESIDENT_VIEW, tree.building1)
    assert not policies.can(leader, Action.RESIDENT_VIEW, tree.building2)
    assert not policies.can(leader, Action.RESIDENT_MANAGE, tree.building1)


@pytest.mark.django_db
def test_supervisor_sees_places_not_residents(tree, supervisor):
    assert policies.can(supervisor, Action.PLACE_VIEW, tree.building1)
    assert not policies.can(supervisor, Action.RESIDENT_VIEW, tree.building1)
    assert not policies.can(supervisor, Action.PLACE_VIEW, tree.city)
