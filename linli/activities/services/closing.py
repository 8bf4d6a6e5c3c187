"""Closing an activity: the hours and the points, exactly once.

``activity_close`` runs in two steps.

1. In one transaction with the activity row locked: refuse while anyone is still signed in
   (the organiser signs them out first, one by one or all at once); settle each attendance
   (minutes, half-hours, whether it counts, its points under the rule's range and caps);
   write a volunteer-record line for each counted attendance; mark the activity closed.
2. After that commits: award the points through the ledger's ``points_award_batch``, one
   batch per points value (a per-hour rule gives different points to different people),
   with the activity as the source (``source_type="activity"``, ``source_id`` the activity's
   id), so the ledger's unique source key (rule × activity × resident) pays each attendee at
   most once. The batch's idempotency key is ``activity:<id>:<points>``, so a repeated or
   concurrent close replays the first batch instead of writing another.

The batch is a durable transaction of its own (the ledger's), so it cannot share the first
step's transaction. If the process stops between the two, the activity is closed with its
points not yet awarded: closing it again (the button stays until every point is in) awards
exactly what is missing. Closing a closed activity whose points are all in changes nothing.

The ledger records the award as issued by the system (the attendance is the evidence; the
organiser may be a team leader, who cannot award points directly, or an attendee, who may
not award themselves); the activity's audit row says who closed it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.audit.services import audit_record
from linli.core.actors import SYSTEM, Actor
from linli.core.errors import Conflict, NotFound
from linli.core.quarters import local_date
from linli.core.texts import list_separator
from linli.notifications.services import notify
from linli.points.ledger import cap_usage
from linli.points.models import Award, Rule
from linli.points.services import points_award_batch

from .. import hours, policies
from ..choices import ActivityStatus, HoursKind
from ..locks import lock_activity
from ..models import Activity, Attendance, ServiceHours
from ..selectors import settings_for
from ._common import user_or_none

SOURCE_TYPE = "activity"
CAP_LABELS = {
    "cap_day": gettext_lazy("每日"),
    "cap_month": gettext_lazy("每月"),
    "cap_quarter": gettext_lazy("每季度"),
}


@dataclass
class CloseResult:
    activity: Activity
    closed_now: bool  # False: it was closed already (a repeated close)
    attended: int = 0
    counted: int = 0
    awarded: int = 0  # attendees whose batch this call submitted (or replayed)
    points: int = 0  # and their points
    pending: list[str] = field(default_factory=list)  # why some points are not in yet


def rule_on(activity: Activity) -> Rule | None:
    """The version of the activity's rule in force on the activity's day (a catalogue
    revision after publishing may have superseded the version it was published with)."""
    if activity.rule is None:
        return None
    day = local_date(activity.starts_at)
    current = (
        Rule.objects.filter(
            community_id=activity.rule.community_id,
            key=activity.rule.key,
            active_from__lte=day,
        )
        .exclude(active_until__lt=day)
        .order_by("-active_from")
        .first()
    )
    return current or activity.rule


def _remaining(rule: Rule, resident_id: int, when: dt.datetime) -> tuple[int | None, str]:
    """Points the rule's caps still allow the resident at ``when`` (None: no cap)."""
    usage = cap_usage(rule, resident_id, when)
    left: int | None = None
    label = ""
    for cap, used in usage.items():
        limit = getattr(rule, cap)
        if limit is None:
            continue
        room = max(0, limit - used)
        if left is None or room < left:
            left, label = room, str(CAP_LABELS[cap])
    return left, label


def _settle(activity: Activity, actor: Actor, now: dt.datetime) -> tuple[int, int]:
    """Step 1's arithmetic and record lines (activity locked). Returns (attended, counted)."""
    share = settings_for(activity.community_id).min_share_percent
    rule = rule_on(activity)
    attendances = list(
        Attendance.objects.select_for_update()
        .filter(activity=activity)
        .select_related("resident", "resident__household")
        .order_by("pk")
    )
    counted = 0
    day = local_date(activity.starts_at)
    lines: list[ServiceHours] = []
    for a in attendances:
        assert a.signed_out_at is not None
        t = hours.tally(
            a.signed_in_at, a.signed_out_at, activity.starts_at, activity.ends_at, share
        )
        a.minutes, a.half_hours, a.counts = t.minutes, t.half_hours, t.counts
        a.points, a.points_note = 0, ""
        if t.counts:
            counted += 1
            if rule is not None:
                a.points, a.points_note = _points(activity, rule, a, t.half_hours)
            if t.half_hours > 0:
                lines.append(
                    ServiceHours(
                        resident=a.resident,
                        community_id=activity.community_id,
                        kind=HoursKind.ATTENDANCE,
                        activity=activity,
                        attendance=a,
                        served_on=day,
                        title=activity.title[:120],
                        half_hours=t.half_hours,
                        manual=a.manual,
                        created_by=user_or_none(actor),
                        created_at=now,
                    )
                )
        elif a.minutes:
            a.points_note = _("未达到活动时长的 %(share)d%%") % {"share": share}
    _save_tallies(attendances)
    ServiceHours.objects.bulk_create(lines, batch_size=500)
    return len(attendances), counted


