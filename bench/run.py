"""Run the benchmarks: ``python -m bench.run [name ...]``.

Creates a scratch database (``LINLI_BENCH_DB``, default ``linli_bench``) next to the one
``DATABASE_URL`` names, migrates it, runs every ``bench/bench_*.py`` (or only the named
ones), prints their figures and drops the database again. Never touches other databases.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import sys
import time
from urllib.parse import urlsplit, urlunsplit

import psycopg

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _modules(only: list[str]) -> list[str]:
    import bench

    names = sorted(
        m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_")
    )
    if only:
        names = [n for n in names if n in only or n.removeprefix("bench_") in only]
    return names


def main(argv: list[str]) -> int:
    base_url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not base_url.startswith(("postgres://", "postgresql://")):
        print("bench: DATABASE_URL must point at PostgreSQL", file=sys.stderr)
        return 2
    name = os.environ.get("LINLI_BENCH_DB", "linli_bench")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or name in ("postgres", "template1"):
        print(f"bench: refusing database name {name!r}", file=sys.stderr)
        return 2
    admin_url = _with_database(base_url, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = _with_database(base_url, name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    status = 0
    try:
        import django
        from django.core.management import call_command

        django.setup()
        started = time.monotonic()
        call_command("migrate", verbosity=0)
        print(f"# database {name} migrated in {time.monotonic() - started:.1f} s", flush=True)
        for module_name in _modules(argv):
            module = importlib.import_module(f"bench.{module_name}")
            for line in module.run():
                print(line, flush=True)
            status = max(status, int(getattr(module, "FAILED", 0)))
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
