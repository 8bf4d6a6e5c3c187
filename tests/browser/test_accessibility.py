"""Accessibility (issue 12): axe-core (axe-playwright-python) over every page of the site, as
the persona who may open it, in Chinese and in English, at 390 px: no serious or critical
violation of WCAG 2.1 A/AA (tags wcag2a, wcag2aa, wcag21a, wcag21aa; GB/T 37668's level 2
follows WCAG).

In Chinese, every page: the hostile-input walk's (linli/web/tests/test_hostile_input.py,
``PAGES``: every URL name with the persona who may open it, in the world of hostile_world.py),
which its own test keeps complete; those that are not HTML pages for a GET (POST-only actions,
PDF, Excel, photos, htmx fragments) are left out by their answer. Each persona's home and the
404 page are added. In English, each persona's home and a representative set of pages
(``ENGLISH``: one or more of each area), to keep the run short.
"""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page

from tests.browser.conftest import PHONE, _close, _new_page, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Axe()
OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
# In English, a representative set (the axe run over every page takes minutes per language):
# each persona's home and one or two pages of each area; Chinese walks every page.
ENGLISH = {"login", "resident_list", "resident_detail", "points_home", "points_award",
           "points_ledger", "resident_points", "publication_index", "publication_public",
           "shop_home", "shop_redeem", "shop_order", "shop_thanks", "matter_list", "matter_new",
           "matter_detail", "meeting_detail", "rating_give", "flag_queue", "notification_list",
           "board", "activity_list", "activity_detail", "volunteer_record",
           "points_stats"}  # fmt: skip
HOMES = ["anonymous", "resident_user", "leader", "staff", "secretary", "supervisor", "handler",
         "sponsor_user"]  # fmt: skip


def _world(request: pytest.FixtureRequest) -> Any:
    from linli.web.tests.hostile_world import build_world

    names = ("secretary", "staff", "leader", "resident_user", "supervisor", "outsider")
    people = {n: request.getfixturevalue(n) for n in names}
    return build_world(request.getfixturevalue("tree"), people)


def axe_serious(page: Page) -> list[str]:
    """The page's serious and critical WCAG 2.1 A/AA violations, one line each."""
    results = AXE.run(page, options=OPTIONS)
    out = []
    for v in results.response["violations"]:
        if v.get("impact") in ("serious", "critical"):
            targets = [" ".join(map(str, n["target"])) for n in v["nodes"][:3]]
            out.append(f"{v['id']} ({v['impact']}): {targets}")
    return out


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_axe_finds_nothing_serious_on_any_page(
    request: pytest.FixtureRequest, browser: Browser, live_server: Any, language: str
) -> None:
    from linli.web.tests.test_hostile_input import PAGES

    world = _world(request)
    pages: dict[str, Page] = {}

    def page_for(persona: str) -> Page:
        if persona not in pages:
            page = _new_page(browser, live_server.url, PHONE, is_mobile=True, has_touch=True)
            page.context.add_cookies(
                [{"name": "django_language", "value": language, "url": live_server.url}]
            )
            if persona != "anonymous":
                sign_in(page, world.people[persona])
            pages[persona] = page
        return pages[persona]

    visits = [(f"home:{p}", p, "/") for p in HOMES]
    visits += [
        (name, persona, url(world))
        for name, (persona, url) in PAGES.items()
        if language != "en" or name in ENGLISH
    ]
    visits.append(("404", "anonymous", "/no-such-page/"))
    found: list[str] = []
    skipped: list[str] = []
    checked = 0
    try:
        for name, persona, url in visits:
            page = page_for(persona)
            # Ask first, through the page's own cookies, what the URL answers: navigating to an
            # empty 405 (a POST-only action) or a download leaves a chrome error navigation
            # pending that interrupts the next goto, which used to skip real pages at random.
            probe = page.request.get(url)
            kind = probe.headers.get("content-type", "")
            if probe.status not in (200, 404) or "text/html" not in kind:
                skipped.append(f"{name} {url}: {probe.status} {kind}")
                continue  # a POST-only action, a file, a redirect elsewhere
            response = page.goto(url)
            assert response is not None and response.status == probe.status, (name, url)
            if page.locator("main#main").count() == 0:
                skipped.append(f"{name} {url}: no main")
                continue  # a fragment for htmx (search results), not a page
            expected_lang = "en" if language == "en" else "zh-CN"
            assert page.locator("html").get_attribute("lang") == expected_lang, (name, url)
            checked += 1
            found += [f"{name} {url} as {persona}: {v}" for v in axe_serious(page)]
    finally:
        for page in pages.values():
            _close(page)
    print(f"axe: {checked} pages checked in {language}; left out:", *skipped, sep="\n  ")
    # The walk covers the site (most names are pages); English, the representative set.
    assert checked >= (30 if language == "en" else 85), checked
    if found:
        pytest.fail("\n".join(found), pytrace=False)
