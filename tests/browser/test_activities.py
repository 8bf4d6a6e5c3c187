"""Scanning the organiser's QR code on a phone (390×844): the team leader's screen shows the
code (an inline SVG that htmx refreshes), the resident opens the code's URL signed in, sees
a big confirmation page and taps its one button, then gets a big clear result; an expired
code gets a big clear refusal. Then the leader closes the patrol and the points arrive.
Where the patrol asks for the phone's position: near the gate signs in, from home (1.1 km
away) is refused with the distance, a phone that gives no position is told to allow it.
Screenshots are artefacts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Geolocation, Page, expect

from linli.activities.models import Attendance
from linli.activities.services import activity_checkin_set, activity_publish, signup_create
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

    # The resident's phone opens the code's URL (what the camera does), signed in: a
    # confirmation page, nothing signed yet.
    sign_in(page, resident_user)
    page.goto(url)
    confirm = page.get_by_test_id("scan-confirm")
    expect(confirm).to_contain_text("周二夜间巡逻")
    expect(confirm).to_contain_text("扫码签到")
    button = page.get_by_test_id("scan-button")
    expect(button).to_have_text("签到")
    assert no_horizontal_overflow(page)
    assert float(button.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 28
    box = button.bounding_box()
    assert box and box["height"] >= 64 and box["width"] >= 300  # a big target
    shot(page, "confirm")
    dzj = Resident.objects.get(user=resident_user)
    assert not Attendance.objects.filter(activity=tonight).exists()

    # The tap: the result.
    with page.expect_navigation(url=f"**/activities/{tonight.pk}/scan/in/done/"):
        button.click()
    result = page.get_by_test_id("scan-result")
    expect(result).to_have_attribute("data-ok", "1")
    expect(result).to_contain_text("签到成功")
    expect(result).to_contain_text("周二夜间巡逻")
    assert no_horizontal_overflow(page)
    big = page.locator(".scan-result .big")
    assert float(big.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 32
    shot(page, "signed-in")
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
    expect(page.get_by_test_id("scan-button")).to_have_text("签退")
    with page.expect_navigation(url="**/scan/out/done/"):
        page.get_by_test_id("scan-button").click()
    expect(page.get_by_test_id("scan-result")).to_contain_text("签退成功")
    shot(page, "signed-out")
    organiser.once("dialog", lambda d: d.accept())
    organiser.get_by_test_id("close").click()
    expect(organiser.locator(".messages")).to_contain_text("活动已结束")
    tonight.refresh_from_db()
    assert tonight.status == "closed"
    assert resident_balance(dzj) == 0  # ten minutes of a two-hour patrol


def gate(accuracy: float) -> Geolocation:
    """和平新村's east gate, where the patrol gathers (the map's centre)."""
    return {"latitude": 30.3095, "longitude": 112.2570, "accuracy": accuracy}


def _scan_url(activity: Any) -> str:
    token = make_token(activity.pk, "in", timezone.now())
    return f"/activities/{activity.pk}/scan/in/{token}/"


def test_scanning_where_the_patrol_asks_for_the_phone_position(
    page: Page, shot: Any, tonight: Any, team_leader: Any, resident_user: Any, tree: Any
) -> None:
    activity_checkin_set(
        actor=team_leader, activity=tonight, lat="30.3095", lng="112.2570", radius_m=200
    )
    dzj = Resident.objects.get(user=resident_user)
    sign_in(page, resident_user)

    # A phone that gives no position (location refused): told clearly what to do.
    page.goto(_scan_url(tonight))
    expect(page.get_by_test_id("scan-where")).to_contain_text("200 米内")
    with page.expect_navigation():
        page.get_by_test_id("scan-button").click()
    expect(page.get_by_test_id("scan-error")).to_contain_text("请允许定位")
    assert no_horizontal_overflow(page)
    shot(page, "no-position")

    # From home, 1.1 km north of the gate (a forwarded screenshot): refused with the distance.
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 30.3195, "longitude": 112.2570, "accuracy": 15})
    page.goto(_scan_url(tonight))
    with page.expect_navigation():
        page.get_by_test_id("scan-button").click()
    expect(page.get_by_test_id("scan-error")).to_have_text(
        "您距离活动地点约 1.1 公里，需在 200 米内签到"
    )
    assert no_horizontal_overflow(page)
    shot(page, "far")
    assert not Attendance.objects.filter(activity=tonight).exists()

    # At the gate: the same button signs her in.
    page.context.set_geolocation(gate(10))
    with page.expect_navigation(url=f"**/activities/{tonight.pk}/scan/in/done/"):
        page.get_by_test_id("scan-button").click()
    expect(page.get_by_test_id("scan-result")).to_have_attribute("data-ok", "1")
    shot(page, "near")
    assert Attendance.objects.filter(activity=tonight, resident=dzj).exists()


def test_organiser_marks_the_gate_on_the_map(
    page: Page, shot: Any, tonight: Any, team_leader: Any, settings: Any
) -> None:
    """The organiser's screen: "use my location" at the gate, a radius, saved."""
    settings.LINLI_MAP_TILE_URL = "/static/no-tiles/{z}/{x}/{y}.png"  # no tile server here
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation(gate(8))
    sign_in(page, team_leader)
    page.goto(f"/activities/{tonight.pk}/organise/")
    expect(page.get_by_test_id("checkin-status")).to_contain_text("不要求定位")
    page.get_by_test_id("checkin-settings").locator("summary").click()
    page.wait_for_function("() => !!document.querySelector('[data-map-picker].leaflet-container')")
    page.get_by_label("要求在活动地点附近扫码（防止转发二维码代签）").check()
    page.get_by_role("button", name="用我现在的位置").click()
    expect(page.locator("#id_checkin_lat")).to_have_value("30.309500")
    expect(page.locator("#id_checkin_lng")).to_have_value("112.257000")
    page.locator("#id_checkin_radius_m").fill("150")
    expect(page.locator("path.leaflet-interactive")).to_have_count(1)  # the circle
    # Once the zoom to the point has settled, the circle (150 m) fits inside the map.
    page.wait_for_function(
        """() => {
          const c = document.querySelector("path.leaflet-interactive").getBoundingClientRect();
          const m = document.querySelector("[data-map-picker]").getBoundingClientRect();
          return c.width > 20 && c.left >= m.left && c.right <= m.right;
        }"""
    )
    assert no_horizontal_overflow(page)
    shot(page, "map")
    with page.expect_navigation():
        page.get_by_test_id("checkin-save").click()
    expect(page.get_by_test_id("checkin-status")).to_contain_text("150 米内")
    tonight.refresh_from_db()
    assert (str(tonight.checkin_lat), tonight.checkin_radius_m) == ("30.309500", 150)


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
