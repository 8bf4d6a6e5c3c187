"""Linli's own error pages (issue 12): 403, 404 and 500 in the reader's language, also when the
demo is served (``make demo``: LINLI_DEMO, DEBUG off), and a 500 page that needs neither the
database nor the context processors (it is shown when either may be what failed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import include, path
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.defaults import server_error

from linli.web.tests.security_checks import assert_security_headers

ROOT = Path(__file__).resolve().parents[3]


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a view")


def _denied(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


urlpatterns = [
    path("errors/boom/", _boom),
    path("errors/denied/", _denied),
    path("", include("config.urls")),
]


@pytest.fixture
def errors(settings: Any) -> None:
    settings.ROOT_URLCONF = __name__


def _english(text: str) -> str:
    with translation.override("en"):
        return _(text)


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "resident"])
def test_404_is_linlis_page_in_chinese_and_english(client, resident_user, signed_in):
    if signed_in:
        client.force_login(resident_user)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert 'lang="zh-CN"' in body and "找不到页面" in body and "回到首页" in body
    assert "URLconf" not in body  # never Django's debug page with the URL patterns
    assert_security_headers(response)
    client.cookies["django_language"] = "en"
    body = client.get("/no-such-page/").content.decode()
    assert 'lang="en"' in body and "Page not found" in body and "Back to home" in body
    assert "找不到页面" not in body


@pytest.mark.django_db
def test_403_is_linlis_page_in_chinese_and_english(client, errors):
    response = client.get("/errors/denied/")
    assert response.status_code == 403
    body = response.content.decode()
    assert 'data-testid="forbidden"' in body and "不能这样操作" in body and 'lang="zh-CN"' in body
    assert_security_headers(response)
    client.cookies["django_language"] = "en"
    body = client.get("/errors/denied/").content.decode()
    assert 'lang="en"' in body and "Not allowed" in body and "不能这样操作" not in body


@pytest.mark.django_db
def test_500_is_linlis_page_in_chinese_and_english(errors):
    client = Client(raise_request_exception=False)
    response = client.get("/errors/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert 'data-testid="server-error"' in body and 'lang="zh-CN"' in body
    assert "系统出了点问题" in body and "a bug in a view" not in body
    assert "Traceback" not in body
    assert_security_headers(response, ours=False)  # no script at all, so no nonce
    client.cookies["django_language"] = "en"
    body = client.get("/errors/boom/").content.decode()
    assert 'lang="en"' in body and 'data-testid="server-error"' in body
    assert _english("系统出了点问题") in body
    assert _english("回到首页") in body and "回到首页" not in body


def test_500_page_renders_without_the_database_or_context_processors():
    """No django_db mark: pytest-django refuses any query here. The request has no user, no
    session and no preferences, as when the middleware itself failed."""
    request = RequestFactory().get("/")
    for language, marker in (("zh-hans", 'lang="zh-CN"'), ("en", 'lang="en"')):
        with translation.override(language):
            response = server_error(request)
        assert response.status_code == 500
        body = response.content.decode()
        assert marker in body and 'data-testid="server-error"' in body
        assert "/static/linli/linli.css" in body


def test_the_demo_server_shows_linlis_404_and_still_serves_static_files(tmp_path):
    """As ``make demo`` serves (LINLI_DEMO=1, no LINLI_DEBUG, the base settings): DEBUG is
    off, so an unknown address is Linli's 404, not Django's debug page, and the stylesheet
    still comes from the source tree."""
    script = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.test import Client\n"
        "c = Client(HTTP_HOST='127.0.0.1')\n"
        "r = c.get('/no-such-page/')\n"
        "print('DEBUG', settings.DEBUG)\n"
        "print('404', r.status_code, '找不到页面' in r.content.decode(),"
        " 'URLconf' in r.content.decode())\n"
        "s = c.get('/static/linli/linli.css')\n"
        "print('CSS', s.status_code, b'html.elder' in b''.join(s.streaming_content))\n"
    )
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "LINLI_DEMO": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "LINLI_VAR_DIR": str(tmp_path),
    }
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.splitlines()
    assert "DEBUG False" in out
    assert "404 404 True False" in out
    assert "CSS 200 True" in out
