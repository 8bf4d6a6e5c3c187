"""``linli demo`` refuses a database that is not empty and not the demo's, and refuses to run
with LINLI_DEBUG off unless told ``--force``; a refusal writes nothing and exits non-zero.

The loader itself is replaced by a stub here (the real one takes a minute and is checked on
one shared load in tests/test_demo_loaders.py): these tests are about the door, not the room.
"""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from linli.demo.guard import MARKER
from linli.demo.management.commands import demo as demo_command
from linli.demo.models import DemoMarker
from linli.people.models import User
from linli.places.choices import PlaceKind
from linli.places.models import Place
from linli.places.services import place_create


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Stand-in for load_heping: records each load and writes a place, as the real one does."""
    calls: list[int] = []

    def fake_load(out: object = None) -> None:
        calls.append(1)
        if not Place.objects.filter(name="荆州市").exists():
            place_create(parent=None, kind=PlaceKind.CITY, name="荆州市")

    monkeypatch.setattr(demo_command, "load_heping", fake_load)
    return calls


def run_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def rows() -> tuple[int, int, int]:
    return Place.objects.count(), User.objects.count(), DemoMarker.objects.count()


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_an_empty_database_gets_the_demo_and_its_marker(loads):
    assert rows() == (0, 0, 0)
    run_demo()
    assert loads == [1]
    assert DemoMarker.objects.filter(key=MARKER).count() == 1
    # The demo's database: a second run loads again (the loader is idempotent), one marker.
    run_demo()
    assert loads == [1, 1]
    assert DemoMarker.objects.count() == 1


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_a_database_with_people_or_places_and_no_marker_is_refused(loads, tree):
    before = rows()
    assert before[0] > 0 and before[2] == 0
    for args in ((), ("--force",)):  # no flag lifts this one
        with pytest.raises(CommandError, match="不是演示数据库"):
            run_demo(*args)
    assert loads == [] and rows() == before


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_a_database_with_only_an_account_is_not_empty(loads):
    User.objects.create_user("13900000099", "linli-test-pass-1", name="运维")
    with pytest.raises(CommandError, match="不是演示数据库"):
        run_demo()
    assert loads == [] and DemoMarker.objects.count() == 0


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_the_demo_database_is_loaded_again(loads, tree):
    DemoMarker.objects.create(key=MARKER)
    run_demo()
    assert loads == [1]


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_debug_off_is_refused_without_force(loads):
    with pytest.raises(CommandError, match="LINLI_DEBUG 未开启"):
        run_demo()
    assert loads == [] and rows() == (0, 0, 0)


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_debug_off_with_force_loads_an_empty_database(loads):
    run_demo("--force")
    assert loads == [1] and DemoMarker.objects.count() == 1


def test_the_refusal_exits_non_zero_on_the_linli_script(tmp_path):
    """As an operator would meet it: LINLI_DEBUG off, no --force → exit 1, the reason on
    stderr, and the database untouched (the check comes before any query)."""
    db = tmp_path / "prod.sqlite3"
    result = subprocess.run(
        [sys.executable, "-m", "linli.cli", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "PATH": "/usr/bin:/bin",
            "LINLI_SECRET_KEY": "x" * 60,
            "DATABASE_URL": f"sqlite:///{db}",
        },
    )
    assert result.returncode != 0
    assert "拒绝载入演示数据" in result.stderr and "--force" in result.stderr
    assert not db.exists() or db.stat().st_size == 0
