"""The meeting panel on the matter page (web/matter_detail.html): which meetings the matter
is or was on, with each agenda item's outcome and decision; for staff of a compound's matter
held at its level, a form to put it on an upcoming meeting's agenda."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from linli.matters import selectors_meetings as sel
from linli.matters.models import Matter

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
    staff = compound_id is not None and sel.people_policies.can_roles(
        user, sel.policies.STAFF, matter.place
    )
    if staff and matter.state in sel.HELD_STATES:
        upcoming = sel.upcoming_meetings(compound_id)
        can_call = not upcoming
    html = render_to_string(
        "web/meeting_panel.html",
        {"matter": matter, "rows": rows, "upcoming": upcoming, "can_call": can_call},
        request=request,
    )
    return SafeString(html)