# One statement for the whole list on PostgreSQL (bulk_update's CASE per row and field costs
# seconds for a few hundred attendees; see bench/bench_activities.py).
TALLY_SQL = """
UPDATE activities_attendance AS a
SET minutes = v.minutes, half_hours = v.half_hours, counts = v.counts, points = v.points,
    points_note = v.points_note
FROM unnest(%s::bigint[], %s::integer[], %s::integer[], %s::boolean[], %s::integer[],
            %s::text[]) AS v(id, minutes, half_hours, counts, points, points_note)
WHERE a.id = v.id
"""
LINK_SQL = """
UPDATE activities_attendance AS a SET award_id = v.award_id
FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, award_id)
WHERE a.id = v.id
"""


def _save_tallies(rows: list[Attendance]) -> None:
    fields = ["minutes", "half_hours", "counts", "points", "points_note"]
    if not rows:
        return
    if connection.vendor != "postgresql":
        Attendance.objects.bulk_update(rows, fields, batch_size=500)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            TALLY_SQL,
            [
                [a.pk for a in rows],
                [a.minutes for a in rows],
                [a.half_hours for a in rows],
                [a.counts for a in rows],
                [a.points for a in rows],
                [a.points_note for a in rows],
            ],
        )


def _points(activity: Activity, rule: Rule, a: Attendance, half: int) -> tuple[int, str]:
    """An attendance's points under the rule's range (its caps are applied when awarding)."""
    if not a.resident.is_current:
        return 0, _("已迁出")
    pts = hours.points_for(
        activity.points_basis,
        activity.points,
        half,
        rule_min=rule.points_min,
        rule_max=rule.points_max,
    )
    return pts, ""


def activity_close(
    *, actor: Actor, activity: Activity, now: dt.datetime | None = None
) -> CloseResult:
    """Close the activity and award its attendees' points, exactly once (see the module)."""
    now = now or timezone.now()
    if not policies.can_manage(actor, activity):
        raise NotFound(_("找不到该活动"))
    with transaction.atomic(durable=True):
        locked = lock_activity(activity.pk)
        if locked.status == ActivityStatus.CANCELLED:
            raise Conflict(_("活动已取消，不能结束"))
        closed_now = locked.status == ActivityStatus.OPEN
        attended = counted = 0
        if closed_now:
            if now < locked.starts_at:
                raise Conflict(_("活动还没开始，不能结束"))
            still_in = list(
                Attendance.objects.filter(activity=locked, signed_out_at__isnull=True)
                .select_related("resident")
                .order_by("signed_in_at", "pk")
            )
            if still_in:
                names = list_separator().join(a.resident.name for a in still_in[:5])
                raise Conflict(
                    _(
                        "还有 %(n)d 人没有签退（%(names)s）。请先为他们签退"
                        "（可用“全部签退”），再结束活动"
                    )
                    % {"n": len(still_in), "names": names}
                )
            attended, counted = _settle(locked, actor, now)
            locked.status = ActivityStatus.CLOSED
            locked.closed_at = now
            locked.closed_by = user_or_none(actor)
            locked.save(update_fields=["status", "closed_at", "closed_by"])
            audit_record(
                actor=actor,
                action="activities.close",
                target=locked,
                place_id=locked.community_id,
                data={"attended": attended, "counted": counted},
            )
    result = CloseResult(locked, closed_now, attended, counted)
    if locked.status == ActivityStatus.CLOSED:
        _award(locked, actor, result, now)
    return result


def unpaid(activity: Activity) -> list[Attendance]:
    """Counted attendances whose points are not in the ledger yet."""
    return list(
        Attendance.objects.filter(activity=activity, counts=True, points__gt=0, award__isnull=True)
        .select_related("resident", "resident__household")
        .order_by("resident_id")
    )


