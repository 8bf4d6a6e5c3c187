"""Panels on the matter page (owned by the meeting pages). Placeholder until built."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def matter_meeting_panel(context: Any, matter: Any) -> str:
    return ""
