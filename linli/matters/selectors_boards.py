"""The boards (看板, issue 5 item 9): a building leader's, community staff's, a department's
and a supervisor's figures on matters, computed in the database (a fixed handful of
aggregate queries whatever the number of matters; only the shown rows of the overdue table
are read one by one, to count their working days).

Whose board, and which rows it counts (the *scope*: an area or a department, narrowed to a
place), is ``selectors_board_scope``; this module computes the figures of a scope.

The figures, for a period ``start``..``end`` (dates, both inclusive, China time) and a
``today`` (see also docs/boards.md):

- **open matters (now)**: matters in an open state (``OPEN_STATES``: someone still owes the
  resident something) as they stand today, whatever the period, by level (where each is
  handled now: building, compound, community, department) and by age (day N, the day it was
  raised being day 1, as on the matter's page: ≤ 7, 8–30, 31–90, > 90 days). On a department
  board: the open matters that hold an open referral to the department.
- **raised / finished in the period**: matters raised in the period; matters finished in
  the period (``finished_at`` in it and now done, rated or closed; merged, declined and
  rectifying ones are not "finished"). The monthly series counts the same by month.
- **overdue referrals (now)**: open referrals (sent, answered, extended — not done, not
  returned) whose current due date (the extended one if any) is before today; how overdue
  in working days on the community's calendar (``workdays_between(due, today)``) and in
  calendar days. An answered referral still counts: the due date is for the work, not for
  a first answer.
- **on-time rate**: referrals completed in the period that were completed on or before their
  current due date (so an extension granted before the deadline moves it) / referrals
  completed in the period. Returned referrals are not completed. A referral's completion is
  the time on the matter's timeline of the last step its department reported on it (the
  lead's 办结, a co-department's 办结 or answer); a co-department's referral closed with the
  lead's report without an answer of its own is completed when the lead finished.
- **problem rectification rate** (the service hall's "发现问题 539 个，整改 506 个"): problems
  found = matters of kind 问题 raised in the period, not merged into another and not withdrawn
  by their raiser; rectified = those of them now done, rated or closed. Declined ones stay
  found and not rectified.
- **bad-rating rectification rate**: rectifications (整改) opened in the period (by a bad
  rating) that are done / rectifications opened in the period; with how many were done by
  their deadline and how many open ones are past it today.
- **satisfaction rate**: ratings of the handling (round 0) given in the period, not excluded
  by an upheld appeal, that are 非常满意 or 满意 / those ratings. Ratings of a
  rectification (round ≥ 1) have their own rate. By level: grouped by the level that handled
  the matter (``Rating.handled_level``).
- **办不成事**: flags raised in the period; flags not answered yet (now) and of them those
  past their answer deadline today; on a department board, the flags on its matters.
- **by department**: open and overdue referrals now, and the on-time rate in the period.
- **by community** (when the board spans more than one community: a supervisor's street,
  district or city, or a department): raised, open, overdue referrals, on-time, problems
  rectified, satisfaction per community.
- **the calendar warning**: when the period, today or the due dates of the overdue referrals
  fall in a year the ``chinesecalendar`` package does not cover yet, working days there rest
  on weekends plus the holidays an operator entered (``CalendarDay``); the board says so.

Rates are :class:`Rate` (numerator and denominator; the percentage a ``Decimal`` rounded half
up to one place), never a division by zero: "506/539 · 93.9%", "0/0 · —".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    CharField,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, TruncDate, TruncMonth
from django.utils.translation import gettext as _

from linli.core.actors import Actor
from linli.core.quarters import CHINA, start_of_day
from linli.core.texts import list_separator
from linli.core.workdays import WorkdayCalendar, workdays_between
from linli.people.models import Department
from linli.places.choices import PlaceKind
from linli.places.models import Place
from linli.places.models.place import within_any_q, within_q

from .choices import (
    MatterAction,
    MatterKind,
    MatterLevel,
    MatterState,
    ReferralState,
)
from .models import (
    GOOD_LEVELS,
    Flag,
    FlagState,
    Matter,
    MatterEvent,
    Rating,
    RatingLevel,
    Rectification,
    RectificationState,
    Referral,
)
from .selectors import calendar_for
from .selectors_board_scope import (
    AREA,
    DEPARTMENT,
    OPEN,
    REFERRAL_OPEN,
    BoardScope,
)
from .selectors_board_scope import board_places as board_places  # re-exported for the pages
from .selectors_board_scope import board_scope as board_scope  # re-exported for the pages
from .selectors_board_scope import has_board as has_board  # re-exported for the pages

S = MatterState
FINISHED_DONE = sorted({S.DONE, S.RATED, S.CLOSED})  # finished with the work done
MAX_PERIOD_DAYS = 5 * 366  # a board's period: at most five years (61 months on the chart)
OVERDUE_SHOWN = 50  # rows of the overdue table (the count is of all of them)

# Age buckets of open matters: (key, first day, last day or None).
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("d7", 1, 7),
    ("d30", 8, 30),
    ("d90", 31, 90),
    ("older", 91, None),
)


# --- rates -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """numerator / denominator, shown with both: "506/539 · 93.9%"; "—" when nothing counts."""

    numerator: int
    denominator: int

    @property
    def percent(self) -> Decimal | None:
        if not self.denominator:
            return None
        value = Decimal(self.numerator) * 100 / Decimal(self.denominator)
        return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def percent_text(self) -> str:
        percent = self.percent
        return "—" if percent is None else f"{percent}%"

    @property
    def fraction_text(self) -> str:
        return f"{self.numerator}/{self.denominator}"

    def __str__(self) -> str:
        return f"{self.fraction_text} · {self.percent_text}"


def _rate(row: dict[str, Any] | None, numerator: str, denominator: str) -> Rate:
    row = row or {}
    return Rate(int(row.get(numerator) or 0), int(row.get(denominator) or 0))


# --- the figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgeBuckets:
    d7: int = 0
    d30: int = 0
    d90: int = 0
    older: int = 0

    @property
    def total(self) -> int:
        return self.d7 + self.d30 + self.d90 + self.older


@dataclass(frozen=True)
class LevelFigure:
    level: str
    label: str
    open: AgeBuckets
    raised: int  # raised in the period, now handled at this level
    finished: int  # finished in the period at this level
    satisfaction: Rate  # ratings in the period of matters handled at this level


@dataclass(frozen=True)
class OverdueReferral:
    referral_id: int
    matter_id: int
    case_number: str
    title: str
    place_name: str
    community_id: int
    department: str
    lead: bool
    state: str
    state_label: str
    due_on: dt.date
    current_due: dt.date
    extended: bool
    workdays_overdue: int
    days_overdue: int


@dataclass(frozen=True)
class DepartmentFigure:
    department_id: int
    name: str
    open: int
    overdue: int
    on_time: Rate


@dataclass(frozen=True)
class CommunityFigure:
    community_id: int
    name: str
    raised: int
    open: int
    overdue: int
    on_time: Rate
    problems: Rate
    satisfaction: Rate


@dataclass(frozen=True)
class MonthFigure:
    month: dt.date  # the month's first day
    raised: int
    finished: int


@dataclass(frozen=True)
class LevelCount:
    level: int
    label: str
    count: int


@dataclass(frozen=True)
class BoardFigures:
    scope: BoardScope
    start: dt.date
    end: dt.date
    today: dt.date
    open_ages: AgeBuckets
    by_level: tuple[LevelFigure, ...]
    raised: int
    finished: int
    overdue_count: int
    overdue: tuple[OverdueReferral, ...]  # the oldest first, at most OVERDUE_SHOWN
    on_time: Rate
    problems: Rate  # problems found in the period / rectified
    rectifications: Rate  # rectifications opened in the period / done
    rectifications_on_time: Rate  # of those done, done by the deadline
    rectifications_overdue: int  # open rectifications past their deadline today
    flags_raised: int  # 办不成事 flagged in the period
    flags_open: int  # 办不成事 not answered yet (now)
    flags_overdue: int  # of those, past their answer deadline today
    satisfaction: Rate
    ratings_excluded: int
    ratings_bad: int
    rating_levels: tuple[LevelCount, ...]
    rectification_satisfaction: Rate
    by_month: tuple[MonthFigure, ...]
    by_department: tuple[DepartmentFigure, ...]
    by_community: tuple[CommunityFigure, ...] | None
    uncovered_years: tuple[int, ...] = field(default=())

    @property
    def open_total(self) -> int:
        return self.open_ages.total

    @property
    def calendar_warning(self) -> str:
        if not self.uncovered_years:
            return ""
        return _(
            "%(years)s 年的法定节假日安排尚未收录进日历数据，这些年份的工作日按周末加"
            "管理员录入的节假日和调休计算，可能不准确。"
        ) % {"years": list_separator().join(str(y) for y in self.uncovered_years)}


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, the day after end 00:00) in China time."""
    if end < start:
        raise ValueError("end before start")
    return start_of_day(start), start_of_day(end + dt.timedelta(days=1))


