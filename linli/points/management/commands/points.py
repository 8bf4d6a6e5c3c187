"""linli points verify | expire

``linli points verify`` recomputes every balance from the entries and checks that every
posting and every community sums to zero; it exits 1 and names each drift.
``linli points expire [--as-of YYYY-MM-DD] [--community NAME]`` posts due expiries;
running it twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from linli.core.actors import SYSTEM
from linli.places.choices import PlaceKind
from linli.places.models import Place
from linli.points.services import ledger_verify, points_expire


class Command(BaseCommand):
    help = "积分账本：verify（核对）/ expire（过期清零）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="recompute balances from entries; exit 1 on drift")
        expire = sub.add_parser("expire", help="post due expiries (idempotent)")
        expire.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
        expire.add_argument("--community", default="", help="community name (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "verify":
            self._verify()
        else:
            self._expire(options["as_of"] or timezone.localdate(), options["community"])

    def _verify(self) -> None:
        from linli.points.models import Entry

        started = time.perf_counter()
        drifts = ledger_verify()
        seconds = time.perf_counter() - started
        count = Entry.objects.count()
        if drifts:
            for drift in drifts:
                self.stderr.write(f"DRIFT {drift}")
            self.stderr.write(f"{len(drifts)} problem(s) in {count} entries ({seconds:.2f} s)")
            sys.exit(1)
        self.stdout.write(
            f"OK: {count} entries, every balance and community sums ({seconds:.2f} s)"
        )

    def _expire(self, as_of: dt.date, name: str) -> None:
        communities = Place.objects.filter(kind=PlaceKind.COMMUNITY)
        if name:
            communities = communities.filter(name=name)
            if not communities.exists():
                raise CommandError(f"no community named {name!r}")
        for community in communities.order_by("pk"):
            expired = points_expire(actor=SYSTEM, community=community, as_of=as_of)
            self.stdout.write(f"{community.name}: {expired} points expired as of {as_of}")
