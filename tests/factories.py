"""factory_boy factories and a small place tree. Places go through the places service so
their ancestor columns are right; the factories never write ancestor keys by hand."""

from __future__ import annotations

from dataclasses import dataclass

import factory
from factory.django import DjangoModelFactory

from linli.core.pinyin import pinyin_keys
from linli.people.models import Resident, RoleGrant, User
from linli.places.choices import PlaceKind
from linli.places.models import Place
from linli.places.services import place_get_or_create


@dataclass
class PlaceTree:
    city: Place
    district: Place
    street: Place
    heping: Place
    compound1: Place
    building1: Place
    building2: Place
    other: Place
    other_compound: Place
    other_building: Place


def build_tree() -> PlaceTree:
    city, _ = place_get_or_create(parent=None, kind=PlaceKind.CITY, name="荆州市", code="421000")
    district, _ = place_get_or_create(
        parent=city, kind=PlaceKind.DISTRICT, name="沙市区", code="421002"
    )
    street, _ = place_get_or_create(parent=district, kind=PlaceKind.STREET, name="测试街道")
    heping, _ = place_get_or_create(parent=street, kind=PlaceKind.COMMUNITY, name="和平社区")
    compound1, _ = place_get_or_create(parent=heping, kind=PlaceKind.COMPOUND, name="和平小区")
    building1, _ = place_get_or_create(parent=compound1, kind=PlaceKind.BUILDING, name="1栋")
    building2, _ = place_get_or_create(parent=compound1, kind=PlaceKind.BUILDING, name="2栋")
    other, _ = place_get_or_create(parent=street, kind=PlaceKind.COMMUNITY, name="胜利社区")
    other_compound, _ = place_get_or_create(parent=other, kind=PlaceKind.COMPOUND, name="胜利小区")
    other_building, _ = place_get_or_create(
        parent=other_compound, kind=PlaceKind.BUILDING, name="1栋"
    )
    return PlaceTree(
        city,
        district,
        street,
        heping,
        compound1,
        building1,
        building2,
        other,
        other_compound,
        other_building,
    )


class HouseholdFactory(factory.Factory):
    class Meta:
        model = Place

    parent: Place
    name = factory.Sequence(lambda n: f"{n + 1}室")
    unit = ""
    room = factory.LazyAttribute(lambda o: o.name)

    @classmethod
    def _create(cls, model_class: type[Place], *args: object, **kwargs: object) -> Place:
        place, _ = place_get_or_create(kind=PlaceKind.HOUSEHOLD, **kwargs)  # type: ignore[arg-type]
        return place

    _build = _create


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("phone",)
        skip_postgeneration_save = True

    phone = factory.Sequence(lambda n: f"137{n:08d}")
    name = factory.Faker("name", locale="zh_CN")
    password = factory.PostGenerationMethodCall("set_password", "linli-test-pass-1")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ResidentFactory(DjangoModelFactory):
    class Meta:
        model = Resident

    name = factory.Faker("name", locale="zh_CN")
    phone = factory.Sequence(lambda n: f"136{n:08d}")
    pinyin_full = factory.LazyAttribute(lambda o: pinyin_keys(o.name)[0])
    pinyin_initials = factory.LazyAttribute(lambda o: pinyin_keys(o.name)[1])


class GrantFactory(DjangoModelFactory):
    class Meta:
        model = RoleGrant
