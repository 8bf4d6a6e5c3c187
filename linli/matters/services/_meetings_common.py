"""What the meeting services share: finding and locking a meeting, its agenda items and
motions (in that order, after the matters), naming it in texts, whom to tell, and one step
of the matter's table taken for a meeting (``_move``).

``meetings`` (calling, attendance, minutes, closing, publishing), ``agenda`` (items and the
meeting's decisions on them) and ``voting`` (motions, votes, the secret ballot, the count)
build on it; see ``meetings`` for the whole story.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.actors import Actor
from linli.core.errors import Forbidden

from .. import policies, workflows
from .. import selectors_meetings as sel
from ..choices import MatterAction, MatterState
from ..models import (
    AgendaItem,
    AgendaOutcome,
    Matter,
    MatterFollower,
    Meeting,
    MeetingMember,
    Motion,
)
from ..texts import Said
from .matters import STOPS_CLOCK, _event

A = MatterAction
S = MatterState
O = AgendaOutcome  # noqa: E741 - short for the outcomes, like A and S


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(f"web:{name}", args=args)
    except NoReverseMatch:  # pages not mounted (e.g. a command-line tool's settings)
        return ""


def _staff_meeting(actor: Actor, meeting: Meeting) -> Meeting:
    """The meeting, for its community's staff. Outside one's places: not found; a member or
    supervisor who sees it may not act: refused."""
    seen = sel.meeting_get_for_actor(actor, meeting.pk)
    if sel.STAFF not in sel.meeting_capacities(actor, seen):
        raise Forbidden(_("只有本社区的工作人员可以进行此操作"))
    return seen


def _lock_meeting(pk: int) -> Meeting:
    # ``of``: the meeting row only, not the places joined for display.
    return (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("compound", "community")
        .get(pk=pk)
    )


def _lock_items(meeting_id: int) -> dict[int, AgendaItem]:
    rows = AgendaItem.objects.select_for_update().filter(meeting_id=meeting_id).order_by("pk")
    return {i.pk: i for i in rows}


def _lock_motions(meeting_id: int) -> dict[int, Motion]:
    rows = Motion.objects.select_for_update().filter(meeting_id=meeting_id).order_by("pk")
    return {m.pk: m for m in rows}


def _when_text(meeting: Meeting) -> str:
    return timezone.localtime(meeting.scheduled_at).strftime("%Y-%m-%d %H:%M")


def _meeting_name(meeting: Meeting) -> str:
    return _("%(title)s（%(when)s）") % {"title": meeting.title, "when": _when_text(meeting)}


def _meeting_params(meeting: Meeting) -> dict[str, str]:
    """A meeting named in a stored text: its title and time (``matters.texts``)."""
    return {"meeting": meeting.title, "when": _when_text(meeting)}


def _interested(matter: Matter) -> list[int]:
    """Whom a step on a matter concerns: the raiser and its followers."""
    ids = list(MatterFollower.objects.filter(matter_id=matter.pk).values_list("user_id", flat=True))
    if matter.raised_by_id:
        ids.append(matter.raised_by_id)
    return ids


def _member_users(meeting: Meeting) -> list[int]:
    return [
        uid
        for uid in MeetingMember.objects.filter(meeting_id=meeting.pk).values_list(
            "resident__user_id", flat=True
        )
        if uid
    ]


def _kind_for(actor: Actor, matter: Matter) -> set[str]:
    """The capacities in which staff (or the system) act on a matter for a meeting."""
    return policies.actor_kinds(actor, matter) & {workflows.STAFF, workflows.SYSTEM}


def _move(
    matter: Matter,
    actor: Actor,
    action: str,
    now: dt.datetime,
    *,
    note: str | Said,
    data: dict[str, Any],
) -> None:
    """One step of the table on the locked matter, stamped, with its event."""
    before = matter.state
    target, kind = workflows.transition_any(before, action, _kind_for(actor, matter))
    matter.state = target
    if target in STOPS_CLOCK:
        matter.finished_at = matter.finished_at or now
    matter.save()
    _event(matter, actor, action, kind=kind, from_state=before, note=note, data=data, when=now)
    audit_record(
        actor=actor,
        action=f"matters.{action}",
        target=matter,
        place_id=matter.place_id,
        data={"from": before, "to": target, "level": matter.level, **data},
    )
