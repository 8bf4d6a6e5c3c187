"""The board page: the policy matrix (page × persona), what each role's board shows, the
filters (place, period presets, custom dates, bad input), the calendar warning, English, the
charts' data and a query count that does not grow with the data."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from linli.core.workdays import LAST_COVERED_YEAR
from linli.matters.choices import MatterLevel, MatterState
from linli.matters.tests.test_boards_data import TODAY, at, board_data, matter, referral
from linli.web.matters.views import boards as views_boards
from linli.web.tests.security_checks import assert_security_headers

pytestmark = pytest.mark.django_db

PERSONAS = [
    "anonymous",
    "resident_user",
    "leader",
    "staff",
    "secretary",
    "supervisor",
    "outsider",
    "zj_handler",
]
Q2 = "period=custom&start=2025-04-01&end=2025-06-30"

# anonymous, resident, leader, staff, secretary, supervisor, outsider, department handler
MATRIX = {
    "board": [302, 404, 200, 200, 200, 200, 200, 200],
    "board_q2": [302, 404, 200, 200, 200, 200, 200, 200],
    "board_year_preset": [302, 404, 200, 200, 200, 200, 200, 200],
    "board_heping": [302, 404, 404, 200, 200, 200, 404, 200],
    "board_building1": [302, 404, 200, 200, 200, 200, 404, 200],
    "board_building2": [302, 404, 404, 200, 200, 200, 404, 200],
    "board_other": [302, 404, 404, 404, 404, 200, 200, 200],
    "board_city": [302, 404, 404, 404, 404, 404, 404, 404],
    "board_household": [302, 404, 404, 404, 404, 404, 404, 404],
    "board_bad_place": [302, 404, 404, 404, 404, 404, 404, 404],
    "board_department": [302, 404, 404, 404, 404, 404, 404, 200],
    "board_other_department": [302, 404, 404, 404, 404, 404, 404, 404],
}


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    """The board's "today" is the data set's: Thursday 2025-07-10."""
    monkeypatch.setattr(views_boards, "_today", lambda: TODAY)


@pytest.fixture
def data(tree):
    return board_data(tree)


@pytest.fixture
def zj_handler(data):
    return data.zj_handler


def _as(request, client, persona):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    return client


def _url(query: str = "") -> str:
    return reverse("web:board") + (f"?{query}" if query else "")


@pytest.mark.parametrize("page", list(MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_board_page_matrix(request, client, tree, data, leader, page, persona):
    household = leader.grants.get().place.children.first() or tree.building1
    urls = {
        "board": _url(),
        "board_q2": _url(Q2),
        "board_year_preset": _url("period=2025"),
        "board_heping": _url(f"place={tree.heping.pk}"),
        "board_building1": _url(f"place={tree.building1.pk}&{Q2}"),
        "board_building2": _url(f"place={tree.building2.pk}"),
        "board_other": _url(f"place={tree.other.pk}"),
        "board_city": _url(f"place={tree.city.pk}"),
        "board_household": _url(f"place={household.pk}"),
        "board_bad_place": _url("place=abc"),
        "board_department": _url(f"department={data.zj.pk}"),
        "board_other_department": _url(f"department={data.cg.pk}"),
    }
    response = _as(request, client, persona).get(urls[page])
    expected = MATRIX[page][PERSONAS.index(persona)]
    assert response.status_code == expected, (page, persona, response.status_code)
    assert_security_headers(response)


def _chart(body: str) -> dict:
    found = re.search(r'<script id="board-chart-data" type="application/json">(.*?)</script>', body)
    assert found
    return json.loads(found.group(1))


def _tile(body: str, name: str) -> str:
    found = re.search(rf'data-testid="tile-{name}">(.*?)</div>', body, re.S)
    assert found, name
    return re.sub(r"<[^>]+>", " ", found.group(1))


def test_staff_board_shows_tiles_tables_and_charts(client, staff, data, tree):
    client.force_login(staff)
    body = client.get(_url(Q2)).content.decode()
    assert 'data-testid="board-title">和平社区<' in body
    assert "2025-04-01 至 2025-06-30" in body
    assert "7" in _tile(body, "open") and "2" in _tile(body, "overdue")
    assert " 8 " in _tile(body, "raised") and " 5 " in _tile(body, "finished")
    assert "60.0%" in _tile(body, "on-time") and "3/5" in _tile(body, "on-time")
    assert "40.0%" in _tile(body, "problems") and "2/5" in _tile(body, "problems")
    assert "66.7%" in _tile(body, "rectifications") and "2/3" in _tile(body, "rectifications")
    assert "40.0%" in _tile(body, "satisfaction")
    assert 'data-testid="problems">2/5 · 40.0%<' in body
    assert re.search(r'data-testid="flags-open">1 <span class="tag warn">超期 1</span>', body)
    # Overdue referrals, oldest first, linked to their matters.
    rows = re.findall(r'data-testid="overdue-row">.*?href="([^"]+)"', body, re.S)
    assert rows == [
        reverse("web:matter_detail", args=[data.m["E"].pk]),
        reverse("web:matter_detail", args=[data.m["F"].pk]),
    ]
    assert "已延期，原定 2025-05-06" in body
    # One community: no per-community table; departments with their rates.
    assert 'data-testid="by-community"' not in body
    assert re.search(r"<td[^>]*>住建</td>\s*<td[^>]*>2</td>\s*<td[^>]*>2</td>", body)
    assert "1/2 · 50.0%" in body and "2/3 · 66.7%" in body
    chart = _chart(body)
    assert chart["levels"] == ["楼栋", "小区", "社区", "部门"]
    assert [a["data"] for a in chart["ages"]][3] == [0, 0, 0, 2]  # older than 90 days: F P
    assert chart["raised"] == [2, 3, 3] and chart["finished"] == [1, 2, 2]
    assert chart["ratingCounts"] == [1, 1, 1, 1, 1]
    assert "echarts-5.6.0.min.js" in body and "//cdn" not in body.lower()  # vendored, no CDN
    assert 'data-testid="calendar-warning"' not in body


def test_an_empty_period_shows_dashes_not_errors(client, staff, data):
    client.force_login(staff)
    body = client.get(_url("period=custom&start=2024-01-01&end=2024-01-31")).content.decode()
    assert "—" in _tile(body, "on-time") and "0/0" in _tile(body, "on-time")
    assert "0/0 · —" in body


def test_leader_board_is_their_building(client, leader, data, tree):
    client.force_login(leader)
    body = client.get(_url(Q2)).content.decode()
    assert 'data-testid="board-title">1栋<' in body
    assert "3" in _tile(body, "open")
    assert len(re.findall(r'data-testid="overdue-row"', body)) == 1
    # The picker offers only the building.
    picker = re.search(r'<select name="place".*?</select>', body, re.S).group(0)
    assert "1栋" in picker and "2栋" not in picker and "胜利" not in picker


def test_supervisor_board_has_a_row_per_community(client, supervisor, data, tree):
    client.force_login(supervisor)
    body = client.get(_url(Q2)).content.decode()
    assert 'data-testid="by-community"' in body
    link = (
        f'href="?place={tree.heping.pk}&amp;period=custom&amp;start=2025-04-01&amp;end=2025-06-30"'
    )
    assert link in body and "胜利社区" in body
    assert "3" in _tile(body, "overdue")
    # Following the row narrows the board to the community.
    narrowed = client.get(_url(f"place={tree.heping.pk}&{Q2}")).content.decode()
    assert 'data-testid="board-title">和平社区<' in narrowed
    assert 'data-testid="by-community"' not in narrowed


def test_department_board(client, data, tree):
    client.force_login(data.zj_handler)
    body = client.get(_url(Q2)).content.decode()
    assert 'data-testid="board-title">住建<' in body
    assert "1/2" in _tile(body, "on-time")
    assert 'data-testid="by-community"' in body
    # 胜利社区's overdue matter is theirs too, linked to its page (which they may see).
    assert reverse("web:matter_detail", args=[data.m["H"].pk]) in body
    assert client.get(reverse("web:matter_detail", args=[data.m["H"].pk])).status_code == 200


def test_staff_who_also_handle_a_department_can_switch(client, staff, data):
    from linli.people.choices import Role
    from tests.factories import GrantFactory

    GrantFactory(user=staff, role=Role.DEPARTMENT_HANDLER, place=data.zj.place, department=data.zj)
    client.force_login(staff)
    body = client.get(_url()).content.decode()
    assert f'href="/board/?department={data.zj.pk}"' in body
    dept = client.get(_url(f"department={data.zj.pk}")).content.decode()
    assert 'data-testid="board-title">住建<' in dept and 'href="/board/"' in dept


def test_bad_period_input_shows_an_error_and_this_years_figures(client, staff, data):
    client.force_login(staff)
    for query in (
        "period=custom&start=2025-06-30&end=2025-04-01",
        "period=custom&start=2025-04-01",
        "period=custom&start=2010-01-01&end=2025-12-31",
        "period=2025Q5",
        "period=custom&start=yesterday&end=2025-01-01",
    ):
        response = client.get(_url(query))
        assert response.status_code == 200, query
        assert 'data-testid="board-form-errors"' in response.content.decode(), query


@pytest.mark.parametrize(
    "query,label",
    [
        ("period=2025Q2", "2025 年第 2 季度"),
        ("period=2025", "2025 年"),
        ("", "2025 年"),
        ("period=2019Q4", "2019 年第 4 季度"),
    ],
)
def test_period_presets(client, staff, data, query, label):
    client.force_login(staff)
    body = client.get(_url(query)).content.decode()
    assert re.search(rf'data-testid="board-period">期间：[^<]*{label}', body)
    # The picker shows the period chosen (an older one, by link, too).
    key = query.removeprefix("period=") or "2025"
    assert re.search(rf'<option value="{key}" selected>', body)
    if query == "period=2025Q2":
        assert "40.0%" in _tile(body, "satisfaction")  # the same figures as the dates


def test_calendar_warning_for_an_uncovered_year(client, staff, data, tree):
    year = LAST_COVERED_YEAR + 1
    client.force_login(staff)
    body = client.get(_url(f"period=custom&start={year}-01-01&end={year}-03-31")).content.decode()
    assert 'data-testid="calendar-warning"' in body and f"{year} 年" in body


def test_board_in_english(client, staff, data):
    client.force_login(staff)
    client.post(reverse("web:preferences"), {"language": "en"})
    body = client.get(_url(Q2)).content.decode()
    assert '<html lang="en"' in body
    assert "Building" in _chart(body)["levels"][0]
    assert "3/5" in body


def test_query_count_does_not_grow_with_the_data(client, supervisor, data, tree):
    client.force_login(supervisor)
    client.get(_url(Q2))
    with CaptureQueriesContext(connection) as few:
        client.get(_url(Q2))
    for n in range(20):
        m = matter(
            tree.building2 if n % 2 else tree.other_building,
            f"Y{n}",
            level=MatterLevel.DEPARTMENT,
            state=MatterState.WAITING,
            raised=at(2025, 5, 1 + n),
        )
        referral(
            m,
            data.zj,
            lead=True,
            referred=at(2025, 5, 2 + n),
            due=dt.date(2025, 6, 2),
            state="sent",
        )
    with CaptureQueriesContext(connection) as many:
        client.get(_url(Q2))
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]
