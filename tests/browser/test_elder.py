"""长辈版 in the browser (issue 12): at 390 × 844, over the pages a visitor, a resident and a
secretary use, the text, line spacing, contrast, touch targets and header meet the MIIT
适老化 numbers (see elder_audit.py for what is measured and how)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from linli.people.models import Resident
from tests.browser.conftest import sign_in
from tests.browser.elder_audit import elder_audit, elder_problems

pytestmark = pytest.mark.django_db(transaction=True)


def _pages(persona: str, dzj: Resident | None) -> list[str]:
    if persona == "visitor":
        return ["/", "/login/", reverse("web:publication_index"), "/no-such-page/"]
    if persona == "resident_user":
        assert dzj is not None
        return [
            "/",
            reverse("web:matter_list"),
            reverse("web:matter_new"),
            reverse("web:shop_home"),
            reverse("web:activity_list"),
            reverse("web:resident_points", args=[dzj.pk]),
            reverse("web:notification_list"),
        ]
    return [
        "/",
        reverse("web:resident_list"),
        reverse("web:points_home"),
        reverse("web:matter_list"),
    ]


def _elder(page: Page, base_url: str) -> None:
    page.context.add_cookies([{"name": "linli_elder", "value": "1", "url": base_url}])


@pytest.mark.parametrize("persona", ["visitor", "resident_user", "secretary"])
def test_elder_version_meets_the_miit_numbers(
    request: Any,
    page: Page,
    shot: Any,
    live_server: Any,
    tree: Any,
    resident_user: Any,
    persona: str,
) -> None:
    dzj = Resident.objects.get(user=resident_user)
    if persona != "visitor":
        sign_in(page, request.getfixturevalue(persona))
    _elder(page, live_server.url)
    problems: dict[str, list[str]] = {}
    for n, url in enumerate(_pages(persona, dzj)):
        page.goto(url)
        expect(page.locator("html")).to_have_class("elder")
        found = elder_problems(page)
        if found:
            problems[url] = found
        shot(page, f"{n}")
    if problems:
        pytest.fail(
            "\n".join(f"{url}: {p}" for url, found in problems.items() for p in found),
            pytrace=False,
        )


def test_elder_toggle_is_named_the_elder_version(page: Page, live_server: Any) -> None:
    page.goto("/login/")
    toggle = page.get_by_test_id("elder-toggle")
    expect(toggle).to_have_text("长辈版")
    before = elder_audit(page)
    toggle.click()
    expect(page.locator("html")).to_have_class("elder")
    after = elder_audit(page)
    # The standard pages have smaller text than 长辈版 allows: the audit can tell them apart.
    assert before["small"] and not after["small"]
