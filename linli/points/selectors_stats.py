"""Yearly figures of a community's points, read from the ledger (issue 4, item 7).

"2022 年，和平社区 246 人参与积分兑换，累计兑换积分 21649 分": every figure here is an
aggregate over ``Entry`` rows on resident accounts, a handful of queries whatever the size
of the community (no per-resident loop in Python).

The year is the calendar year in China's time (Asia/Shanghai): 2022 runs from
2022-01-01 00:00 +08:00 up to, not including, 2023-01-01 00:00 +08:00.

How corrections count ("as corrected", by the year of the original posting):

- A REVERSAL of an award counts against the year the *award* was posted in, whenever the
  reversal is posted. An award of 2022-12-20 reversed on 2023-01-05 is not part of 2022's
  points awarded (it was wrong), and it does not lower 2023's either.
- Likewise a REFUND (cancelled or expired order) counts against the year of the REDEMPTION
  it reverses: an order placed on 2022-12-30 and refunded on 2023-01-05 was never redeemed.

So a year's figures never go negative and a category, a month or a resident only carries
what stands. A closed year's figures can still fall when a later correction names one of
its postings; ``as_of`` reproduces the figures as the ledger stood at a moment (postings
registered after it are ignored), and the ``*_after_year`` / ``*_for_earlier_years``
fields reconcile each figure with the ledger's movement inside the calendar year:

    movement of resident accounts in the year from awards and reversals
        = points_awarded + reversed_after_year - reversed_for_earlier_years
    points leaving resident accounts in the year through redemptions and refunds
        = points_redeemed + refunded_after_year - refunded_for_earlier_years

"Residents who redeemed" are those whose net redemption in the year (redemptions minus
their refunds) is above zero; "residents who earned" likewise for awards.

By group: residents who were 居民代表 / 居民议事人 / 志愿者 of the community at any time
during the year (a membership overlapping the year), with all their points of that year.
A resident in two groups counts in both, so the groups do not add up to the total.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import Count, Min, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, ExtractMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.quarters import CHINA, start_of_day
from linli.people.choices import ResidentGroup
from linli.people.models import GroupMembership
from linli.places.models import Place

from .choices import AccountKind, PostingKind, RuleCategory
from .models import Entry, Posting

MIN_YEAR = 2000
MAX_YEAR = 2100


@dataclass(frozen=True)
class CategoryFigure:
    category: str
    label: str
    points: int
    awards: int


@dataclass(frozen=True)
class GroupFigure:
    group: str
    label: str
    members: int  # residents in the group at some time during the year
    earners: int  # of them, residents with points awarded in the year (net > 0)
    points: int  # points awarded in the year to those residents


@dataclass(frozen=True)
class MonthFigure:
    month: int  # 1..12, China time
    awarded: int
    redeemed: int


@dataclass(frozen=True)
class YearFigures:
    community_id: int
    community_name: str
    year: int
    residents_redeemed: int
    points_redeemed: int
    redemptions: int  # redemption postings (orders) of the year that were not refunded
    residents_earned: int
    points_awarded: int
    awards: int  # award postings of the year that were not reversed
    by_category: tuple[CategoryFigure, ...]
    by_group: tuple[GroupFigure, ...]
    by_month: tuple[MonthFigure, ...]
    reversed_after_year: int
    reversed_for_earlier_years: int
    refunded_after_year: int
    refunded_for_earlier_years: int
    as_of: dt.datetime

    @property
    def headline(self) -> str:
        return _(
            "%(year)d 年，%(community)s %(residents)d 人参与积分兑换，累计兑换积分 %(points)d 分。"
        ) % {
            "year": self.year,
            "community": self.community_name,
            "residents": self.residents_redeemed,
            "points": self.points_redeemed,
        }

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["as_of"] = self.as_of.astimezone(CHINA).isoformat()
        data["headline"] = self.headline
        return data


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a calendar year in China's time."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year {year} is outside {MIN_YEAR}..{MAX_YEAR}")
    return start_of_day(dt.date(year, 1, 1)), start_of_day(dt.date(year + 1, 1, 1))


def _in(prefix: str, start: dt.datetime, end: dt.datetime) -> Q:
    return Q(**{f"{prefix}__gte": start, f"{prefix}__lt": end})


def _entries(
    community: Place, kind: str, correction: str, start: dt.datetime, end: dt.datetime, as_of: Any
) -> QuerySet[Entry]:
    """Resident-side entries of the year's ``kind`` postings and of the ``correction``
    postings that reverse them (whenever those were posted, up to ``as_of``)."""
    original = Q(posting__kind=kind) & _in("posting__occurred_at", start, end)
    corrected = Q(posting__kind=correction, posting__reverses__kind=kind) & _in(
        "posting__reverses__occurred_at", start, end
    )
    return Entry.objects.filter(
        original | corrected,
        posting__community=community,
        posting__created_at__lte=as_of,
        account__kind=AccountKind.RESIDENT,
    )


def _month() -> ExtractMonth:
    """Month (China time) of the original posting: a correction's own date does not move
    points between months."""
    return ExtractMonth(
        Coalesce("posting__reverses__occurred_at", "posting__occurred_at"), tzinfo=CHINA
    )


def _memberships(community: Place, year: int) -> QuerySet[GroupMembership]:
    """Memberships of the community's groups that overlap the year (dates are inclusive)."""
    first, after = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    return GroupMembership.objects.filter(
        Q(started_on__isnull=True) | Q(started_on__lt=after),
        Q(ended_on__isnull=True) | Q(ended_on__gte=first),
        community=community,
    )


