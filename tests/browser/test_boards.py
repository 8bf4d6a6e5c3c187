"""The board on a phone (390 px): the tiles stack two by two, the three ECharts charts draw,
nothing overflows sideways, the filters narrow it to a quarter and to a building, and an
overdue referral leads to its matter. Screenshots are artefacts."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from linli.matters.tests.test_boards_data import TODAY, board_data
from linli.web.matters.views import boards as views_boards

from .conftest import no_horizontal_overflow, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views_boards, "_today", lambda: TODAY)


def test_staff_board_on_a_phone(page: Page, shot: Any, tree: Any, staff: Any) -> None:
    data = board_data(tree)
    sign_in(page, staff)
    page.goto("/board/?period=custom&start=2025-04-01&end=2025-06-30")
    expect(page.get_by_test_id("board-title")).to_have_text("和平社区")
    expect(page.get_by_test_id("tile-on-time")).to_contain_text("60.0%")
    expect(page.get_by_test_id("tile-on-time")).to_contain_text("3/5")
    for chart in ("#chart-open", "#chart-month", "#chart-ratings"):
        expect(page.locator(f"{chart} svg")).to_have_count(1)
    expect(page.locator("#chart-open")).to_contain_text("部门")
    # The tiles stack: two a row at 390 px.
    found = [
        page.get_by_test_id(t).bounding_box() for t in ("tile-open", "tile-overdue", "tile-raised")
    ]
    boxes = [b for b in found if b is not None]
    assert len(boxes) == 3
    assert abs(boxes[0]["y"] - boxes[1]["y"]) < 2 and boxes[2]["y"] > boxes[0]["y"] + 10
    assert boxes[1]["x"] + boxes[1]["width"] <= 390
    assert no_horizontal_overflow(page)
    shot(page, "phone")

    # A quarter preset and a building, through the form.
    page.select_option("select[name=period]", "2025Q2")
    page.select_option("select[name=place]", str(tree.building2.pk))
    with page.expect_navigation():
        page.get_by_role("button", name="查看").click()
    expect(page.get_by_test_id("board-title")).to_have_text("2栋")
    expect(page.get_by_test_id("board-period")).to_contain_text("2025 年第 2 季度")
    expect(page.get_by_test_id("tile-open")).to_contain_text("3")
    rows = page.get_by_test_id("overdue-row")
    expect(rows).to_have_count(1)
    assert no_horizontal_overflow(page)
    shot(page, "building2")

    # The overdue referral leads to its matter.
    with page.expect_navigation():
        rows.first.get_by_role("link").click()
    assert page.url.endswith(f"/matters/{data.m['F'].pk}/")
