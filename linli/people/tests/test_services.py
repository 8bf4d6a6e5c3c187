import datetime as dt

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory

from linli.audit.models import AuditEvent
from linli.core.actors import SYSTEM
from linli.core.errors import Conflict, NotFound, ValidationFailed
from linli.people import policies, selectors
from linli.people.choices import ResidentGroup, Role
from linli.people.models import GroupMembership, Resident, RoleGrant, User
from linli.people.policies import Action
from linli.people.services import (
    account_create,
    account_reset_password,
    group_join,
    place_add,
    resident_create,
    resident_move_out,
    resident_update,
    role_grant,
    role_revoke,
    team_create,
    team_member_add,
)
from linli.places.choices import PlaceKind
from tests.factories import HouseholdFactory, UserFactory


def _login(phone, password):
    request = RequestFactory().post("/login/")
    return authenticate(request, username=phone, password=password)


@pytest.fixture
def home(tree):
    return HouseholdFactory(parent=tree.building2, name="3单元501", unit="3", room="501")


@pytest.mark.django_db
def test_staff_register_a_resident_with_pinyin_keys_and_an_audit_row(secretary, home):
    resident = resident_create(
        actor=secretary,
        household=home,
        name="代正菊",
        phone="139 1234 5678",
        gender="女",
        birth_year=1960,
    )
    assert resident.phone == "13912345678"
    assert (resident.pinyin_full, resident.pinyin_initials) == ("daizhengju", "dzj")
    event = AuditEvent.objects.get(action="resident.create")
    assert event.actor == secretary and event.target_id == str(resident.pk)
    assert event.place_id == home.pk


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["leader", "outsider", "resident_user", "supervisor"])
def test_only_staff_of_the_place_register_residents(request, who, home):
    actor = request.getfixturevalue(who)
    before = Resident.objects.count()
    with pytest.raises(NotFound):
        resident_create(actor=actor, household=home, name="不该建", phone="13912345678")
    assert Resident.objects.count() == before
    assert not AuditEvent.objects.filter(action="resident.create").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "error", "text"),
    [
        ({"name": "", "phone": ""}, ValidationFailed, "姓名不能为空"),
        ({"name": "名" * 33, "phone": ""}, ValidationFailed, "不能超过"),
        ({"name": "甲", "phone": "123"}, ValidationFailed, "不是有效的大陆手机号"),
        ({"name": "甲", "phone": "", "gender": "X"}, ValidationFailed, "性别"),
        ({"name": "甲", "phone": "", "birth_year": 1800}, ValidationFailed, "出生年份"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(secretary, home, kwargs, error, text):
    before = Resident.objects.count()
    with pytest.raises(error) as exc:
        resident_create(actor=secretary, household=home, **kwargs)
    assert text in str(exc.value)
    assert Resident.objects.count() == before


@pytest.mark.django_db
def test_a_phone_belongs_to_one_current_resident(secretary, home, resident_user):
    before = Resident.objects.count()
    with pytest.raises(Conflict) as exc:
        resident_create(actor=secretary, household=home, name="重号", phone=resident_user.phone)
    assert resident_user.phone in str(exc.value)
    assert Resident.objects.count() == before
    # Once the holder has moved out, the number may be registered again (history kept).
    old = resident_user.resident
    resident_move_out(actor=secretary, resident=old, on=dt.date(2026, 1, 1))
    new = resident_create(actor=secretary, household=home, name="新住户", phone=resident_user.phone)
    assert new.phone == old.phone
    assert Resident.objects.filter(phone=old.phone).count() == 2


@pytest.mark.django_db
def test_moving_out_keeps_the_record_and_ends_group_memberships(secretary, home):
    resident = resident_create(actor=secretary, household=home, name="李四", phone="13912340000")
    group_join(actor=secretary, resident=resident, group=ResidentGroup.VOLUNTEER)
    resident_move_out(actor=secretary, resident=resident, on=dt.date(2026, 6, 30))
    resident.refresh_from_db()
    assert resident.moved_out == dt.date(2026, 6, 30)
    membership = GroupMembership.objects.get(resident=resident)
    assert membership.ended_on == dt.date(2026, 6, 30)
    # Gone from the current list, still found with history, and by id.
    assert resident not in selectors.residents_visible_to(secretary)
    assert resident in selectors.residents_visible_to(secretary, include_moved_out=True)
    assert selectors.resident_get_for_actor(secretary, resident.pk) == resident
    with pytest.raises(Conflict):
        resident_move_out(actor=secretary, resident=resident, on=dt.date(2026, 7, 1))


@pytest.mark.django_db
def test_update_recomputes_pinyin_and_refuses_unknown_fields(secretary, home):
    resident = resident_create(actor=secretary, household=home, name="张三", phone="")
    resident = resident_update(actor=secretary, resident=resident, name="代正菊")
    assert resident.pinyin_initials == "dzj"
    with pytest.raises(ValidationFailed):
        resident_update(actor=secretary, resident=resident, user=None)


@pytest.mark.django_db
def test_account_create_sign_in_and_reset(secretary, home, client):
    resident = resident_create(actor=secretary, household=home, name="王五", phone="13911112222")
    user, temp = account_create(actor=secretary, resident=resident)
    assert user.must_change_password
    assert user.password.startswith(("argon2", "md5"))  # tests use a fast hasher
    assert _login("13911112222", temp) == user
    with pytest.raises(Conflict):
        account_create(actor=secretary, resident=resident)
    new_temp = account_reset_password(actor=secretary, user=user)
    assert new_temp != temp
    assert _login("13911112222", temp) is None
    assert _login("13911112222", new_temp) == user
    assert AuditEvent.objects.filter(action="account.reset_password", target_id=str(user.pk))


@pytest.mark.django_db
def test_outsider_cannot_reset_a_heping_password(outsider, resident_user):
    with pytest.raises(NotFound):
        account_reset_password(actor=outsider, user=resident_user)


@pytest.mark.django_db
def test_a_resident_without_phone_gets_no_account(secretary, home):
    resident = resident_create(actor=secretary, household=home, name="老人", phone="")
    with pytest.raises(ValidationFailed):
        account_create(actor=secretary, resident=resident)
    assert not User.objects.filter(name="老人").exists()


@pytest.mark.django_db
def test_role_grants_follow_place_kinds_and_the_granters_places(tree, secretary, outsider):
    user = UserFactory(name="新楼栋长", phone="13955556666")
    with pytest.raises(ValidationFailed):
        role_grant(actor=secretary, user=user, role=Role.BUILDING_LEADER, place=tree.heping)
    with pytest.raises(NotFound):
        role_grant(actor=outsider, user=user, role=Role.BUILDING_LEADER, place=tree.building2)
    assert not RoleGrant.objects.filter(user=user).exists()
    grant = role_grant(actor=secretary, user=user, role=Role.BUILDING_LEADER, place=tree.building2)
    assert policies.can(user, Action.RESIDENT_VIEW, tree.building2)
    with pytest.raises(Conflict):
        role_grant(actor=secretary, user=user, role=Role.BUILDING_LEADER, place=tree.building2)
    role_revoke(actor=secretary, grant=grant)
    assert not policies.can(user, Action.RESIDENT_VIEW, tree.building2)
    with pytest.raises(Conflict):
        role_revoke(actor=secretary, grant=grant)


@pytest.mark.django_db
def test_groups_and_teams(tree, secretary, home):
    resident = resident_create(actor=secretary, household=home, name="队员甲", phone="")
    group_join(actor=secretary, resident=resident, group=ResidentGroup.REPRESENTATIVE)
    with pytest.raises(Conflict):
        group_join(actor=secretary, resident=resident, group=ResidentGroup.REPRESENTATIVE)
    team = team_create(actor=secretary, community=tree.heping, name="义务巡逻队")
    with pytest.raises(Conflict):
        team_create(actor=secretary, community=tree.heping, name="义务巡逻队")
    team_member_add(actor=secretary, team=team, resident=resident, is_leader=True)
    with pytest.raises(Conflict):
        team_member_add(actor=secretary, team=team, resident=resident)


@pytest.mark.django_db
def test_place_add_checks_the_actor(tree, secretary, leader):
    compound = place_add(
        actor=secretary, parent=tree.heping, kind=PlaceKind.COMPOUND, name="幸福小区"
    )
    assert compound.community_id == tree.heping.pk
    with pytest.raises(NotFound):
        place_add(actor=leader, parent=tree.building1, kind=PlaceKind.HOUSEHOLD, name="9-9")


@pytest.mark.django_db
def test_system_actor_may_act_everywhere(tree, home):
    resident = resident_create(actor=SYSTEM, household=home, name="系统建", phone="")
    event = AuditEvent.objects.get(target_id=str(resident.pk), action="resident.create")
    assert event.actor is None and event.data["by"] == "system"
