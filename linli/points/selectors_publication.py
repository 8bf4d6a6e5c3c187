"""Reads for the quarterly publication (一季度一公示): the lines of a quarter's list, computed
from the ledger in one aggregate query, and the publications an actor may see.

How the ledger is counted (docs/points.md, "Publication"):

- Every entry has one *effective time*: its posting's ``occurred_at``; for a posting that
  reverses another (``Posting.reverses``: an award's reversal, a refund), the ``occurred_at``
  of the posting it reverses (for an award and its reversal: the award's ``occurred_at``,
  the time of the deed, which is also its posting's). A reversal undoes the original as if
  it had not happened, so a wrong award corrected while its quarter's list is public (an
  upheld objection) disappears from that quarter's list when it is republished, and the
  quarters of a ledger still add up: balance at the end of Q = balance at the end of Q−1 +
  everything effective in Q.
- *Earned in the quarter*, by rule category: award postings and their reversals whose
  effective time is in [period start, period end) (China time), on the resident's account.
- *Balance at the quarter's end*: every entry of the resident's account whose effective time
  is before the period end (awards, reversals, redemptions, refunds, expiry).
- A list that is final never changes: a reversal effective in a quarter whose list is already
  final changes what the ledger says about that quarter, not the final list (its digest is
  what was published); the resident's own history shows the correction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from linli.core.actors import Actor
from linli.core.masking import mask_name
from linli.core.quarters import Quarter, quarter_of, start_of_day
from linli.people.models import Resident
from linli.places.models import Place

from . import policies
from .choices import AccountKind, PostingKind, PublicationStatus
from .models import PointsSettings, Publication, PublicationLine, Rule
from .policies import PointsAction

ANONYMOUS_PREFIX = "居民"

# One aggregate over the community's resident accounts: (resident, rule) → points earned in
# the quarter and the part of the balance at the quarter's end. Effective time (see above):
# an award's posting and its reversal both carry the award's ``occurred_at`` (an award is
# posted at the time of the deed); any other posting that reverses one takes the time of the
# posting it reverses (a scalar lookup for those few rows); every other posting its own.
LINES_SQL = """
SELECT a.resident_id,
       aw.rule_id,
       COALESCE(SUM(e.amount) FILTER (
           WHERE aw.id IS NOT NULL AND aw.occurred_at >= %(start)s
       ), 0) AS earned,
       SUM(e.amount) AS balance
FROM points_entry e
JOIN points_account a ON a.id = e.account_id
JOIN points_posting p ON p.id = e.posting_id
LEFT JOIN points_award aw
       ON p.kind IN (%(award)s, %(reversal)s) AND aw.posting_id = COALESCE(p.reverses_id, p.id)
WHERE a.community_id = %(community)s AND a.kind = %(resident)s
  AND CASE WHEN aw.id IS NOT NULL THEN aw.occurred_at
           WHEN p.reverses_id IS NULL THEN p.occurred_at
           ELSE (SELECT o.occurred_at FROM points_posting o WHERE o.id = p.reverses_id)
      END < %(end)s
GROUP BY a.resident_id, aw.rule_id
"""


@dataclass(frozen=True)
class LineData:
    """One line of a list before it is written (or instead of writing it)."""

    resident_id: int
    position: int
    display_name: str
    building: str
    by_category: dict[str, int]
    earned: int
    balance: int

    def content(self) -> dict[str, Any]:
        """The line as it appears in the canonical JSON (no resident id)."""
        return {
            "position": self.position,
            "display_name": self.display_name,
            "building": self.building,
            "by_category": self.by_category,
            "earned": self.earned,
            "balance": self.balance,
        }


def quarter_start_month(community: Place | int) -> int:
    community_id = community if isinstance(community, int) else community.pk
    row = (
        PointsSettings.objects.filter(community_id=community_id)
        .values_list("quarter_start_month", flat=True)
        .first()
    )
    return row or 1


def quarter_numbered(year: int, number: int, start_month: int = 1) -> Quarter:
    """Quarter ``number`` (1–4) of ``year`` as a community with ``start_month`` counts them:
    it starts in month ``start_month + 3 (number − 1)`` of that year."""
    if not 1 <= number <= 4:
        raise ValueError("a quarter is numbered 1 to 4")
    return quarter_of(dt.date(year, start_month + 3 * (number - 1), 1), start_month)


def anonymous_name(position: int, total: int) -> str:
    """居民 + the line's position, zero-padded: says where the line is, never who it is."""
    width = max(3, len(str(total)))
    return f"{ANONYMOUS_PREFIX}{position:0{width}d}"


def display_name(name: str, consent: bool, position: int, total: int) -> str:
    return mask_name(name) if consent else anonymous_name(position, total)


