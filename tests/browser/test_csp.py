"""The Content-Security-Policy in a real browser: the pages with the most script (the map and
"use my location", the award form with its htmx search, the charts' tooltips, Django's admin)
work under it and report no violation (the fixtures in conftest.py fail any test whose pages
report one; test_boards.py and test_stats_browser.py draw the charts the same way).
Screenshots are artefacts."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from linli.matters.services import matter_raise
from linli.matters.tests.test_boards_data import TODAY, board_data
from linli.people.models import Resident
from linli.points.choices import RuleCategory
from linli.points.services import catalog_version_create, rule_create
from linli.web.matters.views import boards as views_boards

from .conftest import PHONE, _close, _new_page, csp_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HERE = {"latitude": 30.3101, "longitude": 112.2563}


def _tile() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (256, 256), (230, 236, 240)).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def located_page(browser: Browser, live_server: Any) -> Any:
    """A phone that may share its location, with the map's tile host answering locally."""
    page = _new_page(
        browser,
        live_server.url,
        PHONE,
        is_mobile=True,
        has_touch=True,
        geolocation=HERE,
        permissions=["geolocation"],
    )
    tile = _tile()
    page.context.route(
        "https://tile.openstreetmap.org/**",
        lambda route: route.fulfill(body=tile, content_type="image/png"),
    )
    yield page
    _close(page)


def test_the_map_and_use_my_location_work_under_the_policy(
    located_page: Page, shot: Any, tree: Any, resident_user: Any
) -> None:
    page = located_page
    sign_in(page, resident_user)
    response = page.goto("/matters/new/")
    assert response is not None
    assert "geolocation=(self)" in response.headers["permissions-policy"]
    page.get_by_test_id("location").locator("summary").click()
    expect(page.locator(".leaflet-container")).to_have_count(1)
    # Tiles come from the allowed host (served here by the route above).
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.leaflet-tile')]"
        ".some(i => i.complete && i.naturalWidth === 256)"
    )
    page.locator("#use-my-location").click()
    expect(page.locator("#latitude")).to_have_value("30.310100")
    expect(page.locator("#longitude")).to_have_value("112.256300")
    expect(page.locator(".leaflet-marker-icon")).to_have_count(1)
    shot(page, "map")
    assert csp_violations(page) == []

    # The matter's own page shows the map, but location is off there, whatever the browser
    # would allow.
    matter = matter_raise(
        actor=resident_user,
        place=tree.building1,
        kind="problem",
        title="路灯不亮",
        latitude=Decimal("30.3101"),
        longitude=Decimal("112.2563"),
    )
    page.goto(f"/matters/{matter.pk}/")
    expect(page.locator(".leaflet-container")).to_have_count(1)
    code = page.evaluate(
        """() => new Promise(done => navigator.geolocation.getCurrentPosition(
             () => done(0), e => done(e.code)))"""
    )
    assert code == 1  # PERMISSION_DENIED by the Permissions-Policy


def test_the_award_form_and_its_search_work_under_the_policy(
    page: Page, shot: Any, tree: Any, staff: Any, secretary: Any, resident_user: Any
) -> None:
    version = catalog_version_create(
        actor=secretary,
        community=tree.heping,
        decision="居民代表会议通过",
        decided_on=dt.date(2023, 1, 10),
    )
    for key, name, low, high in (("patrol", "义务巡逻", 10, None), ("idea", "建言献策", 5, 20)):
        rule_create(
            actor=secretary,
            version=version,
            key=key,
            name=name,
            category=RuleCategory.VOLUNTEER,
            points_min=low,
            points_max=high,
            active_from=dt.date(2023, 1, 1),
        )
    dzj = Resident.objects.get(user=resident_user)
    sign_in(page, staff)
    # The htmx search (no eval, no injected style): typing initials lists the resident.
    page.goto(f"/points/award/?community={tree.heping.pk}")
    page.locator("#q").fill("dzj")
    expect(page.locator("#search-results")).to_contain_text(dzj.name)
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    with page.expect_navigation():
        page.locator("#search-results a").first.click()
    expect(page.get_by_test_id("chosen")).to_have_text(dzj.name)
    # award.js: a fixed rule fills its points, a range only shows as the placeholder.
    page.select_option("#id_rule", label="义务巡逻（10 分）")
    expect(page.locator("#id_points")).to_have_value("10")
    page.select_option("#id_rule", label="建言献策（5–20 分）")
    expect(page.locator("#id_points")).to_have_value("")
    expect(page.locator("#id_points")).to_have_attribute("placeholder", "5–20")
    shot(page, "award")


def test_the_admin_works_under_the_policy(
    desktop_page: Page, shot: Any, django_user_model: Any, resident_user: Any
) -> None:
    page = desktop_page
    admin = django_user_model.objects.create_superuser(
        "13800000099", "linli-test-pass-1", name="管理员"
    )
    page.goto("/admin/login/")
    page.fill("#id_username", admin.phone)
    page.fill("#id_password", "linli-test-pass-1")
    with page.expect_navigation():
        page.click("input[type=submit]")
    expect(page.locator("#site-name")).to_be_visible()
    page.goto("/admin/people/user/")
    expect(page.locator("#result_list")).to_contain_text(resident_user.phone)
    page.goto(f"/admin/people/user/{resident_user.pk}/change/")
    expect(page.locator("#content h1, #content h2").first).to_be_visible()
    shot(page, "admin")


def test_chart_tooltips_work_under_the_policy(
    desktop_page: Page, shot: Any, tree: Any, staff: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ECharts' HTML tooltip writes style attributes, which the policy refuses; the charts use
    its SVG (richText) tooltip instead."""
    monkeypatch.setattr(views_boards, "_today", lambda: TODAY)
    board_data(tree)
    page = desktop_page
    sign_in(page, staff)
    page.goto("/board/?period=custom&start=2025-04-01&end=2025-06-30")
    chart = page.locator("#chart-month")
    expect(chart.locator("svg")).to_have_count(1)
    count = "document.getElementById('chart-month').textContent.split('2025 年 6 月').length"
    before = page.evaluate(count)
    box = chart.bounding_box()
    assert box is not None
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.9, box["y"] + box["height"] * 0.6)
    page.wait_for_function(f"() => {count} > {before}")
    shot(page, "tooltip")
    assert csp_violations(page) == []