def _between(name: str, start: dt.datetime, end: dt.datetime) -> Q:
    return Q(**{f"{name}__gte": start, f"{name}__lt": end})


Counts = dict[str, int]
NO_COUNTS: Counts = {}


def _sum(rows: Iterable[dict[str, Any]], key: Any, fields: Iterable[str]) -> dict[Any, Counts]:
    """Sum grouped rows again by ``key(row)`` (None: one total)."""
    names = list(fields)
    out: dict[Any, Counts] = {}
    for row in rows:
        k = key(row) if key is not None else None
        acc = out.setdefault(k, dict.fromkeys(names, 0))
        for name in names:
            acc[name] += int(row.get(name) or 0)
    return out


def _age_qs(today: dt.date) -> dict[str, Q]:
    """Age buckets as filters on ``raised_at``; day 1 is the day raised (today - N + 1)."""

    def since(days: int) -> dt.datetime:  # the start of day ``days`` counting back from today
        return start_of_day(today - dt.timedelta(days=days - 1))

    buckets: dict[str, Q] = {}
    for key, first, last in AGE_BUCKETS:
        # Day 1 is every moment from the start of today on (a clock ahead included).
        q = Q(raised_at__lt=since(first - 1)) if first > 1 else Q()
        if last is not None:
            q &= Q(raised_at__gte=since(last))
        buckets[key] = q
    return buckets


