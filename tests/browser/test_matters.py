"""Raising a matter on a phone (390×844): the similar open matter is offered while typing,
a camera photo is attached, and the matter's page shows its age and level. Then the building
leader settles it. Screenshots are artefacts."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import unquote

import pytest
from PIL import Image
from playwright.sync_api import FilePayload, Page, expect

from linli.matters.models import Matter
from linli.matters.services import matter_raise

from .conftest import no_horizontal_overflow, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (180, 60, 60)).save(buf, format="JPEG")
    return buf.getvalue()


def test_resident_raises_a_matter_with_a_photo_on_a_phone(
    page: Page, shot: Any, tree: Any, resident_user: Any, leader: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    matter_raise(
        actor=leader,
        place=tree.building1,
        kind="problem",
        title="1栋楼道灯坏了",
        source="leader",
        backers=3,
    )
    sign_in(page, resident_user)
    page.goto("/matters/")
    expect(page.get_by_test_id("raise")).to_be_visible()
    with page.expect_navigation():  # waits for "load": htmx is set up, nothing races it
        page.get_by_test_id("raise").click()
    expect(page.locator("h1")).to_contain_text("我要反映")
    # The hint is htmx's answer to the typing: wait for that response, not for a time.
    with page.expect_response(lambda r: "title=楼道的灯又坏了" in unquote(r.url)):
        page.locator("#title").fill("楼道的灯又坏了")
    expect(page.get_by_test_id("similar")).to_contain_text("1栋楼道灯坏了")
    shot(page, "similar")
    page.locator("#description").fill("三楼声控灯不亮")
    photo_file: FilePayload = {"name": "lamp.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}
    page.locator("#photos").set_input_files(files=[photo_file])
    assert no_horizontal_overflow(page)
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("age")).to_have_text("第 1 天，在楼栋")
    expect(page.get_by_test_id("state")).to_have_text("待受理")
    photo = page.get_by_role("img", name="照片 1")
    expect(photo).to_be_visible()
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth)")
    assert photo.evaluate("i => i.naturalWidth") == 320
    assert no_horizontal_overflow(page)
    shot(page, "raised")
    m = Matter.objects.get(title="楼道的灯又坏了")
    assert m.photos.count() == 1

    page.context.clear_cookies()
    sign_in(page, leader)
    page.goto(f"/matters/{m.pk}/")
    page.get_by_test_id("act-accept").get_by_role("button").click()
    page.locator("#text-settle").fill("物业已换灯泡")
    page.get_by_test_id("act-settle").get_by_role("button").click()
    expect(page.get_by_test_id("state")).to_have_text("已办结")
    expect(page.get_by_test_id("timeline")).to_contain_text("物业已换灯泡")
    assert no_horizontal_overflow(page)
    shot(page, "settled")


def test_resident_marks_the_place_on_the_map_or_uses_their_location(
    page: Page, shot: Any, tree: Any, resident_user: Any, settings: Any
) -> None:
    # No tile server is reachable here: tiles 404, the map still takes clicks.
    settings.LINLI_MAP_TILE_URL = "/static/no-tiles/{z}/{x}/{y}.png"
    sign_in(page, resident_user)
    page.goto("/matters/new/")
    page.get_by_test_id("location").locator("summary").click()
    picker = page.locator("[data-map-picker]")
    expect(picker).to_be_visible()
    page.wait_for_function("() => !!document.querySelector('[data-map-picker].leaflet-container')")
    box = picker.bounding_box()
    assert box is not None
    picker.click(position={"x": box["width"] / 2 + 40, "y": box["height"] / 2})
    lat = float(page.locator("#latitude").input_value())
    lng = float(page.locator("#longitude").input_value())
    # The map opens on 和平社区; a click near the middle lands within a few hundred metres.
    assert abs(lat - 30.3095) < 0.01 and abs(lng - 112.2570) < 0.01
    assert lng > 112.2570  # clicked right of the centre: further east
    expect(page.locator(".leaflet-marker-icon")).to_have_count(1)
    assert no_horizontal_overflow(page)
    shot(page, "clicked")

    # "Use my location": the phone's GPS fills the fields and moves the marker.
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 30.31234, "longitude": 112.26001})
    page.get_by_role("button", name="用我现在的位置").click()
    expect(page.locator("#latitude")).to_have_value("30.312340")
    expect(page.locator("#longitude")).to_have_value("112.260010")
    page.locator("#title").fill("健身器材旁的井盖松了")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("location")).to_have_text("30.312340, 112.260010")
    expect(page.locator("[data-map-view] .leaflet-marker-icon")).to_have_count(1)
    shot(page, "located")
    m = Matter.objects.get(title="健身器材旁的井盖松了")
    assert (str(m.latitude), str(m.longitude)) == ("30.312340", "112.260010")
