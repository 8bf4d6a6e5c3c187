"""Real parallel transactions: two staff registering the same mobile number at once."""

import threading

import pytest
from django.db import connection, connections

from linli.core.errors import Conflict
from linli.people.models import Resident
from linli.people.services import resident_create
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.concurrency


@pytest.mark.django_db(transaction=True)
def test_same_phone_registered_twice_at_once_gives_one_resident(tree, secretary, staff):
    if connection.vendor != "postgresql":
        pytest.skip("row-level concurrency is a PostgreSQL property; CI runs it there")
    homes = [HouseholdFactory(parent=tree.building2, name=f"{i}01") for i in range(2)]
    barrier = threading.Barrier(2)
    results: list[object] = []

    def register(actor, home):
        try:
            barrier.wait(timeout=10)
            results.append(
                resident_create(actor=actor, household=home, name="抢号", phone="13812345678")
            )
        except Conflict as exc:
            results.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=register, args=(actor, home))
        for actor, home in zip([secretary, staff], homes, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Resident"]
    assert Resident.objects.filter(phone="13812345678").count() == 1
