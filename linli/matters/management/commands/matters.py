"""linli matters chase | remind

``linli matters chase [--now ISO]`` chases every referral not answered past its due date
(an event on the matter's timeline and a notice to the department's handlers); a referral
is chased once, so running it twice changes nothing.
``linli matters remind [--now ISO]`` reminds the people who owe something (department
handlers, community staff, supervisors) ``reminder_days`` working days before a referral's,
a rectification's or a 办不成事 flag's due date; each reminder is stored once per due date.

Both act as the system. Run them daily from cron (see docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from linli.core.actors import SYSTEM
from linli.matters.services.referrals import referral_chase
from linli.matters.services.reminders import reminders_send


def parse_now(raw: str | None) -> dt.datetime:
    """An ISO date or date-time (local time when it has no offset); default: now."""
    if not raw:
        return timezone.now()
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"--now: not an ISO date or date-time: {raw!r}") from None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


class Command(BaseCommand):
    help = "事项定时任务：chase（超期催办）/ remind（到期前提醒）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for name, text in (
            ("chase", "chase referrals past their due date (idempotent)"),
            ("remind", "remind before due dates (idempotent)"),
        ):
            cmd = sub.add_parser(name, help=text)
            cmd.add_argument("--now", default=None, help="ISO date-time to run as (default: now)")

    def handle(self, *args: Any, **options: Any) -> None:
        now = parse_now(options["now"])
        local = timezone.localtime(now)
        if options["action"] == "chase":
            chased = referral_chase(actor=SYSTEM, now=now)
            for r in chased:
                self.stdout.write(
                    f"chased referral {r.pk} (matter {r.matter_id}, due {r.current_due})"
                )
            self.stdout.write(f"{len(chased)} referral(s) chased as of {local:%Y-%m-%d %H:%M}")
        else:
            counts = reminders_send(actor=SYSTEM, now=now)
            self.stdout.write(
                f"{counts.total} reminder(s) as of {local:%Y-%m-%d %H:%M}: "
                f"{counts.referrals} referral, {counts.rectifications} rectification, "
                f"{counts.flags} flag"
            )