def _withdrawn_ids() -> QuerySet[Any, Any]:
    """Matters withdrawn by their raiser and never done (a withdrawn problem was not found);
    uncorrelated, so the database hashes it once."""
    withdrew = MatterEvent.objects.filter(action=MatterAction.WITHDRAW).values("matter_id")
    done_after = MatterEvent.objects.filter(to_state=S.DONE, matter_id__in=withdrew)
    return (
        MatterEvent.objects.filter(action=MatterAction.WITHDRAW)
        .exclude(matter_id__in=done_after.values("matter_id"))
        .values("matter_id")
    )


MATTER_FIELDS = ("d7", "d30", "d90", "older", "raised", "finished", "found", "rectified")


def _matter_rows(
    scope: BoardScope, lo: dt.datetime, hi: dt.datetime, today: dt.date
) -> list[dict[str, Any]]:
    """One grouped query: per (level, community), open matters by age, raised and finished
    in the period, problems found and rectified."""
    open_q = Q(state__in=OPEN)
    if scope.kind == DEPARTMENT:
        holding = Referral.objects.filter(
            department__in=scope.departments, state__in=REFERRAL_OPEN
        ).values("matter_id")
        open_q &= Q(pk__in=holding)
    raised = _between("raised_at", lo, hi)
    finished = _between("finished_at", lo, hi) & Q(state__in=FINISHED_DONE)
    found = (
        raised
        & Q(kind=MatterKind.PROBLEM)
        & ~Q(state=S.MERGED)
        & ~(Q(state=S.CLOSED) & Q(pk__in=_withdrawn_ids()))
    )
    aggregates = {k: Count("id", filter=open_q & q) for k, q in _age_qs(today).items()}
    aggregates.update(
        raised=Count("id", filter=raised),
        finished=Count("id", filter=finished),
        found=Count("id", filter=found),
        rectified=Count("id", filter=found & Q(state__in=FINISHED_DONE)),
    )
    return list(
        scope.matters()
        .filter(Q(state__in=OPEN) | raised | finished)
        .order_by()
        .values("level", "community_id")
        .annotate(**aggregates)
    )


def _referral_completed_at() -> Coalesce:
    """When a done referral was completed, from the matter's timeline (see the docstring):
    its department's last report on it, else the lead's completion, else the row's stamp."""
    events = MatterEvent.objects.filter(matter_id=OuterRef("matter_id"))
    own = (
        events.annotate(referral_key=KeyTextTransform("referral", "data"))
        .filter(
            action__in=[MatterAction.COMPLETE, MatterAction.ANSWER],
            referral_key=Cast(OuterRef("pk"), output_field=CharField()),
        )
        .order_by("-created_at", "-id")
        .values("created_at")[:1]
    )
    closing = (
        events.filter(action=MatterAction.COMPLETE, created_at__gte=OuterRef("referred_at"))
        .order_by("created_at", "id")
        .values("created_at")[:1]
    )
    return Coalesce(Subquery(own), Subquery(closing), F("updated_at"))


