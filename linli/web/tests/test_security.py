"""Hostile input (issue 10): the security headers, sign-in behind proxies and against
spraying, and the one check of every redirect target."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings as django_settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from config.settings.security import SettingsError, proxy_settings, tile_source
from conftest import PASSWORD
from linli.matters.services import matter_raise
from linli.notifications.models import Notification
from linli.notifications.services import notify
from linli.web.common.middleware import (
    PermissionsPolicyMiddleware,
    allow_features,
    permissions_policy_with,
)
from linli.web.common.redirects import safe_next
from linli.web.tests.security_checks import (
    HOSTILE_NEXT,
    assert_security_headers,
    csp_directives,
    page_nonce,
)

WEB = Path(__file__).resolve().parents[1]
LOGIN = "web:login"


def _behind(settings, count: int) -> None:
    """What LINLI_TRUSTED_PROXY_COUNT=count puts into the settings."""
    for name, value in proxy_settings(count).items():
        setattr(settings, name, value)


def _sign_in(client, phone: str, password: str, **headers):
    return client.post(reverse(LOGIN), {"username": phone, "password": password}, **headers)


# --- Content-Security-Policy ------------------------------------------------------------------


@pytest.mark.django_db
def test_each_page_gets_its_own_nonce_and_its_scripts_carry_it(client):
    first = client.get(reverse(LOGIN))
    second = client.get(reverse(LOGIN))
    assert_security_headers(first)
    assert_security_headers(second)
    one, two = page_nonce(first), page_nonce(second)
    assert one and two and one != two
    assert f"'nonce-{one}'" in csp_directives(first)["style-src"]
    assert f'nonce="{one}"' in first.content.decode()
    assert one not in second.content.decode()


@pytest.mark.django_db
def test_the_policy_allows_the_map_tiles_and_nothing_else_outside(client, resident_user):
    client.force_login(resident_user)
    response = client.get(reverse("web:matter_new"))
    assert response.status_code == 200
    img = csp_directives(response)["img-src"]
    assert img == ["'self'", "data:", *tile_source(django_settings.LINLI_MAP_TILE_URL)]
    assert "https://tile.openstreetmap.org" in img  # the default tiles
    # The page's map points at that host.
    assert 'data-tiles="https://tile.openstreetmap.org/' in response.content.decode()
    for name in ("script-src", "style-src", "connect-src", "font-src", "default-src"):
        assert all(v == "'self'" or v.startswith("'nonce-") for v in csp_directives(response)[name])


@pytest.mark.parametrize(
    ("url", "source"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", ["https://tile.openstreetmap.org"]),
        (
            "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",
            ["https://*.tile.openstreetmap.org"],
        ),
        ("https://t{s}.tianditu.gov.cn/vec_w/wmts?x={x}&tk=K", ["https://*.tianditu.gov.cn"]),
        ("http://tiles.example.cn:8080/{z}/{x}/{y}.png", ["http://tiles.example.cn:8080"]),
        ("", []),
    ],
)
def test_tile_source_from_the_tile_url(url, source):
    assert tile_source(url) == source


@pytest.mark.parametrize(
    "url",
    [
        "https://a.example.cn;script-src *",
        "https://a.example.cn 'unsafe-inline'/x",
        "https://tiles.{s}.example.cn/x",
        "https://{s}.cn/x",
        "ftp://tiles.example.cn/x",
        "tiles.example.cn/{z}",
    ],
)
def test_a_tile_url_that_cannot_be_a_safe_source_is_refused(url):
    with pytest.raises(SettingsError):
        tile_source(url)


@pytest.mark.django_db
def test_admin_pages_have_the_same_policy_and_no_inline_script(client, django_user_model):
    admin = django_user_model.objects.create_superuser("13800000099", PASSWORD, name="管理员")
    client.force_login(admin)
    for url in ("/admin/login/", "/admin/", "/admin/people/user/", "/admin/axes/accessattempt/"):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert_security_headers(response, ours=False)
        for tag in re.findall(r"<script\b[^>]*>", response.content.decode()):
            assert " src=" in tag or 'type="application/json"' in tag, (url, tag)


def _templates() -> list[Path]:
    found = sorted((WEB / "templates").rglob("*.html"))
    assert len(found) > 50
    return found


TAG = re.compile(r"<[a-zA-Z][^>]*>", re.DOTALL)


def test_no_template_has_inline_style_or_script():
    """The policy runs no inline style, script or event handler without a nonce: none is
    written into a template (data for scripts goes in data- attributes or json_script)."""
    problems = []
    for path in _templates():
        text = path.read_text()
        name = path.relative_to(WEB)
        if re.search(r"<style\b", text, re.IGNORECASE):
            problems.append(f"{name}: <style>")
        for tag in TAG.findall(text):
            if re.search(r"\sstyle\s*=", tag, re.IGNORECASE):
                problems.append(f"{name}: style attribute in {tag[:60]}")
            if re.search(r"\son[a-z]+\s*=", tag, re.IGNORECASE):
                problems.append(f"{name}: event handler in {tag[:60]}")
            if re.match(r"<script\b", tag, re.IGNORECASE) and not re.search(
                r"\ssrc=|\snonce=|type=\"application/json\"", tag
            ):
                problems.append(f"{name}: inline script {tag[:60]}")
        if re.search(r"javascript:", text, re.IGNORECASE):
            problems.append(f"{name}: javascript: URL")
    assert problems == []


def test_our_scripts_set_no_style_attribute_and_eval_nothing():
    """CSSOM (element.style.x = …) is allowed by the policy; a style attribute written as text
    is not, nor is eval."""
    ours = [p for p in (WEB / "static" / "linli").glob("*.js")]
    assert {p.name for p in ours} >= {"linli.js", "map.js", "charts.js", "award.js"}
    for path in ours:
        text = path.read_text()
        assert not re.search(r"setAttribute\(\s*['\"]style", text), path.name
        assert "innerHTML" not in text and "eval(" not in text and "new Function" not in text
        assert "getUserMedia" not in text, path.name  # camera stays off everywhere


def test_htmx_is_told_not_to_inject_its_style_or_eval():
    base = (WEB / "templates" / "web" / "common" / "base.html").read_text()
    assert '"includeIndicatorStyles":false' in base and '"allowEval":false' in base
    assert ".htmx-indicator" in (WEB / "static" / "linli" / "linli.css").read_text()


# --- Referrer-Policy and Permissions-Policy ---------------------------------------------------


@pytest.mark.django_db
def test_referrer_and_permissions_policy_on_a_page_and_a_redirect(client):
    for response in (client.get(reverse(LOGIN)), client.get(reverse("web:home"))):
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Permissions-Policy"] == (
            "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
        )


@pytest.mark.django_db
def test_raising_a_matter_may_ask_for_the_location_and_nothing_more(client, tree, resident_user):
    lamp = matter_raise(
        actor=resident_user, place=tree.building1, kind="problem", title="1栋楼道灯坏了"
    )
    client.force_login(resident_user)
    raise_page = client.get(reverse("web:matter_new"))
    assert_security_headers(raise_page, geolocation=True)
    assert "use-my-location" in raise_page.content.decode()
    # The matter's own page shows the map but does not locate anyone.
    assert_security_headers(client.get(reverse("web:matter_detail", args=[lamp.pk])))


def test_a_view_that_sets_its_own_permissions_policy_keeps_it():
    own = "geolocation=(self)"

    def view(request):
        response = HttpResponse("ok")
        response["Permissions-Policy"] = own
        return response

    request = RequestFactory().get("/")
    assert PermissionsPolicyMiddleware(view)(request)["Permissions-Policy"] == own
    plain = PermissionsPolicyMiddleware(lambda r: HttpResponse("ok"))(request)
    assert plain["Permissions-Policy"] == django_settings.LINLI_PERMISSIONS_POLICY
    decorated = PermissionsPolicyMiddleware(
        allow_features(geolocation="self")(lambda r: HttpResponse("ok"))
    )(request)
    assert decorated["Permissions-Policy"] == permissions_policy_with(geolocation="self")
    assert decorated["Permissions-Policy"] == (
        "camera=(), microphone=(), geolocation=(self), payment=(), usb=()"
    )


# --- sign-in behind proxies -------------------------------------------------------------------


def test_no_proxy_is_trusted_unless_configured():
    assert django_settings.LINLI_TRUSTED_PROXY_COUNT == 0
    assert django_settings.SECURE_PROXY_SSL_HEADER is None
    assert django_settings.AXES_IPWARE_META_PRECEDENCE_ORDER == ("REMOTE_ADDR",)
    assert proxy_settings(1)["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert proxy_settings(2)["AXES_IPWARE_PROXY_COUNT"] == 1
    with pytest.raises(SettingsError):
        proxy_settings(-1)


@pytest.mark.django_db
def test_the_https_header_is_ignored_without_a_trusted_proxy(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    forged = client.get(reverse(LOGIN), HTTP_X_FORWARDED_PROTO="https")
    assert forged.status_code == 301 and forged["Location"].startswith("https://")
    _behind(settings, 1)
    assert client.get(reverse(LOGIN), HTTP_X_FORWARDED_PROTO="https").status_code == 200


@pytest.mark.django_db
def test_behind_a_proxy_two_clients_are_locked_out_independently(client, secretary, settings):
    _behind(settings, 1)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, secretary.phone, "wrong", HTTP_X_FORWARDED_FOR="1.2.3.4")
    locked = _sign_in(client, secretary.phone, PASSWORD, HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"1.2.3.4"}
    # What the client wrote to the left of the proxy's entry changes nothing.
    spoofed = _sign_in(client, secretary.phone, PASSWORD, HTTP_X_FORWARDED_FOR="5.6.7.8, 1.2.3.4")
    assert spoofed.status_code == 429
    # Another client behind the same proxy (same REMOTE_ADDR) signs in.
    ok = _sign_in(client, secretary.phone, PASSWORD, HTTP_X_FORWARDED_FOR="5.6.7.8")
    assert ok.status_code == 302 and ok["Location"] == reverse("web:home")


@pytest.mark.django_db
def test_without_a_trusted_proxy_a_forged_forwarded_for_does_not_dodge_the_lockout(
    client, secretary, settings
):
    for i in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, secretary.phone, "wrong", HTTP_X_FORWARDED_FOR=f"9.9.9.{i}")
    response = _sign_in(client, secretary.phone, PASSWORD, HTTP_X_FORWARDED_FOR="8.8.8.8")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


# --- spraying ---------------------------------------------------------------------------------


def _spray(client, count: int, **headers) -> list:
    """One wrong password on each of ``count`` different numbers."""
    return [_sign_in(client, f"1370000{i:04d}", "123456", **headers) for i in range(count)]


@pytest.mark.django_db
def test_spraying_numbers_from_one_address_refuses_that_address_only(client, secretary, settings):
    _behind(settings, 1)
    limit = settings.LINLI_SPRAY_FAILURES
    assert limit == 20
    answers = _spray(client, limit, HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert [a.status_code for a in answers[:-1]] == [200] * (limit - 1)
    assert "手机号或密码不正确" in answers[0].content.decode()
    last = answers[-1]
    assert last.status_code == 429 and 'data-testid="address-refused"' in last.content.decode()
    assert AccessFailureLog.objects.filter(ip_address="1.2.3.4").count() == limit
    # Even the right password for a number never tried from there is refused ...
    refused = _sign_in(client, secretary.phone, PASSWORD, HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert refused.status_code == 429
    assert "从这个网络地址登录失败的次数过多" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # ... and Django's admin sign-in with it too.
    admin = client.post(
        "/admin/login/",
        {"username": secretary.phone, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="1.2.3.4",
    )
    assert admin.status_code == 429 and "_auth_user_id" not in client.session
    # Another address is not affected.
    ok = _sign_in(client, secretary.phone, PASSWORD, HTTP_X_FORWARDED_FOR="5.6.7.8")
    assert ok.status_code == 302 and ok["Location"] == reverse("web:home")


@pytest.mark.django_db
def test_one_failure_short_of_the_limit_still_signs_in(client, secretary, settings):
    _spray(client, settings.LINLI_SPRAY_FAILURES - 1)
    assert _sign_in(client, secretary.phone, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_refusal_ends_when_the_failures_leave_the_window(client, secretary, settings):
    _spray(client, settings.LINLI_SPRAY_FAILURES)
    assert _sign_in(client, secretary.phone, PASSWORD).status_code == 429
    AccessFailureLog.objects.update(
        attempt_time=timezone.now() - timedelta(hours=settings.LINLI_SPRAY_HOURS, minutes=1)
    )
    assert _sign_in(client, secretary.phone, PASSWORD).status_code == 302


# --- redirects --------------------------------------------------------------------------------


@pytest.mark.parametrize("hostile", HOSTILE_NEXT)
def test_safe_next_refuses_anything_but_a_local_path(hostile):
    factory = RequestFactory()
    assert safe_next(factory.post("/", {"next": hostile}), "/fallback/") == "/fallback/"
    assert safe_next(factory.get("/", {"next": hostile}), "/fallback/") == "/fallback/"
    assert safe_next(factory.get("/"), "/fallback/", target=hostile) == "/fallback/"


@pytest.mark.parametrize("good", ["/", "/places/", "/matters/3/?tab=a&b=2#timeline", "/a%2Fb"])
def test_safe_next_keeps_a_local_path(good):
    assert safe_next(RequestFactory().post("/", {"next": good}), "/fallback/") == good


@pytest.mark.django_db
@pytest.mark.parametrize("hostile", HOSTILE_NEXT)
def test_sign_in_and_out_stay_on_the_site_whatever_next_says(client, secretary, hostile):
    page = client.get(reverse(LOGIN), {"next": hostile})
    assert page.status_code == 200
    assert 'name="next" value=""' in page.content.decode()
    signed_in = client.post(
        reverse(LOGIN), {"username": secretary.phone, "password": PASSWORD, "next": hostile}
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == reverse("web:home")
    signed_out = client.post(reverse("web:logout"), {"next": hostile})
    assert signed_out.status_code == 302 and signed_out["Location"] == reverse(LOGIN)


@pytest.mark.django_db
def test_sign_in_follows_a_local_next(client, secretary):
    target = reverse("web:place_tree")
    response = client.post(
        reverse(LOGIN), {"username": secretary.phone, "password": PASSWORD, "next": target}
    )
    assert response["Location"] == target


@pytest.mark.django_db
@pytest.mark.parametrize("hostile", HOSTILE_NEXT)
def test_the_language_switches_stay_on_the_site(client, hostile):
    for url in (reverse("web:preferences"), "/i18n/setlang/"):
        response = client.post(url, {"language": "en", "next": hostile})
        assert response.status_code == 302 and response["Location"] == reverse("web:home")
    # Django's own switch followed the Referer; ours does not.
    response = client.post("/i18n/setlang/", {"language": "en"}, HTTP_REFERER=hostile)
    assert response["Location"] == reverse("web:home")


@pytest.mark.django_db
@pytest.mark.parametrize("hostile", HOSTILE_NEXT)
def test_a_notification_link_off_the_site_is_not_followed(client, resident_user, hostile):
    notify([resident_user], kind="t", text="一条提醒", url=hostile)
    note = Notification.objects.get(user=resident_user)
    client.force_login(resident_user)
    response = client.get(reverse("web:notification_open", args=[note.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("web:notification_list")
