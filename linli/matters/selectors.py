"""Reads: fetching and authorising are one step; outside one's places is not found."""

from __future__ import annotations

import datetime as dt
import itertools

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.actors import Actor
from linli.core.errors import NotFound
from linli.core.quarters import local_date
from linli.core.workdays import WorkdayCalendar
from linli.people.models import Department
from linli.people.policies import acting_user
from linli.places.models import Place

from . import policies, workflows
from .choices import OPEN_STATES, REFERRAL_OPEN_STATES, MatterLevel, MatterState, ReferralState
from .models import CalendarDay, Matter, MatterEvent, MatterSettings, Referral

SIMILAR_MIN = 0.4  # title_similarity at which an open matter is offered


def matters_visible(actor: Actor | None) -> QuerySet[Matter]:
    return (
        Matter.objects.filter(policies.visible_q(actor))
        .select_related("place", "community")
        .distinct()
    )


def matter_get_for_actor(actor: Actor | None, pk: int) -> Matter:
    matter = matters_visible(actor).filter(pk=pk).select_related("merged_into").first()
    if matter is None:
        raise NotFound(_("找不到该事项"))
    return matter


def matter_timeline(matter: Matter) -> QuerySet[MatterEvent]:
    return matter.events.select_related("actor").order_by("created_at", "id")


def timeline_departments(events: list[MatterEvent]) -> dict[int, str]:
    """The departments named by a timeline's department steps (one query), by id: a
    department's step is shown as the department's."""
    ids = {
        e.data.get("department")
        for e in events
        if e.actor_kind == workflows.DEPARTMENT and isinstance(e.data, dict)
    }
    ids = {i for i in ids if isinstance(i, int)}
    if not ids:
        return {}
    return {d.pk: str(d) for d in Department.objects.filter(pk__in=ids)}


STOP_CHARS = set("的了又很在是有和也都还就吗呢吧啊")


def _chars(text: str) -> list[str]:
    return [c for c in text.lower() if c.isalnum()]


def _bigrams(chars: list[str]) -> set[str]:
    if len(chars) < 2:
        return set(chars)
    return {a + b for a, b in itertools.pairwise(chars)}


def title_similarity(a: str, b: str) -> float:
    """0..1: half the share of common character pairs, half the Dice overlap of the
    characters that carry meaning (short Chinese titles say one thing many ways:
    楼道的灯又坏了 / 1栋楼道灯坏了)."""
    ca, cb = _chars(a), _chars(b)
    x, y = _bigrams(ca), _bigrams(cb)
    if not x or not y:
        return 0.0
    pairs = len(x & y) / min(len(x), len(y))
    sa, sb = set(ca) - STOP_CHARS, set(cb) - STOP_CHARS
    dice = 2 * len(sa & sb) / (len(sa) + len(sb)) if sa and sb else 0.0
    return (pairs + dice) / 2


def matter_similar(
    actor: Actor | None, *, place: Place, title: str, limit: int = 5
) -> list[Matter]:
    """Open matters at the same place with a similar title, most similar first: offered
    before a new one is filed (the resident may follow one instead)."""
    if len(title.strip()) < 2:
        return []
    rows = (
        matters_visible(actor)
        .filter(place=place, state__in=OPEN_STATES)
        .order_by("-raised_at")[:200]
    )
    scored = [(title_similarity(title, m.title), m) for m in rows]
    best = sorted((s for s in scored if s[0] >= SIMILAR_MIN), key=lambda s: -s[0])
    return [m for _score, m in best[:limit]]


def matter_queue(actor: Actor | None, *, level: str | None = None) -> QuerySet[Matter]:
    """Open matters the actor may handle: a leader's building, staff's community (by level)."""
    q = policies.people_policies.scope_q_roles(
        actor, policies.PERMISSIONS[policies.MatterAction.HANDLE], "place__"
    )
    rows = Matter.objects.filter(q, state__in=OPEN_STATES).select_related("place")
    if level:
        rows = rows.filter(level=level)
    return rows.order_by("raised_at", "id")


