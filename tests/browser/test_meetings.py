# ruff: noqa: F811 - the shared fixtures are imported by name, then used as arguments
"""A member votes on a phone (390×844): from the invitation in the meeting list to the check-in,
three big buttons, the confirmation and "您已投票"; staff then see the tally. Screenshots are
artefacts."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from linli.matters.models import AgendaItem, MeetingMember, VoteCast
from linli.matters.services.meetings import meeting_open, motion_open
from linli.matters.tests.test_meetings_support import (  # noqa: F401 - fixtures
    held,
    meeting,
    member_user,
    members,
)

from .conftest import no_horizontal_overflow, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_votes_on_a_phone(
    page: Page, shot: Any, staff: Any, meeting: Any, member_user: Any
) -> None:
    others = MeetingMember.objects.filter(meeting=meeting).exclude(resident__user=member_user)
    meeting_open(actor=staff, meeting=meeting, present=list(others.order_by("id")[:3]))
    item = AgendaItem.objects.get(meeting=meeting)
    motion_open(actor=staff, meeting=meeting, text="同意把小区空地改成休闲小广场", item=item)

    sign_in(page, member_user)
    page.goto("/meetings/")
    invited = page.get_by_test_id("invited")
    expect(invited).to_contain_text("和平小区第一次议事会")
    invited.get_by_role("link", name="和平小区第一次议事会").click()
    expect(page.get_by_test_id("agenda")).to_contain_text("小区空地改成休闲小广场")
    page.get_by_test_id("go-vote").click()

    # Not checked in yet: the vote buttons wait for the check-in.
    expect(page.get_by_test_id("choose-for")).to_have_count(0)
    check_in = page.get_by_test_id("check-in")
    box = check_in.bounding_box()
    assert box is not None and box["height"] >= 56 and box["width"] >= 300
    shot(page, "check-in")
    check_in.click()
    expect(page.get_by_test_id("checked-in")).to_be_visible()

    buttons = [page.get_by_test_id(f"choose-{c}") for c in ("for", "against", "abstain")]
    for b, label in zip(buttons, ("赞成", "反对", "弃权"), strict=True):
        expect(b).to_have_text(label)
        box = b.bounding_box()
        assert box is not None and box["height"] >= 64 and box["width"] >= 300
    assert no_horizontal_overflow(page)
    shot(page, "buttons")

    # Choosing asks for a confirmation; going back changes nothing.
    buttons[1].click()
    expect(page.get_by_test_id("confirm-choice")).to_have_text("反对")
    page.get_by_test_id("back").click()
    assert not VoteCast.objects.exists()
    page.get_by_test_id("choose-for").click()
    expect(page.get_by_test_id("confirm-choice")).to_have_text("赞成")
    assert no_horizontal_overflow(page)
    shot(page, "confirm")
    page.get_by_test_id("confirm-vote").click()
    expect(page.get_by_test_id("voted")).to_contain_text("您已投票")
    expect(page.get_by_test_id("choose-for")).to_have_count(0)
    assert no_horizontal_overflow(page)
    shot(page, "voted")
    cast = VoteCast.objects.get()
    assert cast.choice == "for" and not cast.by_staff

    # Staff see the vote in the live tally.
    page.context.clear_cookies()
    sign_in(page, staff)
    page.goto(f"/meetings/{meeting.pk}/#motions")
    expect(page.get_by_test_id("motions").get_by_test_id("for")).to_have_text("1")
    expect(page.get_by_test_id("quorum")).to_have_text("已达法定人数")
    assert no_horizontal_overflow(page)
    shot(page, "staff")
