"""Scanning the organiser's QR code on a phone (390×844): the team leader's screen shows the
code (an inline SVG that htmx refreshes), the resident opens the code's URL signed in and
gets a big clear result; an expired code gets a big clear refusal. Then the leader closes
the patrol and the points arrive. Screenshots are artefacts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from linli.activities.models import Attendance
from linli.activities.services import activity_publish, signup_create
from linli.activities.tests import conftest as activity_fixtures
from linli.activities.tokens import make_token
from linli.people.models import Resident
from linli.points.selectors import resident_balance
from linli.points.tests import conftest as points_fixtures

from .conftest import no_horizontal_overflow, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

team = activity_fixtures.team
team_leader = activity_fixtures.team_leader
version = points_fixtures.version
patrol_rule = points_fixtures.patrol_rule


@pytest.fixture
def tonight(tree: Any, team: Any, team_leader: Any, patrol_rule: Any, resident_user: Any) -> Any:
    """A patrol that started ten minutes ago; 代正菊 signed up yesterday."""
    now = timezone.now()
    patrol = activity_publish(
        actor=team_leader,
        community=tree.heping,
        place=tree.compound1,
        team=team,
        title="周二夜间巡逻",
        starts_at=now - dt.timedelta(minutes=10),
        ends_at=now + dt.timedelta(minutes=110),
        capacity=12,
        rule=patrol_rule,
        now=now - dt.timedelta(days=2),
    )
    signup_create(actor=resident_user, activity=patrol, now=now - dt.timedelta(days=1))
    return patrol


def test_resident_scans_the_rotating_code_on_a_phone(
    page: Page,
    desktop_page: Page,
    shot: Any,
    tonight: Any,
    team_leader: Any,
    resident_user: Any,
    live_server: Any,
) -> None:
    # The leader's screen, on a tablet-sized browser: the code and the list.
    organiser = desktop_page
    sign_in(organiser, team_leader)
    organiser.goto(f"/activities/{tonight.pk}/organise/?d=in")
    qr = organiser.get_by_test_id("qr")
    expect(qr.locator("svg")).to_be_visible()
    expect(qr).to_contain_text("扫码签到")
    url = qr.get_attribute("data-url")
    assert url and url.startswith(live_server.url) and f"/activities/{tonight.pk}/scan/in/" in url
    shot(organiser, "organiser")

    # The resident's phone opens the code's URL (what the camera does), signed in.
    sign_in(page, resident_user)
    page.goto(url)
    result = page.get_by_test_id("scan-result")
    expect(result).to_have_attribute("data-ok", "1")
    expect(result).to_contain_text("签到成功")
    expect(result).to_contain_text("周二夜间巡逻")
    assert no_horizontal_overflow(page)
    big = page.locator(".scan-result .big")
    assert float(big.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 32
    shot(page, "signed-in")
    dzj = Resident.objects.get(user=resident_user)
    row = Attendance.objects.get(activity=tonight, resident=dzj)
    assert not row.in_manual and row.signed_out_at is None

    # Opening the same code again: a clear refusal, nothing changes.
    page.goto(url)
    expect(page.get_by_test_id("scan-result")).to_have_attribute("data-ok", "0")
    expect(page.get_by_test_id("scan-error")).to_contain_text("已经签到过了")

    # A code photographed three minutes ago has expired.
    old = make_token(tonight.pk, "out", timezone.now() - dt.timedelta(minutes=3))
    page.goto(f"/activities/{tonight.pk}/scan/out/{old}/")
    expect(page.get_by_test_id("scan-error")).to_contain_text("过期")
    assert no_horizontal_overflow(page)
    shot(page, "expired")

    # The leader's list shows her signed in; the sign-out code; the leader signs her out
    # and closes (she was there under 60 % of the patrol: hours and points do not count).
    organiser.reload()
    expect(organiser.get_by_test_id(f"row-{dzj.pk}")).to_contain_text("签到")
    organiser.get_by_test_id("dir-out").click()
    expect(organiser.get_by_test_id("qr")).to_contain_text("扫码签退")
    out_url = organiser.get_by_test_id("qr").get_attribute("data-url")
    assert out_url and "/scan/out/" in out_url
    page.goto(out_url)
    expect(page.get_by_test_id("scan-result")).to_contain_text("签退成功")
    shot(page, "signed-out")
    organiser.once("dialog", lambda d: d.accept())
    organiser.get_by_test_id("close").click()
    expect(organiser.locator(".messages")).to_contain_text("活动已结束")
    tonight.refresh_from_db()
    assert tonight.status == "closed"
    assert resident_balance(dzj) == 0  # ten minutes of a two-hour patrol


def test_pages_fit_a_phone(
    page: Page,
    shot: Any,
    tree: Any,
    tonight: Any,
    team_leader: Any,
    resident_user: Any,
    staff: Any,
) -> None:
    """The resident's list, the activity, her record; the leader's screen; staff's hours —
    all at 390 px without sideways scrolling."""
    from linli.activities.services import hours_add

    dzj = Resident.objects.get(user=resident_user)
    hours_add(
        actor=staff,
        resident=dzj,
        served_on=timezone.localdate() - dt.timedelta(days=30),
        title="春节慰问独居老人（上门陪伴、打扫卫生）",
        half_hours=5,
        evidence_note="纸质签到表（社区档案第 3 页）",
    )
    sign_in(page, resident_user)
    for path, step in (
        ("/activities/", "list"),
        (f"/activities/{tonight.pk}/", "detail"),
        ("/volunteer/", "record"),
    ):
        page.goto(path)
        assert no_horizontal_overflow(page), path
        shot(page, step)
    expect(page.get_by_test_id("total-hours")).to_have_text("2.5")
    expect(page.get_by_test_id("certificate")).to_be_visible()
    page.context.clear_cookies()
    sign_in(page, team_leader)
    page.goto(f"/activities/{tonight.pk}/organise/")
    expect(page.get_by_test_id("qr").locator("svg")).to_be_visible()
    box = page.get_by_test_id("qr").locator("svg").bounding_box()
    assert box and box["width"] >= 250  # big enough to scan from a step away
    assert no_horizontal_overflow(page)
    shot(page, "organiser-phone")
    page.context.clear_cookies()
    sign_in(page, staff)
    page.goto("/volunteer/hours/")
    expect(page.get_by_test_id("hours")).to_contain_text("代正菊")
    assert no_horizontal_overflow(page)
    shot(page, "staff-hours")
