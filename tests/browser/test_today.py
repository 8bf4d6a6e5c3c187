"""Each persona's day starts on home: 今天要办 first, at 390 px, in Chinese and in English,
on the Heping demo (``load_heping``, the data `make demo` shows). Every persona signs in
through the real form, sees her items, and taps the first one through to its action page.

Screenshots go to artifacts/screens/today/<persona>-<language>-home.png and -action.png.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from linli.demo.cycle import SPONSOR_USERS
from linli.demo.heping import load_heping
from linli.demo.plan import NAMED, PASSWORD
from linli.people.models import User

from .conftest import no_horizontal_overflow, sign_in

SCREENS = Path(__file__).resolve().parents[2] / "artifacts" / "screens" / "today"

# The demo's sign-ins for each persona of issue 12's 今天要办 (see linli/demo/plan.py).
PERSONAS = {
    "secretary": "secretary",
    "building_leader": "building_leader",
    "resident": "volunteer",
    "sponsor": "barber",  # 建华理发店: service vouchers wait for him (王桂兰 sells goods)
    "department": "department",
    "supervisor": "supervisor",
}
TODAY_TITLE = {"zh": "今天要办", "en": "To do today"}


def _user(key: str) -> User:
    named = {n.key: n for n in [*NAMED, *SPONSOR_USERS]}
    return User.objects.get(phone=named[key].phone)


def _shot(page: Page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


def _sign_out(page: Page) -> None:
    with page.expect_navigation():
        page.locator("form[action$='/logout/'] button").click()


def _day(page: Page, persona: str, user: User, lang: str) -> dict[str, Any]:
    sign_in(page, user, PASSWORD)
    if lang == "en" and page.locator("html").get_attribute("lang") != "en":
        with page.expect_navigation():
            page.get_by_role("button", name="English").click()
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == ("en" if lang == "en" else "zh-CN")
    today = page.get_by_test_id("today")
    assert today.get_by_role("heading").inner_text() == TODAY_TITLE[lang]
    # 今天要办 comes first: the first card on the page.
    assert page.locator("main section.card").first.get_attribute("data-testid") == "today"
    items = today.locator("a.today-item")
    assert items.count() > 0, f"{persona} has nothing to do on the demo"
    kinds = [
        k
        for k in today.locator("li[data-kind]").evaluate_all("els => els.map(e => e.dataset.kind)")
    ]
    if lang == "en":
        # The sentences are the system's (English); a meeting's title is the staff's own.
        sentences = today.locator(".today-text").all_inner_texts()
        system = [
            t.split(":", 1)[0] if kind == "matters.next_meeting" else t
            for kind, t in zip(kinds, sentences, strict=True)
        ]
        assert not any("\u4e00" <= ch <= "\u9fff" for t in system for ch in t), system
    assert no_horizontal_overflow(page), f"{persona} home overflows at 390 px"
    # The menu's badge carries the count once home has been seen.
    assert page.get_by_test_id("today-badge").count() == 1
    _shot(page, f"{persona}-{lang}-home")
    first = items.first
    href = first.get_attribute("href")
    assert href
    with page.expect_navigation() as nav:
        first.click()
    response = nav.value
    assert response is not None and response.status == 200, (persona, href)
    assert page.url.endswith(href), (page.url, href)
    assert no_horizontal_overflow(page), f"{persona}'s action page {href} overflows"
    _shot(page, f"{persona}-{lang}-action")
    _sign_out(page)
    return {"kinds": kinds, "href": href}


@pytest.mark.django_db(transaction=True)
def test_each_persona_opens_home_and_taps_today(page: Page) -> None:
    load_heping()
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for lang in ("zh", "en"):
        for persona, key in PERSONAS.items():
            seen[(persona, lang)] = _day(page, persona, _user(key), lang)
    # The same items in both languages.
    for persona in PERSONAS:
        assert seen[(persona, "zh")]["kinds"] == seen[(persona, "en")]["kinds"], persona
