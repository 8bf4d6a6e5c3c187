"""The pages as a resident or a secretary sees them on a phone: sign-in, language, 长辈版,
the resident list with pinyin search, and the outsider's 404. Screenshots are artefacts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from linli.people.choices import ResidentGroup
from linli.people.models import Resident
from linli.people.services.groups import group_join, team_create, team_member_add
from tests.factories import HouseholdFactory, PlaceTree, ResidentFactory

from .conftest import no_horizontal_overflow, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def neighbours(tree: PlaceTree, secretary: Any, leader: Any, resident_user: Any) -> Resident:
    """A few residents of 和平社区 around 代正菊, with groups and a team; returns 代正菊."""
    dai = Resident.objects.get(user=resident_user)
    household = HouseholdFactory(parent=tree.building2, name="3单元1201", unit="3", room="1201")
    for name in ("张伟", "李秀英", "欧阳建国", "代军"):
        ResidentFactory(name=name, household=household)
    group_join(actor=secretary, resident=dai, group=ResidentGroup.VOLUNTEER)
    group_join(actor=secretary, resident=dai, group=ResidentGroup.REPRESENTATIVE)
    team = team_create(actor=secretary, community=tree.heping, name="义务巡逻队")
    team_member_add(actor=secretary, team=team, resident=dai, is_leader=True)
    return dai


def test_sign_in_wrong_password_and_sign_out(page: Page, shot: Any, leader: Any) -> None:
    page.goto("/")
    expect(page.get_by_test_id("landing")).to_be_visible()  # a visitor: the landing page
    assert no_horizontal_overflow(page)
    shot(page, "landing-zh")
    page.get_by_role("link", name="登录").first.click()
    expect(page).to_have_url(re.compile(r"/login/"))
    shot(page, "login-zh")

    page.fill("#id_username", leader.phone)
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    expect(page.get_by_role("alert")).to_contain_text("手机号或密码不正确")
    shot(page, "wrong-password")

    sign_in(page, leader)
    expect(page.locator("h1")).to_contain_text("杨声芬")
    card = page.locator("section.card[data-role=building_leader]")
    expect(card).to_contain_text("楼栋长")
    expect(card).to_contain_text("1栋")
    assert no_horizontal_overflow(page)
    shot(page, "home-zh")

    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/login/"))
    page.goto("/")
    expect(page.get_by_test_id("landing")).to_be_visible()


def test_switch_language_to_english_and_back(
    page: Page, shot: Any, secretary: Any, neighbours: Resident
) -> None:
    page.goto("/login/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Sign in to Linli")
    shot(page, "login-en")

    sign_in(page, secretary)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Hello, 杨红")
    expect(page.get_by_role("link", name="Residents", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator("section.card[data-role=community_secretary]")).to_contain_text(
        "Community secretary"
    )
    assert no_horizontal_overflow(page)
    shot(page, "home-en")

    page.get_by_role("link", name="Residents", exact=True).click()
    expect(page.locator("#q")).to_have_attribute("placeholder", re.compile("pinyin initials"))
    expect(page.locator("#results")).to_contain_text("6 people")
    assert no_horizontal_overflow(page)
    shot(page, "residents-en")

    page.get_by_role("link", name="代正菊").click()
    expect(page.locator("main")).to_contain_text("Groups and teams")
    expect(page.locator("main")).to_contain_text("Team leader")
    assert no_horizontal_overflow(page)
    shot(page, "detail-en")

    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("main")).to_contain_text("身份与队伍")
    expect(page.get_by_role("link", name="居民", exact=True)).to_be_visible()


def test_elder_mode_enlarges_text(page: Page, shot: Any, resident_user: Any) -> None:
    def body_px() -> float:
        return float(page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)"))

    page.goto("/login/")
    normal = body_px()
    page.get_by_test_id("elder-toggle").click()  # works before sign-in too
    expect(page.locator("html")).to_have_class(re.compile(r"\belder\b"))
    large = body_px()
    assert large >= 20 and large > normal, (normal, large)
    assert no_horizontal_overflow(page)
    shot(page, "login-elder")

    sign_in(page, resident_user)
    expect(page.locator("html")).to_have_class(re.compile(r"\belder\b"))
    assert no_horizontal_overflow(page)
    shot(page, "home-elder")

    page.get_by_role("link", name="查看我的资料").click()
    expect(page.locator("h1")).to_contain_text("代正菊")
    assert no_horizontal_overflow(page)
    shot(page, "detail-elder")

    page.get_by_test_id("elder-toggle").click()
    expect(page.locator("html")).not_to_have_class(re.compile(r"\belder\b"))
    assert body_px() == normal


def test_resident_list_on_a_phone(page: Page, shot: Any, secretary: Any, neighbours: Any) -> None:
    sign_in(page, secretary)
    page.goto("/residents/")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(6)
    expect(page.locator("#results thead")).to_be_hidden()
    # Each row is a card: a block with a border, not a table row.
    assert rows.first.evaluate("el => getComputedStyle(el).display") == "block"
    assert no_horizontal_overflow(page)
    shot(page, "list-zh")

    page.fill("#q", "dzj")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("代正菊")
    expect(page.locator("#results")).to_have_count(1)  # swapped, not nested
    expect(page.locator("#results")).not_to_contain_text("代军")
    expect(page).to_have_url(re.compile(r"q=dzj"))
    assert no_horizontal_overflow(page)
    shot(page, "search-dzj")

    rows.first.get_by_role("link", name="代正菊").click()
    expect(page.locator("h1")).to_contain_text("代正菊")
    expect(page.locator("main")).to_contain_text("义务巡逻队")
    assert no_horizontal_overflow(page)
    shot(page, "detail-zh")

    page.get_by_role("link", name="地点", exact=True).click()
    expect(page.locator("h1")).to_contain_text("和平社区")
    assert no_horizontal_overflow(page)
    shot(page, "places-zh")

    page.get_by_test_id("elder-toggle").click()
    expect(page.locator("html")).to_have_class(re.compile(r"\belder\b"))
    page.goto("/residents/")
    assert no_horizontal_overflow(page)
    shot(page, "list-elder")


def test_outsider_gets_404_for_a_heping_resident(
    page: Page, shot: Any, outsider: Any, resident_user: Any
) -> None:
    pk = Resident.objects.get(user=resident_user).pk
    sign_in(page, outsider)
    response = page.goto(f"/residents/{pk}/")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("找不到页面")
    expect(page.locator("body")).not_to_contain_text("代正菊")
    assert no_horizontal_overflow(page)
    shot(page, "404")


def test_desktop_resident_list(desktop_page: Page, shot: Any, secretary: Any, neighbours: Any):
    sign_in(desktop_page, secretary)
    desktop_page.goto("/residents/")
    expect(desktop_page.locator("#results thead")).to_be_visible()
    shot(desktop_page, "list")