REFERRAL_FIELDS = ("open", "overdue", "done", "on_time")


def _referral_rows(
    refs: QuerySet[Referral], start: dt.date, end: dt.date, today: dt.date
) -> list[dict[str, Any]]:
    """Two grouped queries, per (department, community): open and overdue referrals now;
    completed in the period and on time. The completion (read from the timeline, a
    correlated subquery per row) is only worked out for done referrals whose matter had a
    completion or answer event in the period, or whose row changed in it — every referral
    completed in the period is among them — so the planner sees a small set."""
    lo, hi = period_bounds(start, end)
    group = ("department_id", "matter__community_id")
    open_rows = (
        refs.filter(state__in=REFERRAL_OPEN)
        .order_by()
        .values(*group)
        .annotate(open=Count("id"), overdue=Count("id", filter=_overdue_q(today)))
    )
    active = MatterEvent.objects.filter(
        _between("created_at", lo, hi),
        action__in=[MatterAction.COMPLETE, MatterAction.ANSWER],
    ).values("matter_id")
    candidates = refs.filter(
        Q(matter_id__in=active) | _between("updated_at", lo, hi), state=ReferralState.DONE
    ).values("pk")
    done_rows = (
        _with_due(Referral.objects.filter(pk__in=candidates))
        .annotate(done_on=TruncDate(_referral_completed_at(), tzinfo=CHINA))
        .filter(done_on__range=(start, end))
        .order_by()
        .values(*group)
        .annotate(done=Count("id"), on_time=Count("id", filter=Q(done_on__lte=F("due_now"))))
    )
    return [*open_rows, *done_rows]


def _overdue_q(today: dt.date) -> Q:
    return Q(state__in=REFERRAL_OPEN, due_now__lt=today)


def _with_due(refs: QuerySet[Referral]) -> QuerySet[Referral]:
    return refs.annotate(due_now=Coalesce("extended_due_on", "due_on"))


GOOD = sorted(GOOD_LEVELS)
RATING_FIELDS = ("rated", "good", "n_excluded", "r_rated", "r_good", "l1", "l2", "l3", "l4", "l5")


def _rating_rows(
    ratings: QuerySet[Rating], lo: dt.datetime, hi: dt.datetime
) -> list[dict[str, Any]]:
    """One grouped query: per (handled level, community), the ratings of the period."""
    first = Q(round=0, excluded=False)
    later = Q(round__gte=1, excluded=False)
    return list(
        ratings.filter(_between("created_at", lo, hi))
        .order_by()
        .values("handled_level", "matter__community_id")
        .annotate(
            rated=Count("id", filter=first),
            good=Count("id", filter=first & Q(level__in=GOOD)),
            n_excluded=Count("id", filter=Q(excluded=True)),
            r_rated=Count("id", filter=later),
            r_good=Count("id", filter=later & Q(level__in=GOOD)),
            **{f"l{lv}": Count("id", filter=first & Q(level=lv)) for lv in RatingLevel.values},
        )
    )


def _rectification_counts(
    rect: QuerySet[Rectification], lo: dt.datetime, hi: dt.datetime, today: dt.date
) -> dict[str, Any]:
    opened = _between("created_at", lo, hi)
    done = opened & Q(state=RectificationState.DONE)
    late_open = Q(state=RectificationState.OPEN, due_on__lt=today)
    return (
        rect.filter(opened | late_open)
        .annotate(done_on=TruncDate("done_at", tzinfo=CHINA))
        .aggregate(
            opened=Count("id", filter=opened),
            done=Count("id", filter=done),
            on_time=Count("id", filter=done & Q(done_on__lte=F("due_on"))),
            overdue=Count("id", filter=late_open),
        )
    )


def _flag_counts(
    flags: QuerySet[Flag], lo: dt.datetime, hi: dt.datetime, today: dt.date
) -> dict[str, Any]:
    raised = _between("created_at", lo, hi)
    still_open = Q(state=FlagState.OPEN)
    return flags.filter(raised | still_open).aggregate(
        raised=Count("id", filter=raised),
        open=Count("id", filter=still_open),
        overdue=Count("id", filter=still_open & Q(due_on__lt=today)),
    )


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    out, month = [], dt.date(start.year, start.month, 1)
    while month <= end:
        out.append(month)
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return out


