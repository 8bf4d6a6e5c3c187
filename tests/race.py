"""The race harness of every concurrency test: real parallel transactions on PostgreSQL.

``race(n, fn)`` runs ``fn(0)`` … ``fn(n - 1)`` in ``n`` threads released together behind a
barrier. Each thread gets its own database connection (Django opens one per thread) and
closes it when done, so the calls really run side by side in separate transactions. It
returns each call's result, or the exception the call raised, in call order, for the test
to assert on (typically: one winner, the others refused with Conflict, nothing doubled).

Tests that use it need ``pytest.mark.django_db(transaction=True)``: the threads must see the
fixtures' committed rows. Off PostgreSQL the test is skipped (row locks under real
concurrency are what it tests).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import pytest
from django.db import connection, connections

T = TypeVar("T")

BARRIER_TIMEOUT = 20  # seconds for every thread to reach the start line
JOIN_TIMEOUT = 60  # seconds for each thread to finish


def race(n: int, fn: Callable[[int], T]) -> list[T | Exception]:
    """Run fn(i) for i in range(n) in n threads released together; return the results
    (values or exceptions), in order."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks under real concurrency are tested on PostgreSQL (CI)")
    barrier = threading.Barrier(n)
    results: list[T | Exception | None] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=BARRIER_TIMEOUT)
            results[i] = fn(i)
        except Exception as exc:  # collected and asserted by the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=JOIN_TIMEOUT)
    return results  # type: ignore[return-value]  # None only past JOIN_TIMEOUT: the test fails