def _residents_with(entries: QuerySet[Entry], net: Q) -> int:
    """How many residents' entries sum to ``net`` (one grouped query, counted in SQL)."""
    return entries.values("account__resident_id").annotate(net=Sum("amount")).filter(net).count()


def year_figures(*, community: Place, year: int, as_of: dt.datetime | None = None) -> YearFigures:
    """The community's figures for a calendar year, as the ledger stands (or stood at
    ``as_of``). See the module docstring for how corrections count."""
    start, end = year_bounds(year)
    as_of = as_of or timezone.now()
    awards = _entries(community, PostingKind.AWARD, PostingKind.REVERSAL, start, end, as_of)
    redemptions = _entries(community, PostingKind.REDEMPTION, PostingKind.REFUND, start, end, as_of)
    is_original = Q(posting__reverses__isnull=True)

    # 1. Awards by category and month (≤ 7 × 12 rows).
    category_rows = (
        awards.values(
            category=Coalesce(
                "posting__award__rule__category", "posting__reverses__award__rule__category"
            ),
            month=_month(),
        )
        .annotate(
            points=Sum("amount"),
            originals=Count("id", filter=is_original),
            corrections=Count("id", filter=~is_original),
        )
        .order_by()
    )
    points_by_category: dict[str, int] = {}
    awards_by_category: dict[str, int] = {}
    awarded_by_month = dict.fromkeys(range(1, 13), 0)
    for row in category_rows:
        category = row["category"] or RuleCategory.OTHER
        points_by_category[category] = points_by_category.get(category, 0) + row["points"]
        standing = row["originals"] - row["corrections"]
        awards_by_category[category] = awards_by_category.get(category, 0) + standing
        awarded_by_month[row["month"]] += row["points"]

    # 2. Redemptions by month (≤ 12 rows). Resident entries are negative for a redemption.
    redeemed_by_month = dict.fromkeys(range(1, 13), 0)
    redemption_count = 0
    for row in (
        redemptions.values(month=_month())
        .annotate(
            points=Sum("amount"),
            originals=Count("posting_id", distinct=True, filter=is_original),
            corrections=Count("posting_id", distinct=True, filter=~is_original),
        )
        .order_by()
    ):
        redeemed_by_month[row["month"]] -= row["points"]
        redemption_count += row["originals"] - row["corrections"]

    # 3. Residents with a net gain / a net redemption.
    residents_earned = _residents_with(awards, Q(net__gt=0))
    residents_redeemed = _residents_with(redemptions, Q(net__lt=0))

    # 4. Groups: members overlapping the year, their points, and those who earned.
    groups = [value for value, _label in ResidentGroup.choices]
    memberships = _memberships(community, year)
    group_members = {g: memberships.filter(group=g).values("resident_id") for g in groups}
    member_counts = memberships.aggregate(
        **{g: Count("resident_id", distinct=True, filter=Q(group=g)) for g in groups}
    )
    group_points = awards.aggregate(
        **{
            g: Coalesce(Sum("amount", filter=Q(account__resident_id__in=group_members[g])), 0)
            for g in groups
        }
    )
    by_group = tuple(
        GroupFigure(
            group=g,
            label=str(label),
            members=member_counts[g] or 0,
            earners=_residents_with(
                awards.filter(account__resident_id__in=group_members[g]), Q(net__gt=0)
            ),
            points=group_points[g],
        )
        for g, label in ResidentGroup.choices
    )

    # 5. Reconciliation with the calendar year's ledger movement.
    corrections = Entry.objects.filter(
        posting__community=community,
        posting__created_at__lte=as_of,
        account__kind=AccountKind.RESIDENT,
        posting__kind__in=[PostingKind.REVERSAL, PostingKind.REFUND],
        posting__reverses__kind__in=[PostingKind.AWARD, PostingKind.REDEMPTION],
    )
    later = _in("posting__reverses__occurred_at", start, end) & Q(posting__occurred_at__gte=end)
    earlier = _in("posting__occurred_at", start, end) & Q(posting__reverses__occurred_at__lt=start)
    reversal, refund = Q(posting__kind=PostingKind.REVERSAL), Q(posting__kind=PostingKind.REFUND)
    carried = corrections.filter(later | earlier).aggregate(
        reversed_after=Coalesce(Sum("amount", filter=reversal & later), 0),
        reversed_earlier=Coalesce(Sum("amount", filter=reversal & earlier), 0),
        refunded_after=Coalesce(Sum("amount", filter=refund & later), 0),
        refunded_earlier=Coalesce(Sum("amount", filter=refund & earlier), 0),
    )

    known = [value for value, _label in RuleCategory.choices]
    labels = dict(RuleCategory.choices)
    categories = known + sorted(set(points_by_category) - set(known))
    return YearFigures(
        community_id=community.pk,
        community_name=community.name,
        year=year,
        residents_redeemed=residents_redeemed,
        points_redeemed=sum(redeemed_by_month.values()),
        redemptions=redemption_count,
        residents_earned=residents_earned,
        points_awarded=sum(awarded_by_month.values()),
        awards=sum(awards_by_category.values()),
        by_category=tuple(
            CategoryFigure(
                category=c,
                label=str(labels.get(c, c)),
                points=points_by_category.get(c, 0),
                awards=awards_by_category.get(c, 0),
            )
            for c in categories
        ),
        by_group=by_group,
        by_month=tuple(
            MonthFigure(month=m, awarded=awarded_by_month[m], redeemed=redeemed_by_month[m])
            for m in range(1, 13)
        ),
        reversed_after_year=-carried["reversed_after"],
        reversed_for_earlier_years=-carried["reversed_earlier"],
        refunded_after_year=carried["refunded_after"],
        refunded_for_earlier_years=carried["refunded_earlier"],
        as_of=as_of,
    )


def years_with_postings(community: Place) -> list[int]:
    """Calendar years (China time) from the community's first posting to this year, newest
    first: the choices of a year picker."""
    first = Posting.objects.filter(community=community).aggregate(first=Min("occurred_at"))["first"]
    this_year = timezone.now().astimezone(CHINA).year
    start = first.astimezone(CHINA).year if first else this_year
    return list(range(this_year, max(min(start, this_year), MIN_YEAR) - 1, -1))
