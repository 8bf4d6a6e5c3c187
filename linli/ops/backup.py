"""Backups: ``linli backup`` and ``linli restore`` (docs/deployment.md, "Backups").

A backup is one directory ``linli-<UTC time>/`` holding

- ``db.dump``: ``pg_dump --format=custom`` of the database,
- ``media.tar.gz``: the uploaded files (matter photos, evidence, reward photos), when the
  media storage is the file system,
- ``manifest.json``: the SHA-256 and size of each file, and the row count of every table,
  counted in the same snapshot that ``pg_dump`` dumps (``pg_export_snapshot``), so a restore
  can prove it brought back exactly what was there.

A restore goes only into an empty database: it checks every checksum first (a damaged
backup changes nothing), runs ``pg_restore`` (objects owned by the connecting role: restore as
the owner, then run deploy/sql/app_role.sql), unpacks the media into an empty directory,
compares every table's row count with the manifest, and runs ``linli points verify`` on the
restored database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dj_database_url
import psycopg
from django.conf import settings
from django.db import connections

MANIFEST = "manifest.json"
DUMP = "db.dump"
MEDIA = "media.tar.gz"
FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot go on (nothing was changed by the failing step)."""


def _tool(name: str) -> str:
    pgbin = os.environ.get("PGBIN", "")
    if pgbin and (Path(pgbin) / name).exists():
        return str(Path(pgbin) / name)
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install the PostgreSQL client (or set PGBIN)")
    return found


def _pg_env(params: Any) -> dict[str, str]:
    """libpq's environment for a Django database's settings (no password on a command line)."""
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", params.get("HOST")),
        ("PGPORT", params.get("PORT")),
        ("PGUSER", params.get("USER")),
        ("PGPASSWORD", params.get("PASSWORD")),
        ("PGDATABASE", params.get("NAME")),
    ):
        if value:
            env[key] = str(value)
        else:
            env.pop(key, None)
    env.pop("PGOPTIONS", None)
    return env


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _tables(cursor: Any) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    return [row[0] for row in cursor.fetchall()]


def _counts(cursor: Any) -> dict[str, int]:
    counts = {}
    for table in _tables(cursor):
        cursor.execute(f'SELECT count(*) FROM public."{table}"')  # noqa: S608 (catalog names)
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _media_root() -> Path | None:
    backend = settings.STORAGES["default"]["BACKEND"]
    if backend != "django.core.files.storage.FileSystemStorage":
        return None  # object storage keeps its own versions (docs/deployment.md)
    return Path(settings.MEDIA_ROOT)


def backup(to: Path, *, media: bool = True, keep: int = 0, alias: str = "default") -> Path:
    """Write a backup of the database ``alias`` (and the media) under ``to``; returns its
    directory. ``keep`` > 0 deletes all but the newest ``keep`` backups there afterwards."""
    params = settings.DATABASES[alias]
    if params["ENGINE"] != "django.db.backends.postgresql":
        raise BackupError("linli backup needs PostgreSQL (the SQLite demo is a file: copy it)")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = to / f"linli-{stamp}"
    partial = to / f".linli-{stamp}.partial"
    partial.mkdir(parents=True)
    try:
        # One snapshot for the dump and the counts: the manifest says what the dump holds.
        with psycopg.connect(**_libpq_kwargs(params), autocommit=False) as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            with conn.cursor() as cursor:
                cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
                snapshot, server_version = cursor.fetchone()  # type: ignore[misc]
                subprocess.run(  # noqa: S603
                    [
                        _tool("pg_dump"),
                        "--format=custom",
                        f"--snapshot={snapshot}",
                        "--file",
                        str(partial / DUMP),
                    ],
                    env=_pg_env(params),
                    check=True,
                    capture_output=True,
                )
                rows = _counts(cursor)
            conn.rollback()
        files = [DUMP]
        root = _media_root() if media else None
        if root is not None and root.is_dir():
            with tarfile.open(partial / MEDIA, "w:gz") as tar:
                tar.add(root, arcname="media")
            files.append(MEDIA)
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "database": {"name": params.get("NAME"), "server_version": server_version},
            "files": {
                name: {"sha256": _sha256(partial / name), "bytes": (partial / name).stat().st_size}
                for name in files
            },
            "rows": rows,
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        partial.rename(target)
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise BackupError(
            f"pg_dump failed: {exc.stderr.decode(errors='replace').strip()}"
        ) from None
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if keep > 0:
        for old in sorted(to.glob("linli-*"))[:-keep]:
            shutil.rmtree(old)
    return target


