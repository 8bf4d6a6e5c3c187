"""Keyboard only (issue 12): a resident signs in, raises a matter and redeems a reward with Tab,
typing and Enter — no mouse, no tap. Every control reached shows where the focus is (a visible
outline), and each step is reached within a bounded number of Tab presses."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from linli.matters.models import Matter
from linli.points.models import Order
from linli.points.tests.shop_fixtures import *  # noqa: F403 - fixtures
from linli.web.tests.conftest import dzj, version  # noqa: F401 - fixtures

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  return {tag: el.tagName, id: el.id, text: (el.innerText || el.value || '').trim(),
          testid: el.closest('[data-testid]')?.dataset.testid || '',
          outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0}; }"""


def tab_to(page: Page, what: str, *, text: str = "", testid: str = "", limit: int = 60) -> None:
    """Press Tab until the focused element is ``what`` (a tag, or "#id") with ``text`` in its
    text or inside an element of ``testid``; each element passed on the way must show its
    focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        el = page.evaluate(FOCUSED)
        if el is None:
            continue
        assert el["outline"], f"no visible focus on {el}"
        hit = el["tag"] == what.upper() if not what.startswith("#") else el["id"] == what[1:]
        if hit and text in el["text"] and testid in el["testid"]:
            return
    pytest.fail(f"{what} {text!r} {testid!r} not reached with {limit} Tab presses", pytrace=False)


def test_raise_a_matter_and_redeem_a_reward_by_keyboard(
    page: Page, shot: Any, resident_user: Any, rich_dzj: Any, window: Any, masks: Any, haircut: Any
) -> None:
    page.goto("/login/")
    page.keyboard.type(resident_user.phone)  # the phone field has the focus on arrival
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("代正菊")

    tab_to(page, "a", text="议事")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, "a", testid="raise")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("我要反映")
    tab_to(page, "#title")
    page.keyboard.type("二单元门禁坏了")
    tab_to(page, "#description")
    page.keyboard.type("刷卡没有反应")
    tab_to(page, "button", text="提交")
    shot(page, "matter-form")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_test_id("state")).to_have_text("待受理")
    assert Matter.objects.filter(title="二单元门禁坏了", raised_by=resident_user).exists()
    shot(page, "matter-raised")

    tab_to(page, "a", text="积分超市")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, "a", text="兑换", testid="reward")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    name = page.get_by_test_id("reward-name").inner_text()
    tab_to(page, "button", text="确认兑换")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text(re.compile(f"兑换成功：{name}"))
    assert Order.objects.filter(resident=rich_dzj, reward__name=name).count() == 1
    shot(page, "redeemed")
