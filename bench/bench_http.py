"""Linli's pages over HTTP, next to a bare Django view served the same way (issue 15 part 3).

The Heping demo (``linli demo``) is loaded into a scratch database of its own
(``linli_bench_http``). The first run loads it (minutes: the demo goes through the services)
and keeps a ``pg_dump`` of it under ``var/bench/``, keyed by the migrations and the demo's
code; later runs restore that dump in seconds. Then two gunicorns start on loopback with
``deploy/gunicorn.conf.py`` (gthread, ``LINLI_BENCH_HTTP_WORKERS`` × ``…_THREADS``, default
4 × 4 as in production, on however many cores the machine has): Linli with the production
settings (``config.settings.base``, DEBUG off, HTTP only) and the floor, ``bench.http_bare``
(one view returning a constant, no middleware, no database). A threaded client with 16
keep-alive connections (http.client) drives each page for ``LINLI_BENCH_HTTP_SECONDS``
(default 8) after a second of warm-up, signed in by a session cookie as the page's persona:

- ``public_list``: the final 2022 Q4 public list, anonymous (it is public);
- ``points_history``: 代正菊's points (she is signed in);
- ``board``: the street board, as 中山街道's supervisor 周建国;
- ``shop``: the reward shop, as 代正菊;
- ``home``: 代正菊's home page;
- ``public_list_304``: the public list again with its ETag (a returning browser), no goal.

Prints ``http_<page>: N req/s p99 M ms (R x bare view)``. Goals: the public list ≥ 0.5×,
every other page ≥ 0.1×; a missed goal (or any non-2xx answer) is a ``#`` line and FAILED.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from bench.scratch import database_url, scratch_database, sibling_name

FAILED = 0
ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = 16
SECONDS = float(os.environ.get("LINLI_BENCH_HTTP_SECONDS", "8"))
WORKERS = os.environ.get("LINLI_BENCH_HTTP_WORKERS", "4")
THREADS = os.environ.get("LINLI_BENCH_HTTP_THREADS", "4")
GOALS = {"public_list": 0.5}
DEFAULT_GOAL = 0.1
RESIDENT_PHONE = "13907160004"  # 代正菊
SUPERVISOR_PHONE = "13907160006"  # 周建国, 中山街道


def _demo_key() -> str:
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("linli/*/migrations/*.py")) + sorted(ROOT.glob("linli/demo/*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def _dump_path() -> Path:
    return ROOT / "var" / "bench" / f"heping-{_demo_key()}.dump"


def _load_demo(name: str, dump: Path) -> str:
    """Load the demo into ``name``: restore the kept dump into the empty database when there
    is one, else load it into the migrated database and keep a dump."""
    from django.core.management import call_command
    from django.db import connections

    url = database_url(name)
    if dump.exists():
        connections.close_all()
        subprocess.run(  # noqa: S603 — our own dump, into our scratch database
            [
                shutil.which("pg_restore") or "pg_restore",
                "--no-owner",
                "--clean",
                "--if-exists",
                "-d",
                url,
                str(dump),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return "restored from " + dump.name
    call_command("demo", "--force", stdout=io.StringIO())
    connections.close_all()
    dump.parent.mkdir(parents=True, exist_ok=True)
    pg_dump = shutil.which("pg_dump") or "pg_dump"
    subprocess.run([pg_dump, "-Fc", "-f", str(dump), url], check=True)  # noqa: S603
    return "loaded (kept as " + dump.name + ")"


def _session_cookie(phone: str) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from linli.people.models import User

    user = User.objects.get(phone=phone)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"sessionid={store.session_key}"


def _pages() -> dict[str, tuple[str, str]]:
    """page → (path, cookie)."""
    from django.urls import reverse

    from linli.people.models import Resident
    from linli.points.models import Publication

    final_q4 = Publication.objects.filter(status="final", period_start__year=2022).latest(
        "period_start"
    )
    resident = Resident.objects.get(user__phone=RESIDENT_PHONE)
    resident_cookie = _session_cookie(RESIDENT_PHONE)
    return {
        "public_list": (reverse("web:publication_public", args=[final_q4.pk]), ""),
        "points_history": (reverse("web:resident_points", args=[resident.pk]), resident_cookie),
        "board": (reverse("web:board"), _session_cookie(SUPERVISOR_PHONE)),
        "shop": (reverse("web:shop_home"), resident_cookie),
        "home": (reverse("web:home"), resident_cookie),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(settings_module: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE=settings_module,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS=WORKERS,
        GUNICORN_THREADS=THREADS,
        LINLI_SECURE="0",
        LINLI_ALLOWED_HOSTS="127.0.0.1,localhost",
        LINLI_DEBUG="0",
        LINLI_DEMO="0",
    )
    gunicorn = str(ROOT / ".venv" / "bin" / "gunicorn")
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 — the venv's gunicorn
            [gunicorn, "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
        )


def _get(port: int, path: str, cookie: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _wait_ready(port: int, path: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn on :{port} exited ({process.returncode})")
        try:
            _get(port, path, "")
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn on :{port} did not answer")


def _etag(port: int, path: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.getheader("ETag") or ""
    finally:
        conn.close()


def _drive(
    port: int, path: str, cookie: str, seconds: float, etag: str = ""
) -> tuple[float, float, int]:
    """(requests per second, p99 in ms, answers that were not 2xx — or not 304 when a
    conditional GET with ``etag`` is driven) over ``seconds``."""
    latencies: list[list[float]] = [[] for _ in range(CONNECTIONS)]
    bad = [0] * CONNECTIONS
    headers = {"Cookie": cookie} if cookie else {}
    if etag:
        headers["If-None-Match"] = etag
    start_at = time.monotonic() + 1.0  # a second of warm-up, not counted
    stop_at = start_at + seconds

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while (now := time.monotonic()) < stop_at:
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = 0
            if now >= start_at:
                latencies[i].append(time.monotonic() - now)
                if (status != 304) if etag else not 200 <= status < 300:
                    bad[i] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    all_latencies = sorted(x for per in latencies for x in per)
    count = len(all_latencies)
    p99 = all_latencies[min(count - 1, int(count * 0.99))] * 1000 if count else 0.0
    return count / seconds, p99, sum(bad)


def run() -> Iterator[str]:
    global FAILED
    started = time.monotonic()
    dump = _dump_path()
    with scratch_database(sibling_name("http"), migrate=not dump.exists()) as name:
        how = _load_demo(name, dump)
        yield f"# http: Heping demo {how} in {time.monotonic() - started:.0f} s"
        pages = _pages()
        log = Path(tempfile.mkdtemp(prefix="linli-bench-http-")) / "gunicorn.log"
        bare_port, linli_port = _free_port(), _free_port()
        servers = [
            _start("bench.http_bare", bare_port, log),
            _start("config.settings.base", linli_port, log),
        ]
        try:
            _wait_ready(bare_port, "/", servers[0])
            _wait_ready(linli_port, "/healthz", servers[1])
            yield (
                f"# http: gunicorn gthread {WORKERS} workers x {THREADS} threads on "
                f"{os.cpu_count()} cores, {CONNECTIONS} connections, {SECONDS:g} s per page"
            )
            floor, floor_p99, _ = _drive(bare_port, "/", "", SECONDS)
            yield f"http_bare_view: {floor:.0f} req/s p99 {floor_p99:.1f} ms"
            for page, (path, cookie) in pages.items():
                rate, p99, bad = _drive(linli_port, path, cookie, SECONDS)
                ratio = rate / floor if floor else 0.0
                yield f"http_{page}: {rate:.0f} req/s p99 {p99:.0f} ms ({ratio:.3f} x bare view)"
                goal = GOALS.get(page, DEFAULT_GOAL)
                if ratio < goal:
                    FAILED = 1
                    yield f"# http_{page}: goal {goal} x bare view missed"
                if bad:
                    FAILED = 1
                    yield f"# http_{page}: {bad} answers were not 2xx (log: {log})"
            # A browser coming back to the list: a conditional GET (no goal; 304 expected).
            path = pages["public_list"][0]
            etag = _etag(linli_port, path)
            if etag:
                rate, p99, bad = _drive(linli_port, path, "", SECONDS, etag=etag)
                ratio = rate / floor if floor else 0.0
                yield (
                    f"http_public_list_304: {rate:.0f} req/s p99 {p99:.0f} ms "
                    f"({ratio:.3f} x bare view)"
                )
                if bad:
                    FAILED = 1
                    yield f"# http_public_list_304: {bad} answers were not 304"
        finally:
            for server in servers:
                server.terminate()
            for server in servers:
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
