"""linli shop expire [--as-of ISO-DATETIME] [--community NAME]

Expires open orders of redemption windows that closed more than a week ago (``EXPIRY_GRACE``):
their points come back by a refund posting and their stock is returned. Running it twice
changes nothing. Prints how many orders were expired.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from linli.core.actors import SYSTEM
from linli.core.quarters import CHINA
from linli.places.choices import PlaceKind
from linli.places.models import Place
from linli.points.services.shop import EXPIRY_GRACE, orders_expire


def _moment(raw: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(raw)
    return value if value.tzinfo else value.replace(tzinfo=CHINA)


class Command(BaseCommand):
    help = "积分超市：expire（兑换期结束后逾期未领取/未使用的订单退回积分和库存）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        expire = sub.add_parser("expire", help="expire overdue open orders (idempotent)")
        expire.add_argument("--as-of", type=_moment, default=None)
        expire.add_argument("--community", default="", help="community name (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        now = options["as_of"] or timezone.now()
        community = None
        if options["community"]:
            community = Place.objects.filter(
                kind=PlaceKind.COMMUNITY, name=options["community"]
            ).first()
            if community is None:
                raise CommandError(f"no community named {options['community']!r}")
        expired = orders_expire(actor=SYSTEM, now=now, community=community)
        self.stdout.write(
            f"{expired} order(s) expired as of {now:%Y-%m-%d %H:%M} "
            f"(windows closed more than {EXPIRY_GRACE.days} days before)"
        )
