"""Panels on the matter page (owned by the rating pages): 好差评 — the rating form for the
raiser when the matter is done and they have not rated this round, the ratings (counts per
level; never who rated), the rectifications with their deadlines and return visits, the appeal
form for handlers — and 办不成事 — the flags and the button to raise one."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from linli.matters import policies
from linli.matters import selectors_ratings as rs
from linli.matters.choices import MatterState
from linli.matters.models import AppealReason, Matter
from linli.web.forms_ratings import RatingForm
from linli.web.views_ratings import can_rate

register = template.Library()

# States in which a rating or a rectification can exist (a reopened matter keeps its history).
RATING_STATES = frozenset({MatterState.DONE, MatterState.RATED, MatterState.RECTIFYING})


@register.simple_tag(takes_context=True)
def matter_rating_panel(context: Any, matter: Matter) -> SafeString:
    request = context.get("request")
    user = getattr(request, "user", None)
    rate = can_rate(user, matter)
    summary = rs.ratings_summary(matter, user)
    rects = rs.rectifications_for(matter)
    if not (rate or summary.rows or rects):
        return mark_safe("")
    for r in rects:
        r.can_act = bool(rs.rectifier_kinds(user, matter, r))  # type: ignore[attr-defined]
    html = render_to_string(
        "web/rating_panel.html",
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
        "web/flag_panel.html",
        {"matter": matter, "flags": flags, "can_flag": resident, "has_open": has_open},
        request=request,
    )
    return mark_safe(html)  # noqa: S308 - rendered by the template engine (autoescaped)
