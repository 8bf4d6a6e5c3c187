"""Run the benchmarks: ``python -m bench.run [name ...]``.

Creates a scratch database (``LINLI_BENCH_DB``, default ``linli_bench``) next to the one
``DATABASE_URL`` names, migrates it, runs every ``bench/bench_*.py`` (or only the named
ones), prints their figures and drops the database again (``bench.scratch``). Never touches
other databases.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import time

from bench.scratch import base_url, checked_name, database_url, scratch_database


def _modules(only: list[str]) -> list[str]:
    import bench

    names = sorted(
        m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_")
    )
    if only:
        names = [n for n in names if n in only or n.removeprefix("bench_") in only]
    return names


def main(argv: list[str]) -> int:
    try:
        url = base_url()
        name = checked_name(os.environ.get("LINLI_BENCH_DB", "linli_bench"))
    except SystemExit as refusal:
        print(refusal, file=sys.stderr)
        return 2
    # Django starts on the server's maintenance database; the scratch one replaces it.
    os.environ["DATABASE_URL"] = database_url("postgres", url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    status = 0
    started = time.monotonic()
    with scratch_database(name):
        print(f"# database {name} migrated in {time.monotonic() - started:.1f} s", flush=True)
        for module_name in _modules(argv):
            module = importlib.import_module(f"bench.{module_name}")
            for line in module.run():
                print(line, flush=True)
            status = max(status, int(getattr(module, "FAILED", 0)))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
