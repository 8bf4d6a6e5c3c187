"""The panels on a matter's page (web/matters/matter_detail.html), as template tags
(``{% load matter_panels %}``: linli/web/templatetags/matter_panels.py registers this
library):

- ``matter_meeting_panel``: which meetings the matter is or was on, with each agenda item's
  outcome and decision; for staff of a compound's matter held at its level, a form to put it
  on an upcoming meeting's agenda.
- ``matter_rating_panel`` (好差评): the rating form for the raiser when the matter is done and
  they have not rated this round, the ratings (counts per level; never who rated), the
  rectifications with their deadlines and return visits, the appeal form for handlers.
- ``matter_flag_panel`` (办不成事): the flags and the button to raise one.

Who may do what is asked of the matters policies and selectors, never decided here.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from linli.matters import policies
from linli.matters import selectors_meetings as sel
from linli.matters import selectors_ratings as rs
from linli.matters.choices import MatterState
from linli.matters.models import AppealReason, Matter

from .forms import RatingForm

register = template.Library()


@register.simple_tag(takes_context=True)
def matter_meeting_panel(context: Any, matter: Matter) -> SafeString:
    request = context.get("request")
    user = getattr(request, "user", None)
    rows = []
    for item in sel.matter_agenda_items(matter):
        kinds = sel.meeting_capacities(user, item.meeting)
        link = ""
        if kinds & {sel.STAFF, sel.SUPERVISOR, sel.MEMBER}:
            link = reverse("web:meeting_detail", args=[item.meeting.pk])
        elif sel.can_see_meeting(kinds, item.meeting):
            link = reverse("web:meeting_results", args=[item.meeting.pk])
        rows.append({"item": item, "link": link})
    upcoming: list[Any] = []
    can_call = False
    compound_id = matter.place.compound_id
    staff = compound_id is not None and policies.can(
        user, policies.MatterAction.MANAGE, matter.place
    )
    if staff and matter.state in sel.HELD_STATES:
        upcoming = sel.upcoming_meetings(compound_id)
        can_call = not upcoming
    html = render_to_string(
        "web/matters/meeting_panel.html",
        {"matter": matter, "rows": rows, "upcoming": upcoming, "can_call": can_call},
        request=request,
    )
    return SafeString(html)


# States in which a rating or a rectification can exist (a reopened matter keeps its history).
RATING_STATES = frozenset({MatterState.DONE, MatterState.RATED, MatterState.RECTIFYING})


@register.simple_tag(takes_context=True)
def matter_rating_panel(context: Any, matter: Matter) -> SafeString:
    request = context.get("request")
    user = getattr(request, "user", None)
    rate = rs.can_rate(user, matter)
    summary = rs.ratings_summary(matter, user)
    rects = rs.rectifications_for(matter)
    if not (rate or summary.rows or rects):
        return mark_safe("")
    for r in rects:
        r.can_act = bool(rs.rectifier_kinds(user, matter, r))  # type: ignore[attr-defined]
    html = render_to_string(
        "web/matters/rating_panel.html",
        {
            "matter": matter,
            "can_rate": rate,
            "round": rs.rating_round(matter),
            "form": RatingForm(),
            "summary": summary,
            "rectifications": rects,
            "appeal_reasons": AppealReason.choices,
        },
        request=request,
    )
    return mark_safe(html)  # noqa: S308 - rendered by the template engine (autoescaped)


@register.simple_tag(takes_context=True)
def matter_flag_panel(context: Any, matter: Matter) -> SafeString:
    request = context.get("request")
    user = getattr(request, "user", None)
    flags = rs.matter_flags(matter, user)
    resident = bool(policies.own_residents(user)) and matter.state != MatterState.MERGED
    has_open = any(f.mine and f.state == "open" for f in flags)
    if not (flags or resident):
        return mark_safe("")
    html = render_to_string(
        "web/matters/flag_panel.html",
        {"matter": matter, "flags": flags, "can_flag": resident, "has_open": has_open},
        request=request,
    )
    return mark_safe(html)  # noqa: S308 - rendered by the template engine (autoescaped)
