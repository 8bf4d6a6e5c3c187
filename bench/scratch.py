"""Scratch PostgreSQL databases for the benchmarks: one helper for ``bench/run.py`` and for
every bench module that wants a fresh database of its own.

``scratch_database(name)`` drops any database left by an earlier run under that name,
creates it next to the one ``DATABASE_URL`` names (same server, same credentials), points
Django and ``DATABASE_URL`` at it (worker processes inherit the variable), migrates it and
yields its name; afterwards it closes Django's connections, points everything back and drops
the database. It only ever creates or drops the database it was given, and refuses names
that are not plain lowercase identifiers, ``postgres`` and ``template*``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def base_url() -> str:
    """The server to work on, from ``DATABASE_URL`` (PostgreSQL only)."""
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench: DATABASE_URL must point at PostgreSQL")
    return url


def database_url(name: str, url: str | None = None) -> str:
    """``url`` (default: ``DATABASE_URL``) with its database replaced by ``name``."""
    return urlunsplit(urlsplit(url or base_url())._replace(path="/" + name))


def checked_name(name: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or name == "postgres":
        raise SystemExit(f"bench: refusing database name {name!r}")
    if name.startswith("template"):
        raise SystemExit(f"bench: refusing database name {name!r}")
    return name


def _admin(sql: str) -> None:
    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        conn.execute(sql)


def drop_database(name: str) -> None:
    _admin(f'DROP DATABASE IF EXISTS "{checked_name(name)}" WITH (FORCE)')


def create_database(name: str) -> None:
    """A fresh, empty database ``name`` (an earlier one of that name is dropped first)."""
    drop_database(name)
    _admin(f'CREATE DATABASE "{checked_name(name)}"')


@contextmanager
def scratch_database(name: str, *, migrate: bool = True) -> Iterator[str]:
    """Django on a fresh database ``name`` for the duration (migrated unless told not to);
    dropped afterwards, whatever happens. Django must be set up already."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    checked_name(name)
    db = settings.DATABASES["default"]
    original_name, original_url = db["NAME"], os.environ.get("DATABASE_URL")
    connections.close_all()
    create_database(name)
    db["NAME"] = name
    os.environ["DATABASE_URL"] = database_url(name, original_url)
    try:
        if migrate:
            call_command("migrate", verbosity=0)
        yield name
    finally:
        connections.close_all()
        db["NAME"] = original_name
        if original_url is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = original_url
        drop_database(name)


def sibling_name(suffix: str) -> str:
    """A bench module's own database: the current one's name with ``_suffix``
    (``linli_bench`` → ``linli_bench_points``)."""
    from django.conf import settings

    return checked_name(f"{settings.DATABASES['default']['NAME']}_{suffix}")
