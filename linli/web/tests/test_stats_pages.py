"""Yearly figures pages: the policy matrix, the headline, the charts' data and tables."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from linli.core.quarters import CHINA
from linli.points.choices import AccountKind, PostingKind
from linli.points.ledger import Line, post
from linli.points.locks import lock_resident_account, system_account
from linli.points.services import points_award
from linli.web.tests.security_checks import assert_security_headers

PERSONAS = ["anonymous", "resident_user", "leader", "staff", "secretary", "supervisor", "outsider"]
THIS_YEAR = timezone.now().astimezone(CHINA).year


@pytest.fixture
def figures_2023(secretary, dzj, suggestion_rule):
    """One award of 20 and one redemption of 15 in 2023 (China time)."""
    points_award(
        actor=secretary,
        resident=dzj,
        rule=suggestion_rule,
        points=20,
        idempotency_key="stats-page-1",
        occurred_at=dt.datetime(2023, 11, 18, 19, 0, tzinfo=CHINA),
    )
    with transaction.atomic():
        account = lock_resident_account(dzj)
        target = system_account(dzj.household.community_id, AccountKind.REDEMPTION)
        post(
            community_id=dzj.household.community_id,
            kind=PostingKind.REDEMPTION,
            lines=[Line(account, -15), Line(target, 15)],
            occurred_at=dt.datetime(2023, 12, 20, 10, 0, tzinfo=CHINA),
            idempotency_key="stats-page-order-1",
        )


def _as(request, client, persona):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    return client


# anonymous, resident, leader, staff, secretary, supervisor, outsider
MATRIX = {
    "stats": [302, 404, 404, 200, 200, 404, 200],
    "stats_heping": [302, 404, 404, 200, 200, 404, 404],
    "stats_heping_2023": [302, 404, 404, 200, 200, 404, 404],
    "public_2023": [200, 200, 200, 200, 200, 200, 200],
    "public_this_year": [404, 404, 404, 404, 404, 404, 404],
    "public_not_community": [404, 404, 404, 404, 404, 404, 404],
}


@pytest.mark.django_db
@pytest.mark.parametrize("page", list(MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_stats_page_matrix(request, client, tree, figures_2023, page, persona):
    url = reverse("web:points_stats")
    urls = {
        "stats": url,
        "stats_heping": f"{url}?community={tree.heping.pk}",
        "stats_heping_2023": f"{url}?community={tree.heping.pk}&year=2023",
        "public_2023": reverse("web:points_stats_public", args=[tree.heping.pk, 2023]),
        "public_this_year": reverse("web:points_stats_public", args=[tree.heping.pk, THIS_YEAR]),
        "public_not_community": reverse("web:points_stats_public", args=[tree.building1.pk, 2023]),
    }
    response = _as(request, client, persona).get(urls[page])
    expected = MATRIX[page][PERSONAS.index(persona)]
    assert response.status_code == expected, (page, persona, response.status_code)
    assert_security_headers(response)


@pytest.mark.django_db
def test_staff_page_shows_headline_tables_and_chart_data(client, staff, tree, figures_2023):
    client.force_login(staff)
    response = client.get(reverse("web:points_stats") + f"?community={tree.heping.pk}&year=2023")
    body = response.content.decode()
    assert "2023 年，和平社区 1 人参与积分兑换，累计兑换积分 15 分。" in body
    assert 'data-testid="points-awarded">20<' in body
    assert re.search(r"<td[^>]*>建言献策</td><td[^>]*>20</td><td[^>]*>1</td>", body)
    assert re.search(r"<td[^>]*>11月</td><td[^>]*>20</td><td[^>]*>0</td>", body)
    assert re.search(r"<td[^>]*>12月</td><td[^>]*>0</td><td[^>]*>15</td>", body)
    data = json.loads(
        re.search(
            r'<script id="stats-chart-data" type="application/json">(.*?)</script>', body
        ).group(1)
    )
    assert data["awarded"][10] == 20 and data["redeemed"][11] == 15
    assert "建言献策" in data["categories"]
    assert data["categoryPoints"][data["categories"].index("建言献策")] == 20
    assert "echarts-5.6.0.min.js" in body and "//cdn" not in body.lower()  # vendored, no CDN
    # The year picker offers the years from the first posting to this one.
    assert '<option value="2023" selected>' in body
    assert f'<option value="{THIS_YEAR}"' in body


@pytest.mark.django_db
def test_unknown_year_or_community_is_404(client, staff, tree, figures_2023):
    client.force_login(staff)
    url = reverse("web:points_stats")
    assert client.get(f"{url}?year=1999").status_code == 404
    assert client.get(f"{url}?year=abc&community={tree.heping.pk}").status_code == 200
    assert client.get(f"{url}?community=x").status_code == 404


@pytest.mark.django_db
def test_public_page_shows_only_the_headline(client, tree, figures_2023, dzj):
    body = client.get(reverse("web:points_stats_public", args=[tree.heping.pk, 2023])).content
    text = body.decode()
    assert "2023 年，和平社区 1 人参与积分兑换，累计兑换积分 15 分。" in text
    assert dzj.name not in text and dzj.phone not in text


@pytest.mark.django_db
def test_vendored_echarts_has_its_licence(settings):
    from pathlib import Path

    vendor = Path(__file__).resolve().parents[1] / "static" / "linli" / "vendor"
    assert (vendor / "echarts-5.6.0.min.js").stat().st_size > 100_000
    assert "Apache License" in (vendor / "echarts-LICENSE.txt").read_text()
    assert "Apache ECharts" in (vendor / "echarts-NOTICE.txt").read_text()
