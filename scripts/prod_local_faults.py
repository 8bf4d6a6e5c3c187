"""Faults on the prod-local layout (after scripts/prod-local.sh start): a burst of awards
through nginx while something breaks, then the ledger is checked.

For each fault: 4 clients post awards (each with its own idempotency key) for a few seconds;
a 302 from the award page is an acknowledged award (the client's log). Midway the fault is
applied and undone. Afterwards every acknowledged key must be in points_award exactly once
with its posting, and ``linli points verify`` must be clean. Prints the table:

    fault | sent | acknowledged | found in the ledger | lost | duplicated | verify

Faults: kill -9 an app server (systemd/the script restarts it); ``pg_ctl stop -m immediate``
on the primary and restart; PgBouncer restarted; the replica stopped (reads fall back).
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PL = Path(os.environ.get("PL_DIR", ROOT / "var" / "prod-local"))
PGR = Path((PL / "pgroot").read_text().strip()) if (PL / "pgroot").exists() else PL
NGINX = int(os.environ.get("PL_NGINX", "28080"))
PG1 = int(os.environ.get("PL_PG1", "25432"))
PG2 = int(os.environ.get("PL_PG2", "25433"))
BURST_SECONDS = float(os.environ.get("FAULT_BURST_SECONDS", "6"))
CLIENTS = 4


def pgbin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    return Path(os.environ.get("PGBIN", str(found[-1])))


def as_pg(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def run(args: list[str]) -> None:
    subprocess.run(args, check=False, capture_output=True)


class Client:
    """One signed-in browser (cookies by hand, no redirects followed)."""

    def __init__(self, phone: str, password: str) -> None:
        self.cookies: dict[str, str] = {}
        self.request("GET", "/login/")
        self.request("POST", "/login/", {"username": phone, "password": password})
        if "sessionid" not in self.cookies:
            raise SystemExit("sign-in failed")

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", NGINX, timeout=15)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            form = {**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{NGINX}{path}"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name] = rest.split(";", 1)[0]
            return response.status
        except OSError:
            return 0
        finally:
            conn.close()


def burst(seed: dict, tag: str, fault: Callable[[], None]) -> tuple[int, list[str]]:
    clients = [Client(seed["phone"], seed["password"]) for _ in range(CLIENTS)]
    acknowledged: list[str] = []
    sent = [0]
    lock = threading.Lock()
    stop = time.monotonic() + BURST_SECONDS

    def work(n: int, client: Client) -> None:
        i = 0
        while time.monotonic() < stop:
            key = f"{tag}-{n}-{i}"
            i += 1
            status = client.request(
                "POST",
                "/points/award/",
                {
                    "resident": str(seed["resident"]),
                    "rule": str(seed["rule"]),
                    "points": "1",
                    "evidence_note": "fault test",
                    "idempotency_key": key,
                    # Several awards to one resident within minutes: yes, on purpose.
                    "confirm_repeat": "on",
                },
            )
            with lock:
                sent[0] += 1
                if status == 302:
                    acknowledged.append(key)

    threads = [threading.Thread(target=work, args=(n, c)) for n, c in enumerate(clients)]
    for t in threads:
        t.start()
    time.sleep(BURST_SECONDS / 3)
    fault()
    for t in threads:
        t.join()
    return sent[0], acknowledged


def check(tag: str, acknowledged: list[str]) -> tuple[int, int, int, bool]:
    deadline = time.monotonic() + 30
    while True:
        try:
            with psycopg.connect(
                host="127.0.0.1", port=PG1, user="postgres", dbname="linli"
            ) as conn:
                rows = conn.execute(
                    "SELECT idempotency_key, count(*), count(posting_id) FROM points_award"
                    " WHERE idempotency_key LIKE %s GROUP BY idempotency_key",
                    [tag + "-%"],
                ).fetchall()
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    counts = {key: (n, posted) for key, n, posted in rows}
    found = sum(1 for k in acknowledged if counts.get(k, (0, 0))[1] >= 1)
    lost = sum(1 for k in acknowledged if counts.get(k, (0, 0))[0] == 0)
    duplicated = sum(1 for n, _ in counts.values() if n > 1)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LINLI_")},
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{PG1}/linli",
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "LINLI_SECRET_KEY": (PL / "secret_key").read_text().strip(),
    }
    verify = subprocess.run(
        [sys.executable, "-m", "linli.cli", "points", "verify"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return found, lost, duplicated, verify.returncode == 0


def pid(name: str) -> int:
    return int((PL / "run" / f"{name}.pid").read_text().strip())


def kill_app_server() -> None:
    os.kill(pid("web1"), 9)


def restart_app_server() -> None:
    script = ROOT / "scripts" / "prod-local.sh"
    subprocess.run(["bash", str(script), "restart-web", "1"], check=True)


def primary_crash() -> None:
    pgctl = str(pgbin() / "pg_ctl")
    run(as_pg([pgctl, "-D", str(PGR / "pg-primary"), "-m", "immediate", "stop"]))
    time.sleep(1)
    run(
        as_pg(
            [
                pgctl,
                "-w",
                "-D",
                str(PGR / "pg-primary"),
                "-l",
                str(PGR / "logs" / "pg-primary.log"),
                "start",
            ]
        )
    )


def pgbouncer_restart() -> None:
    bouncer = int((PGR / "run" / "pgbouncer.pid").read_text().strip())
    os.kill(bouncer, 15)
    time.sleep(0.5)
    pgbouncer = "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else "pgbouncer"
    run(as_pg([pgbouncer, "-d", "-q", str(PGR / "pgbouncer" / "pgbouncer.ini")]))


def replica_stop() -> None:
    run(as_pg([str(pgbin() / "pg_ctl"), "-w", "-D", str(PGR / "pg-replica"), "-m", "fast", "stop"]))


def replica_start() -> None:
    run(
        as_pg(
            [
                str(pgbin() / "pg_ctl"),
                "-w",
                "-D",
                str(PGR / "pg-replica"),
                "-l",
                str(PGR / "logs" / "pg-replica.log"),
                "start",
            ]
        )
    )


def main() -> None:
    seed = json.loads((PL / "seed.json").read_text())
    stamp = int(time.time())
    faults: list[tuple[str, Callable[[], None], Callable[[], None]]] = [
        ("kill -9 an app server", kill_app_server, restart_app_server),
        ("primary: pg_ctl stop -m immediate, restart", primary_crash, lambda: None),
        ("PgBouncer restarted", pgbouncer_restart, lambda: None),
        ("replica stopped", replica_stop, replica_start),
    ]
    print("| fault | sent | acknowledged | found in the ledger | lost | duplicated | verify |")
    print("|---|---|---|---|---|---|---|")
    failed = False
    for n, (name, fault, undo) in enumerate(faults):
        tag = f"fault{stamp}-{n}"
        sent, acknowledged = burst(seed, tag, fault)
        undo()
        found, lost, duplicated, ok = check(tag, acknowledged)
        failed |= bool(lost or duplicated or not ok or found != len(acknowledged))
        print(
            f"| {name} | {sent} | {len(acknowledged)} | {found} | {lost} | {duplicated} |"
            f" {'clean' if ok else 'DRIFT'} |",
            flush=True,
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
