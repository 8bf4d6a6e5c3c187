"""The yearly figures page on a phone (390 px): both ECharts charts draw, nothing overflows
sideways, and the tables carry the same figures. Screenshots are artefacts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from linli.core.quarters import CHINA
from linli.people.models import Resident
from linli.points.choices import RuleCategory
from linli.points.services import catalog_version_create, points_award, rule_create

from .conftest import no_horizontal_overflow, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def awarded_2023(tree: Any, secretary: Any, resident_user: Any) -> None:
    version = catalog_version_create(
        actor=secretary, community=tree.heping, decision="细则", decided_on=dt.date(2023, 1, 1)
    )
    dai = Resident.objects.get(user=resident_user)
    for n, (key, name, category) in enumerate(
        [
            ("patrol", "义务巡逻", RuleCategory.VOLUNTEER),
            ("clean", "环境整治", RuleCategory.ENVIRONMENT),
            ("idea", "建言献策", RuleCategory.SUGGESTION),
        ]
    ):
        rule = rule_create(
            actor=secretary,
            version=version,
            key=key,
            name=name,
            category=category,
            points_min=1,
            points_max=100,
            active_from=dt.date(2023, 1, 1),
        )
        points_award(
            actor=secretary,
            resident=dai,
            rule=rule,
            points=10 * (n + 1),
            idempotency_key=f"browser-stats-{n}",
            occurred_at=dt.datetime(2023, 3 * n + 2, 10, 10, 0, tzinfo=CHINA),
        )


def test_stats_page_on_a_phone(
    page: Page, shot: Any, staff: Any, tree: Any, awarded_2023: Any
) -> None:
    sign_in(page, staff)
    page.goto(f"/points/stats/?community={tree.heping.pk}&year=2023")
    expect(page.get_by_test_id("stats-headline")).to_contain_text(
        "2023 年，和平社区 0 人参与积分兑换，累计兑换积分 0 分。"
    )
    expect(page.locator("#chart-category svg")).to_have_count(1)
    expect(page.locator("#chart-month svg")).to_have_count(1)
    expect(page.locator("#chart-category")).to_contain_text("环境整治")
    assert page.evaluate("document.getElementById('chart-category').clientWidth") <= 390
    assert no_horizontal_overflow(page)
    shot(page, "phone")
