"""The one door (linli.web.common.door): a domain NotFound that leaves a view is the 404 page,
a Forbidden the 403 page, in the person's language; ``run_service`` shows any other refusal
as a message and lets NotFound through to the door."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import include, path
from django.utils import translation
from django.utils.translation import gettext as _

from linli.core.actors import Actor
from linli.core.errors import Conflict, Forbidden, NotFound
from linli.web.common.door import run_service
from linli.web.tests.security_checks import assert_security_headers

pytestmark = pytest.mark.django_db


def _not_found(request: HttpRequest) -> HttpResponse:
    raise NotFound(_("找不到该活动，或您无权发布活动"))


def _forbidden(request: HttpRequest) -> HttpResponse:
    raise Forbidden(_("不能为自己代签，请扫码签到"))


urlpatterns = [
    path("door/not-found/", _not_found),
    path("door/forbidden/", _forbidden),
    path("", include("linli.web.urls")),
]


@pytest.fixture
def door(settings: Any) -> None:
    settings.ROOT_URLCONF = __name__


def test_a_domain_not_found_is_the_404_page_in_chinese_and_english(client, door):
    response = client.get("/door/not-found/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "找不到页面" in body and "回到首页" in body and 'lang="zh-CN"' in body
    # Never which: the page says the same as for an address that does not exist.
    assert "发布活动" not in body
    assert_security_headers(response)
    client.cookies["django_language"] = "en"
    response = client.get("/door/not-found/")
    assert response.status_code == 404
    body = response.content.decode()
    assert 'lang="en"' in body and "找不到页面" not in body and "回到首页" not in body


def test_a_domain_forbidden_is_the_403_page_with_its_reason_in_chinese_and_english(client, door):
    response = client.get("/door/forbidden/")
    assert response.status_code == 403
    body = response.content.decode()
    assert 'data-testid="forbidden"' in body and "不能这样操作" in body
    assert "不能为自己代签，请扫码签到" in body and 'lang="zh-CN"' in body
    assert_security_headers(response)
    client.cookies["django_language"] = "en"
    response = client.get("/door/forbidden/")
    assert response.status_code == 403
    body = response.content.decode()
    assert 'lang="en"' in body and 'data-testid="forbidden"' in body
    assert "You cannot use proxy sign-in for yourself" in body
    assert "不能为自己代签" not in body and "回到首页" not in body
    assert "Not allowed" in body and "不能这样操作" not in body


def _request() -> HttpRequest:
    request = RequestFactory().post("/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    request.user = None  # type: ignore[assignment]
    return request


def test_run_service_shows_a_refusal_as_a_message_and_passes_not_found_to_the_door():
    request = _request()

    def refuse(*, actor: Actor) -> int:
        raise Conflict(_("该授权已撤销"))

    def accept(*, actor: Actor, n: int) -> int:
        return n + 1

    def vanish(*, actor: Actor) -> int:
        raise NotFound(_("找不到该活动，或您无权发布活动"))

    with translation.override("zh-hans"):
        refused = run_service(request, refuse, ok="不会出现")
    assert not refused and isinstance(refused.error, Conflict)
    with pytest.raises(RuntimeError):
        refused.value  # noqa: B018 - no result after a refusal
    done = run_service(request, accept, ok=lambda n: f"得到 {n}", n=41)
    assert done and done.value == 42
    shown = [(m.level_tag, m.message) for m in get_messages(request)]
    assert shown == [("error", "该授权已撤销"), ("success", "得到 42")]
    with pytest.raises(NotFound):
        run_service(request, vanish)
    assert len(list(get_messages(request))) == 2  # nothing added: the door answers
