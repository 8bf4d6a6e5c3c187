"""The award form in the browser: the points field keeps what the person typed, when she
changes the rule and after she goes back to the form; the back-and-resubmit is asked about."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from linli.people.models import Resident
from linli.points.choices import RuleCategory
from linli.points.models import Award
from linli.points.services import catalog_version_create, rule_create

from .conftest import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def rules(tree: Any, secretary: Any) -> dict[str, Any]:
    version = catalog_version_create(
        actor=secretary, community=tree.heping, decision="细则", decided_on=dt.date(2023, 1, 1)
    )
    common = {"actor": secretary, "version": version, "active_from": dt.date(2023, 1, 1)}
    return {
        # First in the menu: a fixed 20.
        "fixed": rule_create(
            **common,
            key="a_fixed",
            name="环境整治",
            category=RuleCategory.ENVIRONMENT,
            points_min=20,
        ),
        "range": rule_create(
            **common,
            key="b_range",
            name="建言献策",
            category=RuleCategory.ENVIRONMENT,
            points_min=5,
            points_max=30,
        ),
    }


def _open(page: Page, tree: Any, dzj: Resident) -> None:
    page.goto(f"/points/award/?community={tree.heping.pk}&resident={dzj.pk}")


def test_typed_points_survive_a_change_of_rule(
    page: Page, shot: Any, secretary: Any, tree: Any, resident_user: Any, rules: Any
) -> None:
    dzj = Resident.objects.get(user=resident_user)
    sign_in(page, secretary)
    _open(page, tree, dzj)
    points = page.locator("#id_points")
    expect(points).to_have_value("20")  # the fixed rule's points, in an empty field
    page.select_option("#id_rule", str(rules["range"].pk))
    expect(points).to_have_value("")  # the script's own 20 goes with its rule
    expect(points).to_have_attribute("placeholder", "5–30")
    points.fill("10")
    page.select_option("#id_rule", str(rules["fixed"].pk))
    expect(points).to_have_value("10")  # typed: never replaced by the rule's 20
    page.select_option("#id_rule", str(rules["range"].pk))
    expect(points).to_have_value("10")
    shot(page, "typed")


def test_back_and_resubmit_keeps_the_typed_value_and_asks(
    page: Page, shot: Any, secretary: Any, tree: Any, resident_user: Any, rules: Any
) -> None:
    dzj = Resident.objects.get(user=resident_user)
    sign_in(page, secretary)
    _open(page, tree, dzj)
    page.select_option("#id_rule", str(rules["range"].pk))
    page.fill("#id_points", "10")
    with page.expect_navigation():
        page.click("button[type=submit]")
    expect(page.locator(".messages")).to_have_text("已为 代正菊 加 10 分。")
    page.go_back()
    expect(page.locator("#id_rule")).to_have_value(str(rules["range"].pk))
    expect(page.locator("#id_points")).to_have_value("10")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert Award.objects.filter(resident=dzj).count() == 1
    expect(page.get_by_role("alert")).to_contain_text("10 分钟内你已为 代正菊 加过 10 分")
    expect(page.locator("#id_points")).to_have_value("10")
    shot(page, "asked")
    page.get_by_test_id("confirm-repeat").check()
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert sorted(Award.objects.filter(resident=dzj).values_list("points", flat=True)) == [10, 10]