def matter_mine(actor: Actor | None) -> QuerySet[Matter]:
    """Matters the actor raised or follows."""
    user = acting_user(actor)
    if not getattr(actor, "is_authenticated", False) or user is None:
        return Matter.objects.none()
    return (
        Matter.objects.filter(followers__user=user)
        .select_related("place")
        .order_by("-raised_at", "-id")
        .distinct()
    )


def matter_age_days(matter: Matter, today: dt.date | None = None) -> int:
    """Day N of the matter, the day it was raised being day 1; a finished one stops."""
    end = today or local_date(timezone.now())
    if matter.finished_at is not None and matter.state not in OPEN_STATES:
        end = local_date(matter.finished_at)
    return max(1, (end - local_date(matter.raised_at)).days + 1)


def matter_referrals(matter: Matter) -> list[Referral]:
    """The matter's referrals, lead first, then in the order they were made."""
    return list(
        Referral.objects.filter(matter_id=matter.pk)
        .select_related("department")
        .order_by("-referred_at", "-lead", "id")
    )


def referral_holder(referrals: list[Referral]) -> Referral | None:
    """The open referral the matter currently waits on: one not answered yet (the lead
    first), else the open lead, else any open one."""
    open_rows = [r for r in referrals if r.is_open]
    pending = [r for r in open_rows if r.state != ReferralState.ANSWERED]
    for group in (pending, open_rows):
        if group:
            return sorted(group, key=lambda r: (not r.lead, r.current_due, r.pk))[0]
    return None


def matter_age_text(
    matter: Matter, today: dt.date | None = None, referrals: list[Referral] | None = None
) -> str:
    """ "第 237 天，在社区" for an open matter, "第 237 天，在城管" while a department holds
    it; "历时 12 天，已办结" once finished."""
    days = matter_age_days(matter, today)
    if matter.state in OPEN_STATES:
        where = str(MatterLevel(matter.level).label)
        if matter.level == MatterLevel.DEPARTMENT:
            rows = matter_referrals(matter) if referrals is None else referrals
            holder = referral_holder(rows)
            if holder is not None:
                where = str(holder.department)
        return _("第 %(days)s 天，在%(level)s") % {"days": days, "level": where}
    return _("历时 %(days)s 天，%(state)s") % {
        "days": days,
        "state": MatterState(matter.state).label,
    }


def referral_queue(actor: Actor | None, today: dt.date | None = None) -> list[Referral]:
    """A department handler's open referrals, overdue ones first (oldest due first)."""
    departments = policies.handler_department_ids(actor)
    if not departments:
        return []
    today = today or local_date(timezone.now())
    rows = list(
        Referral.objects.filter(
            department_id__in=departments, state__in=sorted(REFERRAL_OPEN_STATES)
        ).select_related("department", "matter", "matter__place")
    )
    for r in rows:
        r.overdue = r.current_due < today  # type: ignore[attr-defined]
    return sorted(rows, key=lambda r: (r.current_due >= today, r.current_due, r.pk))


# --- settings and the working-day calendar ----------------------------------------------------


def matter_settings_for(community_id: int | None) -> MatterSettings:
    """The community's matter settings, or an unsaved row with the defaults."""
    if community_id is not None:
        found = MatterSettings.objects.filter(community_id=community_id).first()
        if found is not None:
            return found
    settings = MatterSettings()
    if community_id is not None:
        settings.community_id = community_id
    return settings


def calendar_for(community_id: int | None) -> WorkdayCalendar:
    """The package's calendar plus the operator's overrides (global and the community's; the
    community's win on the same date)."""
    rows = CalendarDay.objects.filter(
        Q(community__isnull=True) | Q(community_id=community_id)
    ).order_by(F("community_id").asc(nulls_first=True))
    by_day: dict[dt.date, bool] = {}
    for row in rows:
        by_day[row.day] = row.is_workday
    return WorkdayCalendar(
        extra_holidays=frozenset(d for d, w in by_day.items() if not w),
        extra_workdays=frozenset(d for d, w in by_day.items() if w),
    )


def referral_days(settings: MatterSettings, kind: str) -> int:
    """Working days a department has for a referral of ``kind`` under ``settings``."""
    return int(getattr(settings, f"{kind}_days"))
