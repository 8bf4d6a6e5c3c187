"""The ``linli`` console script: manage.py for operators.

``linli migrate``, ``linli points verify`` … are Django management commands (``linli demo``
too, a developer's command: it refuses a real database); ``linli`` with no settings in the
environment uses the env-driven base settings.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["linli", *(sys.argv[1:] if argv is None else argv)])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
