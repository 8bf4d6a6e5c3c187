"""linli backup / linli restore: a round trip into an empty database, with the media, the
ledger verified and every table's rows counted; a damaged backup or a non-empty target is
refused and changes nothing."""

import datetime as dt
import json

import psycopg
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from linli.ops.backup import MANIFEST, BackupError, backup, restore
from linli.people.models import Resident
from linli.points.choices import RuleCategory
from linli.points.models import Entry
from linli.points.services import catalog_version_create, points_award, rule_create

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pg_dump needs PostgreSQL"
)


def _server_url(dbname: str) -> str:
    p = settings.DATABASES["default"]
    auth = p["USER"] + (f":{p['PASSWORD']}" if p.get("PASSWORD") else "")
    return f"postgres://{auth}@{p['HOST'] or '127.0.0.1'}:{p['PORT'] or 5432}/{dbname}"


@pytest.fixture
def empty_db():
    name = settings.DATABASES["default"]["NAME"] + "_restore"
    admin = _server_url("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield _server_url(name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def ledger(transactional_db, secretary, resident_user, tree):
    version = catalog_version_create(
        actor=secretary, community=tree.heping, decision="通过", decided_on=dt.date(2023, 1, 10)
    )
    rule = rule_create(
        actor=secretary,
        version=version,
        active_from=dt.date(2023, 1, 1),
        key="bonus",
        name="环境整治",
        category=RuleCategory.ENVIRONMENT,
        points_min=1,
        points_max=100,
    )
    resident = Resident.objects.get(user=resident_user)
    for i in range(3):
        points_award(
            actor=secretary, resident=resident, rule=rule, points=5 + i, idempotency_key=f"k{i}"
        )
    return resident


@pytest.fixture
def media(tmp_path, settings):
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    storage = FileSystemStorage(location=root)
    storage.save("matters/2024/photo.jpg", ContentFile(b"\xff\xd8 a photo"))
    storage.save("public/rewards/mask.png", ContentFile(b"\x89PNG a mask"))
    return root


def test_backup_then_restore_round_trips_rows_media_and_ledger(ledger, media, tmp_path, empty_db):
    entries = Entry.objects.count()
    assert entries >= 6
    target = backup(tmp_path / "backups")
    manifest = json.loads((target / MANIFEST).read_text())
    assert set(manifest["files"]) == {"db.dump", "media.tar.gz"}
    assert manifest["rows"]["points_entry"] == entries
    assert all(len(f["sha256"]) == 64 for f in manifest["files"].values())

    restored_media = tmp_path / "restored-media"
    report = restore(target, database_url=empty_db, media_root=restored_media)
    assert report.mismatches == []
    assert report.verify_ok, report.verify_output
    assert report.verify_output.startswith(f"OK: {entries} entries")
    assert report.rows == manifest["rows"]
    assert report.media_files == 2
    assert (restored_media / "matters/2024/photo.jpg").read_bytes() == b"\xff\xd8 a photo"

    # Into a database that is no longer empty: refused.
    with pytest.raises(BackupError, match="not empty"):
        restore(target, database_url=empty_db, media_root=tmp_path / "other")


def test_a_damaged_backup_is_refused_before_anything_is_written(ledger, tmp_path, empty_db):
    target = backup(tmp_path / "backups", media=False)
    dump = target / "db.dump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    with pytest.raises(BackupError, match="checksum"):
        restore(target, database_url=empty_db, media_root=None)
    with psycopg.connect(empty_db) as conn:
        assert conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone() == (0,)


def test_commands_and_keep(ledger, tmp_path, empty_db, capsys):
    for _ in range(3):
        call_command("backup", "--to", str(tmp_path / "b"), "--no-media", "--keep", "2")
    kept = sorted((tmp_path / "b").glob("linli-*"))
    assert len(kept) == 2
    call_command(
        "restore", str(kept[-1]), "--database-url", empty_db, "--media-root", str(tmp_path / "m")
    )
    out = capsys.readouterr().out
    assert "restore check OK" in out and "points verify: OK" in out
    with pytest.raises(CommandError, match="no readable manifest"):
        call_command("restore", str(tmp_path), "--database-url", empty_db)
