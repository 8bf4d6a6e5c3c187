"""``linli demo``: build (or find) the Heping demo and print its sign-ins. Idempotent.

A developer's command (``make demo``), not an operator's: it refuses to run unless
LINLI_DEBUG is on (or ``--force``), and only ever into an empty database or the demo's own
(``linli.demo.guard``). A refusal exits non-zero and writes nothing."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.demo.guard import DemoRefused, check_demo_allowed, mark_demo
from linli.demo.heping import load_heping


class Command(BaseCommand):
    help = (
        "载入和平社区演示数据（可重复运行，不会重复创建），并列出演示账号。只用于开发/演示："
        "需 LINLI_DEBUG=1（或 --force），且只载入空数据库或已有的演示数据库。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="LINLI_DEBUG 未开启时也载入（仍然只载入空数据库或演示数据库）。",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            check_demo_allowed(debug=settings.DEBUG, force=options["force"])
            mark_demo()
        except DemoRefused as refused:
            raise CommandError(str(refused)) from None
        started = time.monotonic()
        load_heping(self.stdout)
        self.stdout.write(f"用时 {time.monotonic() - started:.1f} 秒。")
