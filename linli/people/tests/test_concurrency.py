"""Real parallel transactions: two staff registering the same mobile number at once."""

import pytest

from linli.people.models import Resident
from linli.people.services import resident_create
from tests.factories import HouseholdFactory
from tests.race import race

pytestmark = pytest.mark.concurrency


@pytest.mark.django_db(transaction=True)
def test_same_phone_registered_twice_at_once_gives_one_resident(tree, secretary, staff):
    homes = [HouseholdFactory(parent=tree.building2, name=f"{i}01") for i in range(2)]
    actors = (secretary, staff)
    results = race(
        2,
        lambda i: resident_create(
            actor=actors[i], household=homes[i], name="抢号", phone="13812345678"
        ),
    )
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Resident"]
    assert Resident.objects.filter(phone="13812345678").count() == 1
