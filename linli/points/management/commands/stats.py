"""linli stats year YEAR --community NAME [--json]

Prints a community's yearly points figures, read from the ledger; the first line is the
headline, e.g. "2022 年，和平社区 246 人参与积分兑换，累计兑换积分 21649 分。". ``--json``
prints the same figures as JSON. ``--community`` takes a community's name (or its id when
two communities share a name).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.core.quarters import CHINA
from linli.places.choices import PlaceKind
from linli.places.models import Place
from linli.points.selectors_stats import MAX_YEAR, MIN_YEAR, YearFigures, year_figures


class Command(BaseCommand):
    help = "积分年度统计：year YEAR --community 社区名 [--json]"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        year = sub.add_parser("year", help="one community's figures for a calendar year")
        year.add_argument("year", type=int)
        year.add_argument("--community", required=True, help="community name (or id)")
        year.add_argument("--json", action="store_true", help="print the figures as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"]
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise CommandError(f"year must be between {MIN_YEAR} and {MAX_YEAR}")
        community = self._community(options["community"])
        figures = year_figures(community=community, year=year)
        if options["json"]:
            self.stdout.write(json.dumps(figures.as_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(render(figures))

    def _community(self, wanted: str) -> Place:
        communities = Place.objects.filter(kind=PlaceKind.COMMUNITY)
        wanted = wanted.strip()
        found = list(communities.filter(name=wanted).order_by("pk")[:10])
        if not found and wanted.isdigit():
            found = list(communities.filter(pk=int(wanted)))
        if not found:
            raise CommandError(f"no community named {wanted!r}")
        if len(found) > 1:
            ids = ", ".join(f"{c.pk} ({c.full_name()})" for c in found)
            raise CommandError(f"{len(found)} communities are named {wanted!r}; pass an id: {ids}")
        return found[0]


def render(f: YearFigures) -> str:
    """The figures as a readable block in Chinese."""
    lines = [
        f.headline,
        f"  发放积分 {f.points_awarded} 分，共 {f.awards} 笔，{f.residents_earned} 人获得积分；"
        f"兑换 {f.redemptions} 笔。",
        "",
        "按类别发放：",
    ]
    width = max(len(c.label) for c in f.by_category)
    for c in f.by_category:
        lines.append(
            f"  {c.label}{'　' * (width - len(c.label))}  {c.points:>8} 分  {c.awards:>5} 笔"
        )
    lines += ["", "按群体（当年在册）："]
    for g in f.by_group:
        lines.append(f"  {g.label}  {g.members} 人，其中 {g.earners} 人获得积分，共 {g.points} 分")
    lines += ["", "按月（发放 / 兑换）："]
    for m in f.by_month:
        lines.append(f"  {m.month:>2} 月  {m.awarded:>8}  {m.redeemed:>8}")
    lines += [
        "",
        "冲正与退回按原记录所在年度计：",
        f"  本年记录在次年及以后冲正 {f.reversed_after_year} 分、退回 {f.refunded_after_year} 分；"
        f"本年对以前年度的冲正 {f.reversed_for_earlier_years} 分、退回 "
        f"{f.refunded_for_earlier_years} 分。",
        f"  统计时间：{f.as_of.astimezone(CHINA):%Y-%m-%d %H:%M}",
    ]
    return "\n".join(lines)
