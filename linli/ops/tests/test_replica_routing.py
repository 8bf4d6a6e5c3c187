"""Reads of boards, public lists, exports and statistics go to the replica alias; writes,
transactions and everything else to the primary; a writer stays on the primary for a few
seconds; a replica that does not answer sends reads back to the primary.

In the tests the replica alias is a TEST MIRROR of the primary (config/settings/test.py):
the same database through another connection, so which alias a query went to is what is
checked. A real streaming replica is tested by scripts/prod-local.sh's smoke test."""

import time

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from linli.core import dbrouting
from linli.core.dbrouting import PRIMARY, REPLICA, ReplicaRouter, replica_lag, replica_reads
from linli.people.models import User
from tests.factories import UserFactory, build_tree

BOTH = ["default", "replica"]
STICKY_COOKIE = "linli_primary"  # linli.web.common.replica


@pytest.fixture(autouse=True)
def _replica_up():
    dbrouting.mark_replica_up()
    yield
    dbrouting.mark_replica_up()


def test_router_reads_primary_unless_asked_and_always_writes_primary():
    router = ReplicaRouter()
    assert router.db_for_read(User) == PRIMARY
    assert router.db_for_write(User) == PRIMARY
    assert router.allow_migrate(REPLICA, "points") is False
    assert router.allow_migrate(PRIMARY, "points") is True


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_reads_in_replica_block_go_to_replica_but_not_inside_a_transaction():
    UserFactory(phone="13900000051")
    with replica_reads():
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            assert User.objects.filter(phone="13900000051").exists()
        assert len(on_replica) == 1
        with transaction.atomic(), CaptureQueriesContext(connections[REPLICA]) as inside:
            User.objects.filter(phone="13900000051").exists()
            User.objects.create_user(phone="13900000052", password="linli-test-pass-1")
        assert len(inside) == 0
    assert User.objects.db_manager().get_queryset().db == PRIMARY


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_public_page_reads_from_replica_and_a_writer_stays_on_primary(client):
    tree = build_tree()
    url = reverse("web:points_stats_public", args=[tree.heping.pk, 2023])
    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections[PRIMARY]) as on_primary,
    ):
        assert client.get(url).status_code in (200, 404)
    assert len(on_replica) >= 1
    assert len(on_primary) == 0
    # A page not on the list reads from the primary.
    with CaptureQueriesContext(connections[REPLICA]) as other:
        client.get(reverse("web:login"))
    assert len(other) == 0
    # After a POST, the browser carries the sticky cookie and reads from the primary.
    response = client.post(reverse("web:login"), {"username": "13900000000", "password": "x"})
    assert response.status_code < 500
    until = float(response.cookies[STICKY_COOKIE].value)
    assert time.time() < until <= time.time() + 10
    with CaptureQueriesContext(connections[REPLICA]) as sticky:
        client.get(url)
    assert len(sticky) == 0
    # Once the moment has passed, the replica again.
    client.cookies[STICKY_COOKIE] = str(int(time.time()) - 1)
    with CaptureQueriesContext(connections[REPLICA]) as again:
        client.get(url)
    assert len(again) >= 1


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_replica_down_falls_back_to_primary(client, settings):
    tree = build_tree()
    url = reverse("web:points_stats_public", args=[tree.heping.pk, 2023])
    replica = connections[REPLICA]
    replica.close()
    good = replica.settings_dict["PORT"]
    replica.settings_dict["PORT"] = "1"  # nothing listens there
    try:
        with CaptureQueriesContext(connections[PRIMARY]) as on_primary:
            assert client.get(url).status_code in (200, 404)
        assert len(on_primary) >= 1
        assert client.get(reverse("healthz")).json()["replica"]["ok"] is False
        assert client.get(reverse("healthz")).status_code == 200
    finally:
        replica.close()
        replica.settings_dict["PORT"] = good


@pytest.mark.django_db(databases=BOTH)
def test_healthz_reports_replica_lag():
    info = replica_lag()
    assert info["configured"] is True and info["ok"] is True
    assert info["lag_seconds"] == 0.0
    assert info["standby"] is False  # the mirror is the primary itself


def test_points_verify_reads_the_primary():
    # The command runs outside any replica block: every read is routed to the primary.
    assert dbrouting.reading_from_replica() is False
    assert ReplicaRouter().db_for_read(User) == PRIMARY