def _libpq_kwargs(params: Any) -> dict[str, Any]:
    kwargs = {
        "host": params.get("HOST") or None,
        "port": params.get("PORT") or None,
        "user": params.get("USER") or None,
        "password": params.get("PASSWORD") or None,
        "dbname": params.get("NAME"),
    }
    return {k: v for k, v in kwargs.items() if v is not None}


@dataclass
class RestoreReport:
    rows: dict[str, int] = field(default_factory=dict)
    mismatches: list[str] = field(default_factory=list)
    verify_output: str = ""
    verify_ok: bool = False
    media_files: int = 0

    @property
    def ok(self) -> bool:
        return not self.mismatches and self.verify_ok


def read_manifest(source: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source}: no readable {MANIFEST} ({exc.__class__.__name__})") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source}: unknown backup format {manifest.get('format')!r}")
    return manifest


def check_files(source: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest lists is there, with its size and checksum."""
    for name, expected in manifest["files"].items():
        path = source / name
        if not path.is_file():
            raise BackupError(f"{name} is missing from {source}")
        if path.stat().st_size != expected["bytes"] or _sha256(path) != expected["sha256"]:
            raise BackupError(f"{name}: checksum does not match the manifest (damaged backup)")


def restore(source: Path, *, database_url: str, media_root: Path | None) -> RestoreReport:
    """Restore the backup in ``source`` into the empty database at ``database_url`` (and the
    media into the empty ``media_root``), then check it (module docstring)."""
    manifest = read_manifest(source)
    check_files(source, manifest)
    params = dj_database_url.parse(database_url)
    with (
        psycopg.connect(**_libpq_kwargs(params), autocommit=True) as conn,
        conn.cursor() as cursor,
    ):
        existing = _tables(cursor)
    if existing:
        raise BackupError(
            f"the target database is not empty ({len(existing)} tables): restore only into a "
            "new, empty database"
        )
    has_media = MEDIA in manifest["files"]
    if has_media:
        if media_root is None:
            raise BackupError("the backup has media: give --media-root (an empty directory)")
        if media_root.exists() and any(media_root.iterdir()):
            raise BackupError(f"{media_root} is not empty")
    result = subprocess.run(  # noqa: S603
        [
            _tool("pg_restore"),
            "--no-owner",
            "--no-acl",
            "--exit-on-error",
            "--dbname",
            params["NAME"],
            str(source / DUMP),
        ],
        env=_pg_env(params),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    report = RestoreReport()
    if has_media and media_root is not None:
        media_root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(source / MEDIA, "r:gz") as tar:
            members = [m for m in tar.getmembers() if m.name.startswith("media/")]
            for member in members:
                member.name = member.name.removeprefix("media/")
            members = [m for m in members if m.name]
            tar.extractall(media_root, members=members, filter="data")
            report.media_files = sum(1 for m in members if m.isfile())
    with (
        psycopg.connect(**_libpq_kwargs(params), autocommit=True) as conn,
        conn.cursor() as cursor,
    ):
        report.rows = _counts(cursor)
    expected = manifest["rows"]
    for table in sorted(set(expected) | set(report.rows)):
        if expected.get(table) != report.rows.get(table):
            report.mismatches.append(
                f"{table}: {report.rows.get(table)} rows, the backup had {expected.get(table)}"
            )
    verify = subprocess.run(
        [sys.executable, "-m", "linli.cli", "points", "verify"],
        env={
            **{k: v for k, v in os.environ.items() if k != "LINLI_REPLICA_URL"},
            "DATABASE_URL": database_url,
        },
        capture_output=True,
        text=True,
        cwd=Path(settings.BASE_DIR),
    )
    report.verify_ok = verify.returncode == 0
    report.verify_output = (verify.stdout + verify.stderr).strip()
    return report


def close_connections() -> None:
    for conn in connections.all():
        conn.close()