def _aggregate(community_id: int, start: dt.datetime, end: dt.datetime) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(
            LINES_SQL,
            {
                "community": community_id,
                "resident": AccountKind.RESIDENT,
                "award": PostingKind.AWARD,
                "reversal": PostingKind.REVERSAL,
                "start": start,
                "end": end,
            },
        )
        return cursor.fetchall()


def compute_lines(community_id: int, period_start: dt.date, period_end: dt.date) -> list[LineData]:
    """The quarter's list as the ledger has it now: every resident of the community who still
    lived there when the quarter started (not moved out, or moved out on or after its first
    day) and who earned points in it or held a balance above zero at its end; sorted by
    points earned, then balance (both descending), then resident id. Masked names; 居民 N
    for residents who withdrew consent; building = compound + building; nothing below."""
    rows = _aggregate(community_id, start_of_day(period_start), start_of_day(period_end))
    category_of = dict(
        Rule.objects.filter(pk__in={rule for _r, rule, _e, _b in rows if rule}).values_list(
            "pk", "category"
        )
    )
    earned: dict[int, dict[str, int]] = {}
    balance: dict[int, int] = {}
    for resident_id, rule_id, points, part in rows:
        balance[resident_id] = balance.get(resident_id, 0) + int(part)
        cats = earned.setdefault(resident_id, {})
        if points and rule_id:
            category = category_of[rule_id]
            cats[category] = cats.get(category, 0) + int(points)
    listed = {
        rid for rid, total in balance.items() if total > 0 or any(earned.get(rid, {}).values())
    }
    # A plain fetch (10,000 rows is small): ``.iterator()`` would use a server-side cursor,
    # which PostgreSQL plans for the first rows and runs 20x slower here.
    people = (
        Resident.objects.filter(household__community_id=community_id)
        .filter(Q(moved_out__isnull=True) | Q(moved_out__gte=period_start))
        .values_list(
            "id",
            "name",
            "public_consent",
            "household__compound__name",
            "household__building__name",
        )
    )
    found = [row for row in people if row[0] in listed]
    order = sorted(
        found,
        key=lambda row: (-sum(earned[row[0]].values()), -balance[row[0]], row[0]),
    )
    total = len(order)
    lines = []
    for position, (rid, name, consent, compound, building) in enumerate(order, start=1):
        cats = earned[rid]
        lines.append(
            LineData(
                resident_id=rid,
                position=position,
                display_name=display_name(name, consent, position, total),
                building=f"{compound or ''}{building or ''}",
                by_category=dict(sorted(cats.items())),
                earned=sum(cats.values()),
                balance=balance[rid],
            )
        )
    return lines


def stored_lines(publication: Publication) -> list[LineData]:
    return [
        LineData(
            resident_id=line.resident_id,
            position=line.position,
            display_name=line.display_name,
            building=line.building,
            by_category=dict(line.by_category),
            earned=line.earned,
            balance=line.balance,
        )
        for line in PublicationLine.objects.filter(publication=publication).order_by("position")
    ]


def canonical_content(publication: Publication, lines: Iterable[LineData]) -> dict[str, Any]:
    """What a final list's digest covers. ``period.end`` is exclusive (the next quarter's
    first day)."""
    community = publication.community
    return {
        "community": {"id": community.pk, "name": community.name},
        "year": publication.year,
        "quarter": publication.quarter,
        "period": {
            "start": publication.period_start.isoformat(),
            "end": publication.period_end.isoformat(),
        },
        "edition": publication.edition,
        "lines": [line.content() for line in lines],
    }


# --- which publications an actor sees --------------------------------------------------------


def publications_for_staff(actor: Actor | None) -> QuerySet[Publication]:
    return (
        Publication.objects.filter(policies.scope_q(actor, PointsAction.PUBLISH, "community__"))
        .select_related("community")
        .order_by("-year", "-quarter", "community__name")
    )


def publication_for_staff(actor: Actor | None, pk: int) -> Publication | None:
    publication = Publication.objects.select_related("community").filter(pk=pk).first()
    if publication is None or not policies.can(actor, PointsAction.PUBLISH, publication.community):
        return None
    return publication


def public_publications() -> QuerySet[Publication]:
    """Lists anyone may see: published (公示中) or final (已定稿). Never drafts."""
    return Publication.objects.filter(
        status__in=[PublicationStatus.PUBLIC, PublicationStatus.FINAL]
    ).select_related("community")


def publication_by_digest(digest: str) -> Publication | None:
    return public_publications().filter(status=PublicationStatus.FINAL, digest=digest).first()


def normalise_digest(raw: str) -> str:
    """A printed digest as typed or scanned: spaces, dashes and line breaks dropped, lower
    case. Anything else is kept, so an altered character never silently disappears."""
    return "".join(ch for ch in (raw or "").lower() if not ch.isspace() and ch != "-")[:200]


def is_digest(value: str) -> bool:
    return len(value) == 64 and all(ch in "0123456789abcdef" for ch in value)
