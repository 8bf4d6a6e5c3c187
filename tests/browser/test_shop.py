"""The shop on a phone (390×844): a resident signs in, sees the open window and the rewards,
redeems a service through the confirm step and sees the voucher code and its QR; then the
sponsor confirms it. Screenshots are artefacts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from linli.points.choices import OrderStatus
from linli.points.models import Order
from linli.points.tests.shop_fixtures import *  # noqa: F403 - fixtures
from linli.web.tests.conftest import dzj, version  # noqa: F401 - fixtures

from .conftest import no_horizontal_overflow, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resident_redeems_on_a_phone(
    page: Page,
    shot: Any,
    resident_user: Any,
    rich_dzj: Any,
    window: Any,
    masks: Any,
    haircut: Any,
    browser: Any,
    live_server: Any,
    sponsor_user: Any,
) -> None:
    sign_in(page, resident_user)
    page.goto("/shop/")
    expect(page.locator("h1")).to_contain_text("积分超市")
    expect(page.get_by_test_id("balance")).to_have_text("180")
    expect(page.get_by_test_id("window")).to_contain_text("兑换期开放中")
    expect(page.get_by_test_id("reward")).to_have_count(2)
    assert no_horizontal_overflow(page)
    shot(page, "shop")

    page.get_by_test_id("reward").filter(has_text="理发").get_by_role("link", name="兑换").click()
    expect(page.get_by_test_id("reward-name")).to_have_text("理发")
    assert no_horizontal_overflow(page)
    shot(page, "confirm")
    page.get_by_role("button", name="确认兑换").click()

    code = page.get_by_test_id("voucher-code")
    expect(code).to_have_text(re.compile(r"^[A-Z0-9]{8}$"))
    expect(page.locator(".voucher svg")).to_be_visible()
    expect(page.get_by_test_id("status")).to_have_text("待服务")
    assert no_horizontal_overflow(page)
    shot(page, "voucher")
    voucher = code.inner_text()

    page.goto("/shop/")
    expect(page.get_by_test_id("balance")).to_have_text("150")
    page.goto("/shop/orders/")
    expect(page.get_by_test_id("order")).to_have_count(1)
    shot(page, "my-orders")

    # The sponsor scans the QR (the code filled in) and confirms on its own phone.
    sponsor = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="zh-CN"
    ).new_page()
    sign_in(sponsor, sponsor_user)
    sponsor.goto(f"/shop/sponsor/?code={voucher}")
    expect(sponsor.get_by_test_id("found")).to_contain_text("代正菊")
    sponsor.get_by_role("button", name="服务已完成，确认").click()
    expect(sponsor.get_by_test_id("confirmed")).to_contain_text(voucher)
    shot(sponsor, "sponsor-confirmed")
    sponsor.context.close()
    assert Order.objects.get(voucher_code=voucher).status == OrderStatus.CONFIRMED
