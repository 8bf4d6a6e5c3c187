"""linli notifications digest [--now ISO] [--base-url URL]

Sends each person with an e-mail address one message listing their unread notifications not
mailed yet, in their language, through Django's mail settings (EMAIL_*). Each notification is
mailed at most once, so running it twice sends nothing new. Run it once a day from cron (see
docs/operations.md). ``--base-url`` (default: the LINLI_BASE_URL setting) makes the links in
the mail absolute.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from linli.notifications.services import notifications_send_digest


class Command(BaseCommand):
    help = "通知：digest（每日提醒汇总邮件）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        digest = sub.add_parser("digest", help="e-mail the daily digest (idempotent)")
        digest.add_argument("--now", default=None, help="ISO date-time to run as (default: now)")
        digest.add_argument("--base-url", default=None, help="e.g. https://linli.example.cn")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if options["now"]:
            try:
                now = dt.datetime.fromisoformat(options["now"])
            except ValueError:
                raise CommandError(f"--now: not an ISO date-time: {options['now']!r}") from None
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        base_url = options["base_url"]
        if base_url is None:
            base_url = getattr(settings, "LINLI_BASE_URL", "")
        sent = notifications_send_digest(now=now, base_url=base_url)
        self.stdout.write(f"{sent} digest e-mail(s) sent")
