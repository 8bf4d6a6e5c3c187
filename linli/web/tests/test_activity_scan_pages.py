"""Scanning an activity's QR code through the pages: the organiser's code and the scan it
opens, the confirmation (CSRF, same origin), expired, forged and other activities' codes,
the sign-in detour and its ten-minute grace, and the location the activity may ask for.
(Split from test_activity_pages.py; the fixtures are in activity_world.py.)"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.activities.models import Attendance
from linli.activities.services import (
    activity_checkin_set,
    activity_publish,
    signup_create,
)
from linli.activities.tests import conftest as activity_fixtures
from linli.activities.tokens import make_token
from linli.audit.models import AuditEvent
from linli.web.activities.views.scan import SCAN_SESSION_KEY
from linli.web.tests.activity_world import _scan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _confirm(client, live, direction, token, **position):
    return client.post(
        reverse("web:activity_scan_confirm", args=[live.pk, direction]),
        {"token": token, **position},
    )


def _token_of(path):
    return path.rstrip("/").rsplit("/", 1)[1]


def test_organiser_screen_qr_and_scan_round_trip(
    client, signed_up, team_leader, resident_user, dzj
):
    live = signed_up
    client.force_login(team_leader)
    page = client.get(reverse("web:activity_organise", args=[live.pk]) + "?d=in").content.decode()
    assert "<svg" in page and 'hx-trigger="every 15s"' in page
    url = re.search(r'data-url="([^"]+)"', page).group(1)
    assert f"/activities/{live.pk}/scan/in/" in url
    partial = client.get(reverse("web:activity_qr", args=[live.pk, "out"]))
    assert "扫码签退" in partial.content.decode() and "<html" not in partial.content.decode()

    client.force_login(resident_user)
    path = url.split("testserver", 1)[1]
    # The scan: a confirmation page with one big button; nothing is signed yet.
    resp = client.get(path)
    html = resp.content.decode()
    assert resp.status_code == 200 and 'data-testid="scan-confirm"' in html
    assert "今晚夜间巡逻" in html and 'data-testid="scan-button"' in html and "签到成功" not in html
    assert f'name="token" value="{_token_of(path)}"' in html
    assert "csrfmiddlewaretoken" in html
    assert "geolocation=(self)" in resp["Permissions-Policy"]
    assert not Attendance.objects.exists()
    # The tap: a POST, then the result page (reloading it changes nothing).
    resp = _confirm(client, live, "in", _token_of(path))
    done = reverse("web:activity_scan_done", args=[live.pk, "in"])
    assert resp.status_code == 302 and resp["Location"] == done
    result = client.get(done)
    assert result.status_code == 200 and "签到成功" in result.content.decode()
    assert client.get(done).status_code == 200 and Attendance.objects.count() == 1
    # Scanning again: a clear refusal on the page, no button.
    again = client.get(path)
    assert again.status_code == 409 and "已经签到过了" in again.content.decode()
    assert 'data-testid="scan-button"' not in again.content.decode()
    out = _scan(live, "out")
    assert client.get(out).status_code == 200
    resp = _confirm(client, live, "out", _token_of(out))
    assert resp["Location"] == reverse("web:activity_scan_done", args=[live.pk, "out"])
    assert "签退成功" in client.get(resp["Location"]).content.decode()
    row = Attendance.objects.get(activity=live, resident=dzj)
    assert row.signed_out_at is not None and not row.in_manual


def test_opening_the_code_never_signs_in(client, signed_up, resident_user):
    """A GET — the camera, a link prefetcher, an <img> or a top-level link on another site —
    changes nothing, however often."""
    client.force_login(resident_user)
    url = _scan(signed_up)
    for headers in (
        {},
        {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_REFERER": "https://x.example/"},
    ):
        assert client.get(url, **headers).status_code == 200
        assert client.head(url).status_code == 405
    assert not Attendance.objects.exists()
    assert not AuditEvent.objects.filter(action="activities.sign_in").exists()
    assert (
        client.get(reverse("web:activity_scan_done", args=[signed_up.pk, "in"])).status_code == 302
    )
    assert client.post(url).status_code == 405  # the code's URL takes no POST
    assert not Attendance.objects.exists()


def test_confirmation_needs_the_csrf_token_and_same_origin(signed_up, resident_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(resident_user)
    url = _scan(signed_up)
    page = client.get(url)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    confirm = reverse("web:activity_scan_confirm", args=[signed_up.pk, "in"])
    token = _token_of(url)
    # A form on another site (or a sibling host that planted a cookie) has no valid token.
    assert client.post(confirm, {"token": token}).status_code == 403
    forged = {"token": token, "csrfmiddlewaretoken": "x" * 64}
    assert client.post(confirm, forged).status_code == 403
    # A sibling host that knows the token still fails the Origin check.
    stolen = {"token": token, "csrfmiddlewaretoken": csrf}
    assert client.post(confirm, stolen, HTTP_ORIGIN="https://evil.testserver").status_code == 403
    assert not Attendance.objects.exists()
    # The page's own form passes.
    resp = client.post(confirm, stolen, HTTP_ORIGIN="http://testserver")
    assert resp.status_code == 302 and Attendance.objects.count() == 1


def test_bad_tokens_are_refused_clearly(client, tree, signed_up, resident_user, team_leader, team):
    live = signed_up
    client.force_login(resident_user)
    old = _scan(live, "in", timezone.now() - dt.timedelta(minutes=3))
    resp = client.get(old)
    assert resp.status_code == 400 and "过期" in resp.content.decode()
    # A screenshot forwarded after its two minutes: the POST is refused the same way.
    resp = _confirm(client, live, "in", _token_of(old))
    assert resp.status_code == 400 and "过期" in resp.content.decode()
    forged = reverse("web:activity_scan", args=[live.pk, "in", "eyJhIjoxfQ:forged:sig"])
    resp = client.get(forged)
    assert resp.status_code == 400 and "二维码无效" in resp.content.decode()
    assert _confirm(client, live, "in", "eyJhIjoxfQ:forged:sig").status_code == 400
    assert _confirm(client, live, "in", "").status_code == 400
    other = activity_publish(
        actor=team_leader,
        community=tree.heping,
        team=team,
        title="另一场巡逻",
        starts_at=live.starts_at,
        ends_at=live.ends_at,
        capacity=5,
    )
    token = make_token(other.pk, "in", timezone.now())
    resp = client.get(reverse("web:activity_scan", args=[live.pk, "in", token]))
    assert resp.status_code == 400 and "另一场活动" in resp.content.decode()
    resp = _confirm(client, live, "in", token)
    assert resp.status_code == 400 and "另一场活动" in resp.content.decode()
    # A sign-in code posted as a sign-out: refused.
    assert (
        _confirm(client, live, "out", make_token(live.pk, "in", timezone.now())).status_code == 400
    )
    resp = client.get(_scan(live, "out"))
    assert resp.status_code == 409 and "还没有签到" in resp.content.decode()
    sideways = reverse("web:activity_scan", args=[live.pk, "sideways", token])
    assert client.get(sideways).status_code == 404
    assert not Attendance.objects.exists()


def test_scanning_before_signing_in_counts_after_login(client, signed_up, resident_user, dzj):
    live = signed_up
    url = _scan(live)
    resp = client.get(url)
    assert resp.status_code == 302 and "/login/" in resp["Location"]
    client.force_login(resident_user)  # the session (and the remembered scan) is kept
    resp = client.get(url)
    assert resp.status_code == 200 and 'data-testid="scan-confirm"' in resp.content.decode()
    assert not Attendance.objects.exists()
    resp = _confirm(client, live, "in", _token_of(url))
    assert resp.status_code == 302
    assert Attendance.objects.filter(activity=live, resident=dzj).exists()


def _remember_scan(client, live, direction, token, at):
    """The session as the scan left it (the code opened at ``at``, when it was valid)."""
    session = client.session
    session[SCAN_SESSION_KEY] = {
        "activity": live.pk,
        "direction": direction,
        "token": token,
        "at": at.isoformat(),
    }
    session.save()


def test_the_login_detour_counts_at_the_scan_for_that_session_only(
    client, tree, signed_up, resident_user, dzj
):
    """The resident scanned six minutes ago (the code valid then), had to sign in, and
    confirms now: accepted, at the time of the scan. The same code from another session —
    a screenshot forwarded to someone else — is expired."""
    live = signed_up
    scanned = timezone.now() - dt.timedelta(minutes=6)
    token = make_token(live.pk, "in", scanned)
    client.force_login(resident_user)
    _remember_scan(client, live, "in", token, scanned)
    page = client.get(reverse("web:activity_scan", args=[live.pk, "in", token]))
    assert page.status_code == 200 and 'data-testid="scan-button"' in page.content.decode()
    assert _confirm(client, live, "in", token).status_code == 302
    row = Attendance.objects.get(activity=live, resident=dzj)
    assert abs(row.signed_in_at - scanned) < dt.timedelta(seconds=1)
    assert SCAN_SESSION_KEY not in client.session  # used once

    from django.test import Client

    friend = activity_fixtures.make_resident(tree, 7)
    signup_create(actor=friend.user, activity=live, now=live.starts_at - dt.timedelta(hours=1))
    other = Client()
    other.force_login(friend.user)
    resp = _confirm(other, live, "in", token)
    assert resp.status_code == 400 and "过期" in resp.content.decode()
    assert not Attendance.objects.filter(resident=friend).exists()


def test_the_grace_ends_after_ten_minutes_and_fits_only_its_code(client, signed_up, resident_user):
    live = signed_up
    client.force_login(resident_user)
    scanned = timezone.now() - dt.timedelta(minutes=11)
    token = make_token(live.pk, "in", scanned)
    _remember_scan(client, live, "in", token, scanned)
    resp = _confirm(client, live, "in", token)
    assert resp.status_code == 400 and "过期" in resp.content.decode()
    # A remembered scan of one code lends nothing to another code, even one that was
    # still valid at the remembered moment (the minute before it) but has expired since.
    scanned = timezone.now() - dt.timedelta(minutes=4)
    _remember_scan(client, live, "in", make_token(live.pk, "in", scanned), scanned)
    neighbour_code = make_token(live.pk, "in", scanned - dt.timedelta(minutes=1))
    assert neighbour_code != client.session[SCAN_SESSION_KEY]["token"]
    resp = _confirm(client, live, "in", neighbour_code)
    assert resp.status_code == 400 and "过期" in resp.content.decode()
    # Nor to the other direction's code of the same minute.
    resp = _confirm(client, live, "out", make_token(live.pk, "out", scanned))
    assert resp.status_code == 400 and "过期" in resp.content.decode()
    assert not Attendance.objects.exists()


@pytest.fixture
def located(signed_up, team_leader):
    """Tonight's patrol asks for the phone within 200 m of 和平新村's east gate."""
    activity_checkin_set(
        actor=team_leader, activity=signed_up, lat="30.3095", lng="112.2570", radius_m=200
    )
    signed_up.refresh_from_db()
    return signed_up


def test_location_required_page_flow(client, located, resident_user, dzj):
    client.force_login(resident_user)
    detail = client.get(reverse("web:activity_detail", args=[located.pk])).content.decode()
    assert "定位签到：扫码时手机须在活动地点 200 米内" in detail
    url = _scan(located)
    page = client.get(url)
    html = page.content.decode()
    assert 'data-need-location="1"' in html and "200 米内" in html
    assert "linli/checkin.js" in html and "<script>" not in html and 'style="' not in html
    assert "geolocation=(self)" in page["Permissions-Policy"]
    token = _token_of(url)
    # No position (location refused on the phone, or no JavaScript): asked clearly, again.
    resp = _confirm(client, located, "in", token)
    html = resp.content.decode()
    assert resp.status_code == 400 and "请允许定位" in html and 'data-testid="scan-button"' in html
    assert "geolocation=(self)" in resp["Permissions-Policy"]
    # From home, 1.1 km away: refused with the distance.
    resp = _confirm(client, located, "in", token, lat="30.3195", lng="112.2570", accuracy="12")
    assert resp.status_code == 400
    assert "您距离活动地点约 1.1 公里，需在 200 米内签到" in resp.content.decode()
    # Nonsense positions: refused, never a 500.
    for lat, lng in (("nan", "112.257"), ("30.3", "Infinity"), ("99", "112.257"), ("x", "y")):
        resp = _confirm(client, located, "in", token, lat=lat, lng=lng)
        assert resp.status_code == 400 and "位置数据无效" in resp.content.decode(), (lat, lng)
    assert not Attendance.objects.exists()
    # At the gate (about 100 m north): signed in.
    resp = _confirm(client, located, "in", token, lat="30.3104", lng="112.2570", accuracy="20")
    assert resp.status_code == 302 and Attendance.objects.filter(resident=dzj).exists()
    event = AuditEvent.objects.get(action="activities.sign_in")
    assert event.data["distance_m"] == 100


def test_organiser_sets_and_clears_the_place_on_the_organiser_screen(
    client, signed_up, team_leader, resident_user
):
    live = signed_up
    client.force_login(team_leader)
    page = client.get(reverse("web:activity_organise", args=[live.pk]))
    assert "geolocation=(self)" in page["Permissions-Policy"]
    assert "扫码即可签到签退" in page.content.decode()
    url = reverse("web:activity_checkin_place", args=[live.pk])
    resp = client.post(url, {"checkin_required": "on", "checkin_radius_m": "150"}, follow=True)
    assert "请在地图上标出活动地点" in resp.content.decode()
    live.refresh_from_db()
    assert not live.requires_location
    resp = client.post(
        url,
        {
            "checkin_required": "on",
            "checkin_lat": "30.3095",
            "checkin_lng": "112.257",
            "checkin_radius_m": "150",
        },
        follow=True,
    )
    assert "扫码时须在活动地点 150 米内" in resp.content.decode()
    live.refresh_from_db()
    assert (str(live.checkin_lat), live.checkin_radius_m) == ("30.309500", 150)
    # The radius out of bounds: refused, unchanged.
    client.post(
        url,
        {"checkin_required": "on", "checkin_lat": "1", "checkin_lng": "1", "checkin_radius_m": "9"},
    )
    live.refresh_from_db()
    assert live.checkin_radius_m == 150
    # A resident cannot change it.
    client.force_login(resident_user)
    assert client.post(url, {}).status_code == 404
    live.refresh_from_db()
    assert live.requires_location
    client.force_login(team_leader)
    resp = client.post(url, {}, follow=True)
    assert "已取消定位要求" in resp.content.decode()
    live.refresh_from_db()
    assert not live.requires_location


def test_anonymous_bad_token_is_refused_without_login(client, signed_up):
    resp = client.get(reverse("web:activity_scan", args=[signed_up.pk, "in", "nonsense"]))
    assert resp.status_code == 400 and "二维码无效" in resp.content.decode()
    assert SCAN_SESSION_KEY not in client.session
