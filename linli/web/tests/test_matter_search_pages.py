"""Finding matters on the 议事 list: text, state (closed ones too), level, kind, place and period,
each person within what she may see, page by page, bad parameters read as absent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from linli.matters.models import Matter
from linli.matters.services import matter_accept, matter_close, matter_raise, matter_settle

pytestmark = pytest.mark.django_db

URL = reverse("web:matter_list")


def _when(y: int, m: int, d: int) -> dt.datetime:
    return dt.datetime(y, m, d, 10, tzinfo=timezone.get_default_timezone())


@pytest.fixture
def world(tree, staff, resident_user, outsider):
    """An old 违建 matter, now closed; an open lamp; another community's 违建."""
    structures = matter_raise(
        actor=staff,
        place=tree.compound1,
        kind="problem",
        title="七处违建房存在安全隐患",
        description="私搭乱建，墙体开裂",
        source="visit",
        when=_when(2022, 12, 20),
    )
    matter_accept(actor=staff, matter=structures)
    matter_settle(actor=staff, matter=structures, note="已全部拆除")
    matter_close(actor=staff, matter=structures, note="")
    lamp = matter_raise(
        actor=resident_user, place=tree.building1, kind="problem", title="1栋楼道灯坏了"
    )
    theirs = matter_raise(
        actor=outsider,
        place=tree.other_building,
        kind="problem",
        title="胜利小区违建",
        source="visit",
    )
    return {"structures": structures, "lamp": lamp, "theirs": theirs}


def _found(client, user, **params) -> list[int]:
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    page = response.context["found"]
    assert page is not None, "a search shows its results"
    return [m.pk for m in page.object_list]


def test_closed_matter_found_by_text_and_state(client, world, staff):
    structures = world["structures"]
    assert Matter.objects.get(pk=structures.pk).state == "closed"
    assert _found(client, staff, q="违建", state="finished") == [structures.pk]
    assert _found(client, staff, q="违建", state="closed") == [structures.pk]
    assert _found(client, staff, q="违建", state="open") == []
    response = client.get(URL, {"q": "违建", "state": "finished"})
    assert "七处违建房存在安全隐患" in response.content.decode()


def test_text_matches_content_case_number_and_place(client, world, staff, tree):
    structures, lamp = world["structures"], world["lamp"]
    assert _found(client, staff, q="墙体开裂") == [structures.pk]
    assert _found(client, staff, q=structures.case_number.lower()) == [structures.pk]
    assert _found(client, staff, q="1栋") == [lamp.pk]
    assert set(_found(client, staff, q="和平小区")) == {structures.pk, lamp.pk}


def test_filters_level_kind_place_period(client, world, staff, tree):
    structures, lamp = world["structures"], world["lamp"]
    assert _found(client, staff, at_level="building") == [lamp.pk]
    assert _found(client, staff, kind="suggestion") == []
    assert set(_found(client, staff, place=tree.compound1.pk)) == {structures.pk, lamp.pk}
    assert _found(client, staff, start="2022-12-01", end="2022-12-31") == [structures.pk]
    # A reversed period is read the right way round.
    assert _found(client, staff, start="2022-12-31", end="2022-12-01") == [structures.pk]


def test_each_person_finds_only_what_she_may_see(client, world, resident_user, outsider, tree):
    # The resident sees her building's and compound's matters, not another community's.
    assert set(_found(client, resident_user, q="违建")) == {world["structures"].pk}
    assert _found(client, outsider, q="违建") == [world["theirs"].pk]
    # A place she may not see is not offered and not applied (the filter is dropped).
    response = client.get(URL, {"place": tree.compound1.pk, "q": "违建"})
    assert tree.compound1 not in response.context["search_places"]
    assert response.context["search"].place is None
    assert "和平小区" not in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"q": "违\x00建"},
        {"q": "x" * 5000},
        {"state": "nonsense", "at_level": "<b>", "kind": "'", "place": "²"},
        {"start": "2024-02-30", "end": "0001-01-01"},
        {"place": "99999999999999999999", "page": "-1"},
    ],
)
def test_bad_parameters_are_read_as_absent(client, world, staff, params):
    client.force_login(staff)
    response = client.get(URL, params)
    assert response.status_code == 200
    search = response.context["search"]
    assert search.state == "" and search.level == "" and search.kind == ""
    assert search.place is None and search.start is None
    assert len(search.text) <= 40


def test_results_are_paginated_with_a_bounded_query_count(client, tree, staff):
    for i in range(45):
        matter_raise(
            actor=staff, place=tree.compound1, kind="problem", title=f"路灯{i}", source="visit"
        )
    client.force_login(staff)
    with CaptureQueriesContext(connection) as first:
        response = client.get(URL, {"q": "路灯"})
    page = response.context["found"]
    assert page.paginator.count == 45 and len(page.object_list) == 20
    assert "q=%E8%B7%AF%E7%81%AF&amp;page=2" in response.content.decode()
    with CaptureQueriesContext(connection) as third:
        response = client.get(URL, {"q": "路灯", "page": 3})
    assert len(response.context["found"].object_list) == 5
    assert len(third.captured_queries) == len(first.captured_queries)


def test_finished_matter_offers_close_and_reopen_apart(client, tree, staff):
    m = matter_raise(
        actor=staff, place=tree.compound1, kind="problem", title="井盖", source="visit"
    )
    matter_accept(actor=staff, matter=m)
    matter_settle(actor=staff, matter=m, note="已更换")
    client.force_login(staff)
    url = reverse("web:matter_detail", args=[m.pk])
    html = client.get(url).content.decode()
    # 办结: 关闭 is the button; 重新打开 is asked for apart, inside the disclosure.
    close_at = html.index('data-testid="act-close"')
    apart_at = html.index('data-testid="reopen-apart"')
    assert close_at < apart_at < html.index('data-testid="act-reopen"')
    matter_close(actor=staff, matter=m, note="")
    html = client.get(url).content.decode()
    # 已关闭: only 重新打开, as a plain button, and no 关闭.
    assert 'data-testid="act-reopen"' in html
    assert 'data-testid="act-close"' not in html and "reopen-apart" not in html
