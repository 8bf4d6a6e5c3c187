"""The landing page (issue 12): a visitor at ``/`` learns what Linli does, finds the public
lists, the sponsors' thanks and last year's figures, and how to get an account; when the
server runs the demo (LINLI_DEMO) and the database holds it, the demo's sign-ins. A signed-in
person still gets their home."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from linli.core.quarters import CHINA, quarter_of
from linli.points.services import points_award
from linli.points.services.shop import pledge_create
from linli.points.tests.shop_fixtures import barber, sponsor_user  # noqa: F401 - fixtures
from linli.web.tests.security_checks import assert_security_headers

pytestmark = pytest.mark.django_db

NOW = timezone.now().astimezone(CHINA)
LAST_YEAR = NOW.year - 1


@pytest.fixture
def public_data(secretary, dzj, suggestion_rule, barber):  # noqa: F811
    points_award(
        actor=secretary,
        resident=dzj,
        rule=suggestion_rule,
        points=20,
        idempotency_key="landing-1",
        occurred_at=dt.datetime(LAST_YEAR, 6, 18, 19, 0, tzinfo=CHINA),
    )
    quarter = quarter_of(NOW.date())
    pledge_create(
        actor=secretary,
        sponsor=barber,
        year=quarter.year,
        quarter=quarter.number,
        description="理发",
        value_yuan=1,
    )


def test_a_visitor_meets_the_landing_page_with_the_public_data(client, tree, public_data):
    response = client.get(reverse("web:home"))
    assert response.status_code == 200
    assert_security_headers(response)
    body = response.content.decode()
    assert 'data-testid="landing"' in body
    for words in ("三级议事", "积分", "好差评", "怎样开通账号"):
        assert words in body
    assert reverse("web:login") in body
    assert reverse("web:publication_index") in body
    assert reverse("web:shop_thanks", args=[tree.heping.pk]) in body
    assert "好邻居理发店" in body  # this quarter's sponsor, thanked by name
    assert reverse("web:points_stats_public", args=[tree.heping.pk, LAST_YEAR]) in body
    assert 'data-testid="landing-figures"' in body
    # Public data only: no resident's name, no contact person or phone of the sponsor.
    assert "代正菊" not in body and "王师傅" not in body and "13900000010" not in body
    assert 'data-testid="demo-signins"' not in body


def test_the_landing_page_in_english(client, tree):
    client.cookies["django_language"] = "en"
    body = client.get(reverse("web:home")).content.decode()
    assert 'lang="en"' in body and 'data-testid="landing"' in body
    with translation.override("en"):
        expected = [_("登录"), _("邻里能做什么"), _("三级议事"), _("怎样开通账号")]
    assert "Sign in" in expected
    for text in expected:
        assert text in body


def test_a_signed_in_person_still_gets_their_home(client, resident_user):
    client.force_login(resident_user)
    body = client.get(reverse("web:home")).content.decode()
    assert 'data-testid="landing"' not in body
    assert "代正菊" in body


def test_demo_signins_only_when_serving_the_demo_that_the_database_holds(client, tree, settings):
    url = reverse("web:home")
    settings.LINLI_DEMO = True
    assert 'data-testid="demo-signins"' not in client.get(url).content.decode()  # no marker
    # The web may not import the demo (import-linter); the marker and the published
    # sign-ins (README) are named here as a reader of the README would.
    apps.get_model("demo", "DemoMarker").objects.create(key="heping")
    body = client.get(url).content.decode()
    assert 'data-testid="demo-signins"' in body and "linli-demo-2026" in body
    for phone, name in (
        ("13907160001", "杨红"),
        ("13907160004", "代正菊"),
        ("13907160009", "张丽"),
    ):
        assert phone in body and name in body
    settings.LINLI_DEMO = False
    assert 'data-testid="demo-signins"' not in client.get(url).content.decode()


def test_landing_query_count_is_fixed(client, tree, public_data, django_assert_max_num_queries):
    with django_assert_max_num_queries(30):
        assert client.get(reverse("web:home")).status_code == 200