def _paid(activity: Activity, rule: Rule, resident_ids: list[int]) -> dict[int, int]:
    """Resident id → award id of the awards already registered for this activity."""
    return dict(
        Award.objects.filter(
            community_id=rule.community_id,
            rule__key=rule.key,
            source_type=SOURCE_TYPE,
            source_id=activity.source_id,
            resident_id__in=resident_ids,
        ).values_list("resident_id", "id")
    )


def _link(activity: Activity, paid: dict[int, int]) -> None:
    if not paid:
        return
    with transaction.atomic(durable=True):
        rows = list(
            Attendance.objects.select_for_update()
            .filter(activity=activity, resident_id__in=list(paid), award__isnull=True)
            .order_by("pk")
        )
        for a in rows:
            a.award_id = paid[a.resident_id]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(LINK_SQL, [[a.pk for a in rows], [a.award_id for a in rows]])
        else:
            Attendance.objects.bulk_update(rows, ["award"], batch_size=500)


def _apply_caps(activity: Activity, rule: Rule, owed: list[Attendance]) -> list[Attendance]:
    """Fit each unpaid attendee's points into the rule's caps (per day, month, quarter, as
    the ledger counts them); one over the cap altogether gets none, with a note."""
    out: list[Attendance] = []
    changed: list[Attendance] = []
    for a in owed:
        left, label = _remaining(rule, a.resident_id, activity.ends_at)
        if left is not None and left < a.points:
            if left < rule.points_min:
                a.points = 0
                a.points_note = _("已达“%(rule)s”%(period)s积分上限") % {
                    "rule": rule.name,
                    "period": label,
                }
            else:
                a.points = left
                a.points_note = _("按%(period)s上限计 %(n)d 分") % {"period": label, "n": left}
            changed.append(a)
        if a.points > 0:
            out.append(a)
    if changed:
        with transaction.atomic(durable=True):
            for a in changed:
                Attendance.objects.filter(pk=a.pk, award__isnull=True).update(
                    points=a.points, points_note=a.points_note
                )
    return out


def _batch_key(activity: Activity, pts: int, rows: list[Attendance]) -> str:
    """The same attendees at the same points → the same key: a concurrent or repeated close
    replays the first batch. A different set (some paid meanwhile) gets its own key."""
    ids = ",".join(str(a.resident_id) for a in sorted(rows, key=lambda a: a.resident_id))
    digest = hashlib.sha256(ids.encode()).hexdigest()[:16]
    return f"activity:{activity.pk}:{pts}:{digest}"


def _award(activity: Activity, actor: Actor, result: CloseResult, now: dt.datetime) -> None:
    rule = rule_on(activity)
    owed = unpaid(activity)
    if rule is None or not owed:
        return
    paid = _paid(activity, rule, [a.resident_id for a in owed])
    _link(activity, paid)  # history registered before, or a batch that committed earlier
    owed = _apply_caps(activity, rule, [a for a in owed if a.resident_id not in paid])
    groups: dict[int, list[Attendance]] = defaultdict(list)
    for a in owed:
        groups[a.points].append(a)
    note = _("%(title)s（%(day)s）签到签退") % {
        "title": activity.title,
        "day": local_date(activity.starts_at),
    }
    for pts, rows in sorted(groups.items()):
        ids = [a.resident_id for a in rows]
        try:
            batch = points_award_batch(
                actor=SYSTEM,
                rule=rule,
                residents=[a.resident for a in rows],
                points=pts,
                idempotency_key=_batch_key(activity, pts, rows),
                occurred_at=activity.ends_at,
                source_type=SOURCE_TYPE,
                source_id=activity.source_id,
                evidence_note=note[:300],
            )
        except Conflict as exc:
            # A concurrent close paid them first (the ledger's source key refused a second
            # award), or a cap filled meanwhile: link what is paid, report the rest.
            now_paid = _paid(activity, rule, ids)
            _link(activity, now_paid)
            if len(now_paid) < len(ids):
                result.pending.append(str(exc))
            continue
        now_paid = _paid(activity, rule, ids)
        _link(activity, now_paid)
        result.awarded += batch.size
        result.points += pts * batch.size
        users = [a.resident.user_id for a in rows if a.resident.user_id]
        notify(
            users,
            kind="activity.points",
            params={"title": activity.title, "points": pts},
            url="/volunteer/",
            key=f"activity-points:{activity.pk}",
            when=now,
        )
