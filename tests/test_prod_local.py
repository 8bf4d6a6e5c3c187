"""The production layout on loopback (scripts/prod-local.sh) and its smoke test
(scripts/prod_local_smoke.py): PostgreSQL primary + streaming replica, PgBouncer, two gunicorn
app servers, the worker and nginx; sign in, award, read the award back from the replica; the
point-in-time-recovery drill. Its own directory and ports, so a developer's `make prod-local`
is left alone. Needs nginx, pgbouncer and the PostgreSQL server binaries
(scripts/system-deps.sh); in CI their absence is a failure, elsewhere a skip."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.prod_local

ENV = {
    "PL_DIR": str(ROOT / "var" / "prod-local-test"),
    "PL_PG1": "25532",
    "PL_PG2": "25533",
    "PL_PG3": "25534",
    "PL_BOUNCER": "26532",
    "PL_APP1": "28101",
    "PL_APP2": "28102",
    "PL_NGINX": "28180",
    "PL_WORKERS": "1",
}


def _missing() -> list[str]:
    missing = [
        t
        for t in ("nginx", "pgbouncer")
        if not (shutil.which(t) or Path(f"/usr/sbin/{t}").exists())
    ]
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        missing.append("initdb")
    return missing


def test_prod_local_layout_smoke_and_pitr():
    missing = _missing()
    if missing:
        if os.environ.get("LINLI_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"missing {missing}: scripts/system-deps.sh installs them")
        pytest.skip(f"missing {missing}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINLI_", "DJANGO_"))}
    env.update(ENV)
    script = str(ROOT / "scripts" / "prod-local.sh")
    started = time.monotonic()
    try:
        up = subprocess.run(
            ["bash", script, "start"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-3000:]
        smoke = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "prod_local_smoke.py")],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        print(up.stdout + smoke.stdout)
        assert smoke.returncode == 0, smoke.stdout[-3000:] + smoke.stderr[-3000:]
        assert "prod-local smoke OK" in smoke.stdout
    finally:
        down = subprocess.run(
            ["bash", script, "clean"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        print(f"prod-local start + smoke + stop: {time.monotonic() - started:.1f}s")
    assert down.returncode == 0, down.stderr
    assert not Path(ENV["PL_DIR"]).exists()
