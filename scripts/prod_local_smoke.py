"""The prod-local smoke test and point-in-time-recovery drill (after scripts/prod-local.sh start).

1. /healthz through nginx: the database, the task queue, a streaming replica (standby).
2. Sign in through nginx (CSRF, the session), award points, and read the award back from
   the replica (the row replicated; then the award page's public statistics).
3. PITR: a base backup, award A, note the time T, award B, switch and archive the WAL,
   recover a copy of the cluster to T: A is there, B is not, and the ledger verifies.
4. /metrics is refused through nginx, answered on an app server's loopback port.

Prints one line per step; exits non-zero at the first failure. Standard library and psycopg.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PL = Path(os.environ.get("PL_DIR", ROOT / "var" / "prod-local"))
# PostgreSQL's files: under PL, or where scripts/prod-local.sh put them (PL/pgroot).
PGR = Path((PL / "pgroot").read_text().strip()) if (PL / "pgroot").exists() else PL
NGINX = int(os.environ.get("PL_NGINX", "28080"))
PG1 = int(os.environ.get("PL_PG1", "25432"))
PG2 = int(os.environ.get("PL_PG2", "25433"))
PG3 = int(os.environ.get("PL_PG3", "25434"))
APP1 = int(os.environ.get("PL_APP1", "28001"))
BASE = f"http://127.0.0.1:{NGINX}"
STARTED = time.monotonic()


def step(text: str) -> None:
    print(f"[{time.monotonic() - STARTED:5.1f}s] {text}", flush=True)


def fail(text: str) -> None:
    print(f"FAIL: {text}", file=sys.stderr, flush=True)
    sys.exit(1)


def pgbin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    return Path(os.environ.get("PGBIN", str(found[-1])))


def as_pg(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def db(port: int, dbname: str = "linli") -> psycopg.Connection:
    return psycopg.connect(
        host="127.0.0.1", port=port, user="postgres", dbname=dbname, autocommit=True
    )


def wait_for(what: str, check: Callable[[], Any], timeout: float = 30.0, every: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            fail(f"timed out waiting for {what}")
        time.sleep(every)


class Browser:
    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, str, dict[str, str]]:
        try:
            with self.opener.open(BASE + path, timeout=20) as r:
                return r.status, r.read().decode(), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace"), dict(e.headers)

    def post(self, path: str, data: dict[str, str]) -> tuple[int, str]:
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(
            BASE + path, data=body, headers={"Referer": BASE + path}, method="POST"
        )
        try:
            with self.opener.open(request, timeout=20) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace")


def award(browser: Browser, seed: dict, key: str, points: int) -> None:
    browser.get(f"/points/award/?resident={seed['resident']}")
    status, _body = browser.post(
        "/points/award/",
        {
            "resident": str(seed["resident"]),
            "rule": str(seed["rule"]),
            "points": str(points),
            "evidence_note": "打扫楼道",
            "idempotency_key": key,
        },
    )
    if status != 200:
        fail(f"award {key}: HTTP {status}")


def award_on(port: int, key: str) -> bool:
    with db(port) as conn:
        row = conn.execute(
            "SELECT count(*) FROM points_award WHERE idempotency_key = %s", [key]
        ).fetchone()
    return bool(row and row[0] == 1)


def main() -> None:
    seed = json.loads((PL / "seed.json").read_text())

    # 1. Health through nginx.
    status, body, headers = Browser().get("/healthz")
    health = json.loads(body)
    if status != 200 or health["database"]["ok"] is not True:
        fail(f"/healthz {status}: {body}")
    if not (health["replica"].get("ok") and health["replica"].get("standby")):
        fail(f"no streaming replica in /healthz: {health['replica']}")
    if "tasks" not in health or "X-Request-ID" not in headers:
        fail("/healthz lacks the task queue or the request id")
    step(
        f"healthz ok: replica lag {health['replica']['lag_seconds']} s, "
        f"queue {health['tasks']['ready']} ready"
    )

    # 2. Sign in, award, read it back from the replica.
    browser = Browser()
    browser.get("/login/")
    status, body = browser.post(
        "/login/", {"username": seed["phone"], "password": seed["password"]}
    )
    if status != 200 or not any(c.name == "sessionid" for c in browser.jar):
        fail(f"sign-in: HTTP {status}")
    step("signed in through nginx")
    key = f"smoke-{int(time.time() * 1000)}"
    award(browser, seed, key, 7)
    if not award_on(PG1, key):
        fail("the award is not on the primary")
    step("awarded 7 points (on the primary)")
    wait_for("the award on the replica", lambda: award_on(PG2, key), timeout=20)
    step("award read back from the streaming replica")

    # 3. PITR drill: base backup + WAL archive, recover to a time between two awards.
    base = PGR / "pitr-base"
    restore_dir = PGR / "pitr-restore"
    for d in (base, restore_dir):
        shutil.rmtree(d, ignore_errors=True)
    subprocess.run(
        as_pg(
            [
                str(pgbin() / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(PG1),
                "-U",
                "postgres",
                "-D",
                str(base),
                "-X",
                "fetch",
                "-c",
                "fast",
            ]
        ),
        check=True,
    )
    step("base backup taken")
    key_a, key_b = key + "-a", key + "-b"
    award(browser, seed, key_a, 3)
    target = _clock(PG1)
    # B must commit strictly after T: wait until the server's clock has moved on.
    wait_for("the clock to pass T", lambda: _clock(PG1) > target, every=0.01)
    award(browser, seed, key_b, 4)
    with db(PG1) as conn:
        row = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()
    last = row[0] if row else ""
    wait_for("the WAL to be archived", lambda: (PGR / "wal-archive" / last).exists(), timeout=30)
    step(f"A and B awarded around T={target.isoformat()}; WAL archived up to {last}")
    subprocess.run(as_pg(["cp", "-a", str(base), str(restore_dir)]), check=True)
    conf = restore_dir / "postgresql.conf"
    extra = (
        f"\nport = {PG3}\narchive_mode = off\n"
        f"restore_command = 'cp {PGR}/wal-archive/%f %p'\n"
        f"recovery_target_time = '{target.isoformat()}'\n"
        "recovery_target_action = 'promote'\n"
    )
    subprocess.run(
        as_pg(["sh", "-c", f"cat >> {conf} && touch {restore_dir}/recovery.signal"]),
        input=extra.encode(),
        check=True,
    )
    subprocess.run(
        as_pg(
            [
                str(pgbin() / "pg_ctl"),
                "-w",
                "-s",
                "-D",
                str(restore_dir),
                "-l",
                str(PGR / "logs" / "pitr-restore.log"),
                "start",
            ]
        ),
        check=True,
    )
    try:
        wait_for("recovery to finish", lambda: _promoted(PG3), timeout=60)
        if not award_on(PG3, key_a):
            fail("PITR: award A (before T) is missing")
        if award_on(PG3, key_b):
            fail("PITR: award B (after T) is present")
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{PG3}/linli",
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "LINLI_SECRET_KEY": (PL / "secret_key").read_text().strip(),
        }
        env.pop("LINLI_REPLICA_URL", None)
        env.pop("LINLI_PGBOUNCER", None)
        verify = subprocess.run(
            [sys.executable, "-m", "linli.cli", "points", "verify"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if verify.returncode != 0:
            fail(f"PITR: points verify: {verify.stdout}{verify.stderr}")
        step(f"PITR to T: A present, B absent; {verify.stdout.strip()}")
    finally:
        subprocess.run(
            as_pg(
                [str(pgbin() / "pg_ctl"), "-w", "-s", "-D", str(restore_dir), "-m", "fast", "stop"]
            ),
            check=False,
        )

    # 4. /metrics: not through nginx; on the app server's loopback port, yes.
    status, _, _ = Browser().get("/metrics")
    if status != 404:
        fail(f"/metrics through nginx answered {status}")
    with urllib.request.urlopen(f"http://127.0.0.1:{APP1}/metrics", timeout=10) as r:
        text = r.read().decode()
    if not re.search(r"^django_http_requests_total_by_method_total", text, re.M):
        fail("/metrics has no request counters")
    step("metrics: 404 through nginx, served on the app server's loopback")
    print(f"prod-local smoke OK in {time.monotonic() - STARTED:.1f}s")


def _clock(port: int) -> Any:
    with db(port) as conn:
        row = conn.execute("SELECT clock_timestamp()").fetchone()
    return row[0] if row else None


def _promoted(port: int) -> bool:
    try:
        with db(port) as conn:
            row = conn.execute("SELECT NOT pg_is_in_recovery()").fetchone()
        return bool(row and row[0])
    except psycopg.OperationalError:
        return False


if __name__ == "__main__":
    main()
