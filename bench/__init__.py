"""Benchmarks: not tests. ``scripts/bench.sh`` (``make bench``) runs every ``bench_*.py``
module here against a scratch PostgreSQL database and prints one line per figure:

    name: value unit (ratio to floor)

A module defines ``run() -> Iterable[str]`` and formats its lines with ``figure()``.
"""

from __future__ import annotations


def figure(name: str, seconds: float, floor: float | None = None) -> str:
    """``import_10k_rows: 6.3 s (2.1x floor 3.0 s)``."""
    if floor is None or floor <= 0:
        return f"{name}: {seconds:.2f} s"
    return f"{name}: {seconds:.2f} s ({seconds / floor:.1f}x floor {floor:.2f} s)"
