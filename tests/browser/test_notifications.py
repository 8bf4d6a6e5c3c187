"""Notifications on a phone (390×844): the bell's badge in the header, opening a notice
marks it read and lands on its matter; the secretary's settings and calendar pages fit the
screen. Screenshots are artefacts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from linli.core.workdays import LAST_COVERED_YEAR
from linli.matters.services import matter_accept, matter_raise

from .conftest import no_horizontal_overflow, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resident_opens_a_notice_from_the_bell(
    page: Page, shot: Any, tree: Any, resident_user: Any, leader: Any
) -> None:
    m = matter_raise(
        actor=resident_user, place=tree.building1, kind="problem", title="1栋楼道灯坏了"
    )
    matter_accept(actor=leader, matter=m)
    sign_in(page, resident_user)
    badge = page.get_by_test_id("unread-badge")
    expect(badge).to_have_text("1")
    assert no_horizontal_overflow(page)
    shot(page, "badge")
    page.get_by_test_id("notification-bell").click()
    expect(page.get_by_test_id("notification")).to_contain_text("已受理")
    shot(page, "inbox")
    page.get_by_test_id("notification").get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/matters/{m.pk}/$"))
    expect(page.get_by_test_id("unread-badge")).to_have_count(0)


def test_secretary_enters_a_holiday_on_a_phone(page: Page, shot: Any, secretary: Any) -> None:
    sign_in(page, secretary)
    page.goto("/matters/settings/")
    expect(page.get_by_test_id("settings-form")).to_be_visible()
    assert no_horizontal_overflow(page)
    shot(page, "settings")
    page.goto(f"/matters/calendar/?year={LAST_COVERED_YEAR + 1}")
    expect(page.get_by_test_id("not-covered")).to_be_visible()
    page.fill("#id_day", f"{LAST_COVERED_YEAR + 1}-10-04")
    page.fill("#id_note", "国庆节放假（国务院办公厅通知）")
    page.get_by_role("button", name="添加").click()
    expect(page.get_by_test_id("override")).to_contain_text("国庆节放假")
    assert no_horizontal_overflow(page)
    shot(page, "calendar")
