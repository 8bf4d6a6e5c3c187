import pytest

from linli.core.errors import Conflict, ValidationFailed
from linli.places.choices import PlaceKind
from linli.places.models import Place
from linli.places.services import place_create, place_get_or_create, place_rename


@pytest.mark.django_db
def test_every_row_knows_its_ancestors_without_walking(tree):
    household = place_create(
        parent=tree.building1, kind=PlaceKind.HOUSEHOLD, name="1单元101", unit="1", room="101"
    )
    household.refresh_from_db()
    assert household.city_id == tree.city.pk
    assert household.district_id == tree.district.pk
    assert household.street_id == tree.street.pk
    assert household.community_id == tree.heping.pk
    assert household.compound_id == tree.compound1.pk
    assert household.building_id == tree.building1.pk
    # A row points at itself in its own kind's column.
    assert tree.heping.community_id == tree.heping.pk
    assert [p.name for p in household.path()] == [
        "荆州市",
        "沙市区",
        "测试街道",
        "和平社区",
        "和平小区",
        "1栋",
        "1单元101",
    ]
    assert household.is_within(tree.heping)
    assert not household.is_within(tree.other)
    assert set(Place.objects.within(tree.compound1)) >= {tree.building1, tree.building2, household}
    assert tree.other_building not in set(Place.objects.within(tree.heping))


@pytest.mark.django_db
def test_names_unique_within_a_parent(tree):
    with pytest.raises(Conflict):
        place_create(parent=tree.compound1, kind=PlaceKind.BUILDING, name="1栋")
    # The same name under another parent is fine: 胜利小区 also has a 1栋.
    assert tree.other_building.name == tree.building1.name
    count = Place.objects.count()
    with pytest.raises(Conflict):
        place_rename(place=tree.building2, name="1栋")
    assert Place.objects.count() == count
    tree.building2.refresh_from_db()
    assert tree.building2.name == "2栋"


@pytest.mark.django_db
def test_the_tree_has_an_order(tree):
    with pytest.raises(ValidationFailed):
        place_create(parent=tree.building1, kind=PlaceKind.COMPOUND, name="倒挂小区")
    with pytest.raises(ValidationFailed):
        place_create(parent=tree.compound1, kind=PlaceKind.HOUSEHOLD, name="101")
    with pytest.raises(ValidationFailed):
        place_create(parent=None, kind=PlaceKind.COMMUNITY, name="无上级社区")
    with pytest.raises(ValidationFailed):
        place_create(parent=tree.heping, kind=PlaceKind.COMPOUND, name="x" * 65)
    with pytest.raises(ValidationFailed):
        place_create(parent=tree.heping, kind=PlaceKind.COMPOUND, name="  ")


@pytest.mark.django_db
def test_codes_are_gbt2260_shaped_and_unique(tree):
    with pytest.raises(ValidationFailed):
        place_create(parent=tree.city, kind=PlaceKind.DISTRICT, name="荆州区", code="42ab")
    with pytest.raises(Conflict):
        place_create(parent=tree.city, kind=PlaceKind.DISTRICT, name="荆州区", code="421002")
    district = place_create(parent=tree.city, kind=PlaceKind.DISTRICT, name="荆州区", code="421003")
    assert district.code == "421003"


@pytest.mark.django_db
def test_get_or_create_is_idempotent(tree):
    count = Place.objects.count()
    again, created = place_get_or_create(
        parent=tree.heping, kind=PlaceKind.COMPOUND, name="和平小区"
    )
    assert not created and again == tree.compound1
    assert Place.objects.count() == count
    with pytest.raises(Conflict):
        place_get_or_create(parent=tree.heping, kind=PlaceKind.BUILDING, name="和平小区")
