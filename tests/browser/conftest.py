"""Browser fixtures: Playwright's sync API driving Debian's chromium against live_server.

Playwright's own browser download is unreachable here, so the tests use /usr/bin/chromium
(installed by scripts/system-deps.sh, which `make test` runs). A missing chromium is a
failure, never a skip. Screenshots go to artifacts/screenshots/<test-name>[-<step>].png.

Every page the tests open reports Content-Security-Policy violations (the browser's
``securitypolicyviolation`` event and its console message); a test whose pages caused any
fails at teardown, so each browser test also checks that the policy lets its pages work.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the main thread; Django's ORM (used by the
# fixtures in the same thread) would otherwise refuse to run "inside an async context".
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Browser, Page, Playwright, ViewportSize, sync_playwright

PASSWORD = "linli-test-pass-1"  # the personas' password (see the root conftest.py)

CHROMIUM = Path(os.environ.get("LINLI_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's chromium. "
            "Install it with `sudo scripts/system-deps.sh` (or `make test`, which runs it).",
            pytrace=False,
        )
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=[
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-gpu",
        ],
    )
    yield browser
    browser.close()


CSP_WATCH = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.__linliCspViolation([e.violatedDirective, e.blockedURI || "inline",
    (e.sourceFile || location.pathname) + ":" + e.lineNumber, e.sample || ""].join(" "));
});
"""
_VIOLATIONS: dict[int, list[str]] = {}


def csp_violations(page: Page) -> list[str]:
    """The policy violations reported so far by the pages of ``page``'s context."""
    page.evaluate("1")  # let pending reports reach Python
    return _VIOLATIONS.get(id(page.context), [])


def _new_page(browser: Browser, base_url: str, viewport: ViewportSize, **kw: Any) -> Page:
    context = browser.new_context(
        base_url=base_url, viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai", **kw
    )
    context.set_default_timeout(10_000)
    violations = _VIOLATIONS.setdefault(id(context), [])
    context.expose_function("__linliCspViolation", lambda text: violations.append(text))
    context.add_init_script(CSP_WATCH)
    context.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return context.new_page()


def _close(page: Page) -> None:
    """Close the page's context; fail if any of its pages broke the policy."""
    try:
        found = list(csp_violations(page))
    finally:
        _VIOLATIONS.pop(id(page.context), None)
        page.context.close()
    assert found == [], f"Content-Security-Policy violations: {found}"


@pytest.fixture
def page(browser: Browser, live_server: Any) -> Iterator[Page]:
    """A phone-sized page (390×844, touch) on the live server, Chinese by default."""
    page = _new_page(browser, live_server.url, PHONE, is_mobile=True, has_touch=True)
    yield page
    _close(page)


@pytest.fixture
def desktop_page(browser: Browser, live_server: Any) -> Iterator[Page]:
    page = _new_page(browser, live_server.url, DESKTOP)
    yield page
    _close(page)


@pytest.fixture
def shot(request: pytest.FixtureRequest):
    """shot(page, "step") saves artifacts/screenshots/<test-name>-step.png (full page)."""
    name = re.sub(r"[^\w.-]+", "_", request.node.name)

    def take(page: Page, step: str = "") -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / (f"{name}-{step}.png" if step else f"{name}.png")
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def sign_in(page: Page, user: Any, password: str = PASSWORD) -> None:
    """Sign in through the real form as a persona (a User with a phone) and wait for the
    page after it (home, or ?next=)."""
    page.goto("/login/")
    page.fill("#id_username", user.phone)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "/login/" not in page.url, f"sign-in as {user.phone} failed: still on {page.url}"


def no_horizontal_overflow(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))
