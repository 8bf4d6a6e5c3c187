"""The process killed in the middle of a posting: a child process writes an award's entries,
then is SIGKILLed while its transaction is open. Nothing of it may remain."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.db import connection

from linli.points.models import Award, Entry, Posting
from linli.points.selectors import resident_balance
from linli.points.services import ledger_verify

ROOT = Path(__file__).resolve().parents[3]

CHILD = textwrap.dedent(
    """
    import os, sys, time
    import django
    django.setup()
    from linli.people.models import Resident, User
    from linli.points.models import Rule
    from linli.points.ledger import statements, writer
    from linli.points.services import points_award

    statements.ENABLED = os.environ["FAST_PATH"] == "1"

    def stall():
        # The posting, its entries, the balance and the award are written; not committed.
        print("ENTRIES-WRITTEN", flush=True)
        time.sleep(60)  # killed here, inside the transaction

    real_insert = statements.write_posted

    def slow_insert(*args, **kwargs):
        result = real_insert(*args, **kwargs)
        stall()
        return result

    statements.write_posted = slow_insert  # PostgreSQL's path
    writer.audit_record = lambda *a, **k: stall()  # the ORM path
    points_award(
        actor=User.objects.get(pk=int(sys.argv[1])),
        resident=Resident.objects.get(pk=int(sys.argv[2])),
        rule=Rule.objects.get(pk=int(sys.argv[3])),
        points=10,
        idempotency_key="killed-mid-posting",
    )
    print("FINISHED", flush=True)
    """
)


@pytest.mark.django_db(transaction=True)
def test_killed_mid_posting_leaves_no_trace(secretary, dzj, suggestion_rule):
    if connection.vendor != "postgresql":
        pytest.skip("needs a database server a second process can share")
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    from linli.points.ledger import statements

    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "FAST_PATH": "1" if statements.ENABLED else "0",
    }
    env.pop("LINLI_TEST_DB_NAME", None)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(secretary.pk), str(dzj.pk), str(suggestion_rule.pk)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline:
            line = child.stdout.readline()
            if "ENTRIES-WRITTEN" in line or not line:
                break
        assert "ENTRIES-WRITTEN" in line, child.stderr.read()
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    # PostgreSQL rolls the open transaction back when the connection drops.
    for _ in range(50):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND state LIKE %s",
                [settings["NAME"], "idle in transaction%"],
            )
            if cursor.fetchone()[0] == 0:
                break
        time.sleep(0.1)
    assert child.returncode == -signal.SIGKILL
    assert not Award.objects.filter(idempotency_key="killed-mid-posting").exists()
    assert Posting.objects.count() == 0 and Entry.objects.count() == 0
    assert resident_balance(dzj) == 0
    assert ledger_verify() == []
