"""What the 长辈版 browser test measures on a page, in the browser, after layout: the MIIT
适老化 numbers (工信厅信管函〔2021〕67号) for an app's elder version.

- text: every visible element with text of its own has a computed font size of at least 18 px
  and a line height of at least 1.3 times it ("normal" counts as 1.2);
- contrast: its colour against the first opaque background behind it is at least 4.5 : 1
  (a disabled control is exempt, as in WCAG);
- targets: every link, button, field, select and summary is at least 60 × 60 px (a radio or
  checkbox is measured by the label around it). Links inside a sentence are exempt (WCAG
  2.5.8's inline exception): a link that is display:inline and shares its parent with other
  text;
- the header (``header.topbar``) is at most 25 % of the viewport's height.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AUDIT_JS = (Path(__file__).parent / "elder_audit.js").read_text(encoding="utf-8")


def elder_audit(page: Page) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(AUDIT_JS)
    return result


def elder_problems(page: Page) -> list[str]:
    """Every failure on the page, one line each (empty: the page meets the numbers)."""
    found = elder_audit(page)
    problems = [f"text under 18px: {x}" for x in found["small"]]
    problems += [f"line height under 1.3: {x}" for x in found["tight"]]
    problems += [f"contrast under 4.5: {x}" for x in found["contrast"]]
    problems += [f"target under 60x60: {x}" for x in found["targets"]]
    if found["header"] > 0.25 * found["viewport"]:
        problems.append(f"header {found['header']:.0f}px > 25% of {found['viewport']}px")
    return problems