def _month_counts(qs: QuerySet[Matter], field_name: str) -> dict[dt.date, int]:
    rows = (
        qs.order_by()
        .annotate(m=TruncMonth(field_name, tzinfo=CHINA))
        .values("m")
        .annotate(n=Count("id"))
    )
    out: dict[dt.date, int] = {}
    for row in rows:
        moment = row["m"]
        day = moment.astimezone(CHINA).date() if isinstance(moment, dt.datetime) else moment
        out[dt.date(day.year, day.month, 1)] = row["n"]
    return out


def _overdue_rows(
    refs: QuerySet[Referral], today: dt.date, limit: int
) -> tuple[OverdueReferral, ...]:
    rows = list(
        refs.filter(_overdue_q(today))
        .select_related("department", "matter", "matter__place")
        .order_by("due_now", "referred_at", "pk")[:limit]
    )
    calendars: dict[int, WorkdayCalendar] = {}
    out = []
    for r in rows:
        community_id = r.matter.community_id
        if community_id not in calendars:
            calendars[community_id] = calendar_for(community_id)
        due = r.current_due
        out.append(
            OverdueReferral(
                referral_id=r.pk,
                matter_id=r.matter_id,
                case_number=r.matter.case_number,
                title=r.matter.title,
                place_name=r.matter.place.name,
                community_id=community_id,
                department=str(r.department),
                lead=r.lead,
                state=r.state,
                state_label=str(ReferralState(r.state).label),
                due_on=r.due_on,
                current_due=due,
                extended=r.extended_due_on is not None,
                workdays_overdue=workdays_between(due, today, calendar=calendars[community_id]),
                days_overdue=(today - due).days,
            )
        )
    return tuple(out)


def _uncovered(
    start: dt.date, end: dt.date, today: dt.date, overdue: Iterable[OverdueReferral]
) -> tuple[int, ...]:
    days = [start, end, today, *(r.current_due for r in overdue)]
    return WorkdayCalendar().uncovered_years(min(days), max(days))


def board_figures(
    actor: Actor | None,
    *,
    place: Place | int | None = None,
    department: int | None = None,
    start: dt.date,
    end: dt.date,
    today: dt.date,
) -> BoardFigures:
    """The actor's board (see :func:`board_scope`) for the period ``start``..``end``."""
    return board_figures_for(
        board_scope(actor, place=place, department=department), start=start, end=end, today=today
    )


def board_figures_for(
    scope: BoardScope, *, start: dt.date, end: dt.date, today: dt.date
) -> BoardFigures:
    """The figures of a board whose scope is already decided (see the module docstring): a
    grouped query each for matters and ratings, two for referrals (by level or department
    and by community, summed up here), one for rectifications, two for the months, one for
    the overdue rows (and a calendar per community among them)."""
    if end < start:
        raise ValueError("end before start")
    with without_jit():
        return _figures(scope, start=start, end=end, today=today)


