"""好差评 and 办不成事 on a phone (390×844): the raiser taps one of five large choices and
rates; a neighbour flags a stuck matter; the street's supervisor answers it from the queue.
Screenshots are artefacts."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from linli.matters.models import Flag, FlagState, Rating, Rectification
from linli.matters.tests.test_ratings_support import (  # noqa: F401 - fixtures
    done_by_leader,
    fixture_neighbour_user,
    raise_lamp,
)

from .conftest import no_horizontal_overflow, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_raiser_rates_on_a_phone(
    page: Page, shot: Any, tree: Any, resident_user: Any, leader: Any
) -> None:
    m = done_by_leader(raise_lamp(tree, resident_user), leader)
    sign_in(page, resident_user)
    page.goto(f"/matters/{m.pk}/")
    form = page.get_by_test_id("rating-form")
    expect(form).to_be_visible()
    choices = form.locator("label:has(input[name=level])")
    expect(choices).to_have_count(5)
    # Large tap targets: each choice at least 44 px high and most of the card wide.
    for i in range(5):
        box = choices.nth(i).bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= 250, box
    assert no_horizontal_overflow(page)
    shot(page, "form")
    choices.filter(has_text="不满意").first.click()  # 不满意 (not 非常不满意)
    form.locator("textarea").fill("灯还是一闪一闪的")
    page.get_by_test_id("rating-submit").click()
    expect(page.locator(".msg").first).to_contain_text("谢谢您的评价")
    expect(page.get_by_test_id("rating-form")).to_have_count(0)
    due = Rectification.objects.get().due_on.strftime("%Y-%m-%d")
    expect(page.get_by_test_id("rect-due")).to_have_text(due)
    assert Rating.objects.get().level == 2
    assert no_horizontal_overflow(page)
    shot(page, "rated")


def test_neighbour_flags_and_supervisor_answers(
    page: Page,
    shot: Any,
    tree: Any,
    resident_user: Any,
    neighbour_user: Any,
    supervisor: Any,
) -> None:
    m = raise_lamp(tree, resident_user)
    sign_in(page, neighbour_user)
    page.goto(f"/matters/{m.pk}/")
    page.get_by_test_id("flag-button").click()
    page.locator("textarea[name=text]").fill("反映两个月了，楼道还是黑的，没人来修")
    assert no_horizontal_overflow(page)
    shot(page, "flag-form")
    page.get_by_role("button", name="提交反映").click()
    expect(page.locator(".msg").first).to_contain_text("督办")
    flag = Flag.objects.get()
    page.context.clear_cookies()
    sign_in(page, supervisor)
    page.goto("/flags/")
    item = page.get_by_test_id(f"queue-{flag.pk}")
    expect(item).to_contain_text("反映两个月了")
    expect(item.get_by_test_id("timeline-link")).to_have_attribute("href", f"/matters/{m.pk}/")
    assert no_horizontal_overflow(page)
    shot(page, "queue")
    item.locator("textarea").fill("已督促社区三天内修好")
    item.get_by_role("button", name="答复").click()
    expect(page.get_by_test_id("no-flags")).to_be_visible()
    flag.refresh_from_db()
    assert flag.state == FlagState.ANSWERED
    shot(page, "answered")
