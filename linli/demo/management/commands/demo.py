"""``linli demo``: build (or find) the Heping demo and print its sign-ins. Idempotent."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from linli.demo.heping import load_heping


class Command(BaseCommand):
    help = "载入和平社区演示数据（可重复运行，不会重复创建），并列出演示账号。"

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        load_heping(self.stdout)
        self.stdout.write(f"用时 {time.monotonic() - started:.1f} 秒。")