@contextmanager
def without_jit() -> Iterator[None]:
    """Run the board's reads with PostgreSQL's JIT compilation off (``SET LOCAL``, in a
    transaction of their own or the caller's). The planner prices the correlated subqueries
    that read a referral's completion from the timeline far above their real cost, past
    ``jit_above_cost``; compiling then took 1–8 s for a 50,000-matter street board whose
    queries run in a tenth of that (bench/bench_boards.py). Other databases: nothing to do."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


def _figures(scope: BoardScope, *, start: dt.date, end: dt.date, today: dt.date) -> BoardFigures:
    lo, hi = period_bounds(start, end)
    refs = _with_due(scope.referrals())

    matter_rows = _matter_rows(scope, lo, hi, today)
    referral_rows = _referral_rows(refs, start, end, today)
    rating_rows = _rating_rows(scope.ratings(), lo, hi)
    rect = _rectification_counts(scope.rectifications(), lo, hi, today)
    flags = _flag_counts(scope.flags(), lo, hi, today)
    matters = scope.matters()
    raised_by_month = _month_counts(matters.filter(_between("raised_at", lo, hi)), "raised_at")
    finished_by_month = _month_counts(
        matters.filter(_between("finished_at", lo, hi), state__in=FINISHED_DONE), "finished_at"
    )
    overdue = _overdue_rows(refs, today, OVERDUE_SHOWN)

    by_level_counts = _sum(matter_rows, lambda r: r["level"], MATTER_FIELDS)
    m_total = _sum(matter_rows, None, MATTER_FIELDS).get(None, dict.fromkeys(MATTER_FIELDS, 0))
    satisfaction_by_level = _sum(rating_rows, lambda r: r["handled_level"], RATING_FIELDS)
    r_total = _sum(rating_rows, None, RATING_FIELDS).get(None, dict.fromkeys(RATING_FIELDS, 0))
    by_dept = _sum(referral_rows, lambda r: r["department_id"], REFERRAL_FIELDS)
    ref_total = _sum(referral_rows, None, REFERRAL_FIELDS).get(
        None, dict.fromkeys(REFERRAL_FIELDS, 0)
    )

    def ages(c: Counts) -> AgeBuckets:
        return AgeBuckets(**{k: c.get(k, 0) for k, _f, _l in AGE_BUCKETS})

    names = Department.objects.in_bulk(list(by_dept))
    return BoardFigures(
        scope=scope,
        start=start,
        end=end,
        today=today,
        open_ages=ages(m_total),
        by_level=tuple(
            LevelFigure(
                level=lv.value,
                label=str(lv.label),
                open=ages(by_level_counts.get(lv.value, NO_COUNTS)),
                raised=by_level_counts.get(lv.value, NO_COUNTS).get("raised", 0),
                finished=by_level_counts.get(lv.value, NO_COUNTS).get("finished", 0),
                satisfaction=_rate(satisfaction_by_level.get(lv.value), "good", "rated"),
            )
            for lv in MatterLevel
        ),
        raised=m_total["raised"],
        finished=m_total["finished"],
        overdue_count=ref_total["overdue"],
        overdue=overdue,
        on_time=_rate(ref_total, "on_time", "done"),
        problems=_rate(m_total, "rectified", "found"),
        rectifications=_rate(rect, "done", "opened"),
        rectifications_on_time=_rate(rect, "on_time", "done"),
        rectifications_overdue=int(rect["overdue"] or 0),
        flags_raised=int(flags["raised"] or 0),
        flags_open=int(flags["open"] or 0),
        flags_overdue=int(flags["overdue"] or 0),
        satisfaction=_rate(r_total, "good", "rated"),
        ratings_excluded=r_total["n_excluded"],
        ratings_bad=r_total["l1"] + r_total["l2"],
        rating_levels=tuple(
            LevelCount(lv.value, str(lv.label), r_total[f"l{lv.value}"]) for lv in RatingLevel
        ),
        rectification_satisfaction=_rate(r_total, "r_good", "r_rated"),
        by_month=tuple(
            MonthFigure(m, raised_by_month.get(m, 0), finished_by_month.get(m, 0))
            for m in _months(start, end)
        ),
        by_department=tuple(
            sorted(
                (
                    DepartmentFigure(
                        department_id=pk,
                        name=str(names[pk]) if pk in names else str(pk),
                        open=c["open"],
                        overdue=c["overdue"],
                        on_time=_rate(c, "on_time", "done"),
                    )
                    for pk, c in by_dept.items()
                ),
                key=lambda d: (-d.overdue, -d.open, d.name),
            )
        ),
        by_community=_by_community(scope, matter_rows, referral_rows, rating_rows)
        if scope.spans_communities
        else None,
        uncovered_years=_uncovered(start, end, today, overdue),
    )


def _by_community(
    scope: BoardScope,
    matter_rows: list[dict[str, Any]],
    referral_rows: list[dict[str, Any]],
    rating_rows: list[dict[str, Any]],
) -> tuple[CommunityFigure, ...]:
    """Per community of the board (every community in an area, even one with nothing; for a
    department, the communities of the matters referred to it), from the grouped rows."""
    if scope.kind == AREA:
        where = within_q(scope.place) if scope.place is not None else within_any_q(scope.roots)
        places = Place.objects.filter(where, kind=PlaceKind.COMMUNITY)
    else:
        places = Place.objects.filter(pk__in=scope.matters().values("community_id"))
    matters = _sum(matter_rows, lambda r: r["community_id"], MATTER_FIELDS)
    refs = _sum(referral_rows, lambda r: r["matter__community_id"], REFERRAL_FIELDS)
    ratings = _sum(rating_rows, lambda r: r["matter__community_id"], RATING_FIELDS)
    out = []
    for c in places.order_by("name", "pk"):
        m, r, g = matters.get(c.pk, {}), refs.get(c.pk, {}), ratings.get(c.pk)
        out.append(
            CommunityFigure(
                community_id=c.pk,
                name=c.name,
                raised=m.get("raised", 0),
                open=sum(m.get(k, 0) for k, _f, _l in AGE_BUCKETS),
                overdue=r.get("overdue", 0),
                on_time=_rate(r, "on_time", "done"),
                problems=_rate(m, "rectified", "found"),
                satisfaction=_rate(g, "good", "rated"),
            )
        )
    return tuple(out)
