"""A resident's page links to her points, volunteer record and matters (each as its policy
allows); her points history carries the balance after each line, summed by the database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from linli.matters.services import matter_raise
from linli.points.choices import RuleCategory
from linli.points.services import award_reverse, points_award, rule_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def free_rule(version, secretary):
    return rule_create(
        actor=secretary,
        version=version,
        key="free",
        name="志愿服务",
        category=RuleCategory.VOLUNTEER,
        points_min=1,
        points_max=100,
        active_from=dt.date(2023, 1, 1),
    )


def _award(secretary, dzj, rule, points, day, key):
    return points_award(
        actor=secretary,
        resident=dzj,
        rule=rule,
        points=points,
        idempotency_key=key,
        occurred_at=dt.datetime(2023, 11, day, 11, 0, tzinfo=dt.UTC),
    )


def test_history_shows_the_balance_after_each_line(client, secretary, dzj, free_rule):
    # Registered out of order: the balance follows when each happened, not when entered.
    _award(secretary, dzj, free_rule, 10, 18, "evening")
    first = _award(secretary, dzj, free_rule, 20, 1, "first")
    _award(secretary, dzj, free_rule, 15, 10, "second")
    award_reverse(actor=secretary, award=first, reason="登记错了")
    client.force_login(secretary)
    response = client.get(reverse("web:resident_points", args=[dzj.pk]))
    rows = [(e.amount, e.balance_after) for e in response.context["page"].object_list]
    # Newest first: the reversal (now), the evening, the second, the first.
    assert rows == [(-20, 25), (10, 45), (15, 35), (20, 20)]
    body = response.content.decode()
    assert body.count('data-testid="balance-after"') == 4
    assert 'data-testid="balance">25<' in body


def test_history_balance_is_right_on_a_later_page_and_queries_stay_few(
    client, secretary, dzj, free_rule
):
    for day in range(1, 31):
        _award(secretary, dzj, free_rule, 1 + day % 3, day, f"k{day}")
    _award(secretary, dzj, free_rule, 7, 30, "last")  # 31 lines: two pages of 30
    client.force_login(secretary)
    url = reverse("web:resident_points", args=[dzj.pk])
    with CaptureQueriesContext(connection) as page1:
        first = client.get(url)
    with CaptureQueriesContext(connection) as page2:
        second = client.get(url, {"page": 2})
    total = sum(1 + day % 3 for day in range(1, 31)) + 7
    assert [e.balance_after for e in first.context["page"].object_list][:2] == [total, total - 7]
    oldest = list(second.context["page"].object_list)
    assert [e.posting.occurred_at.day for e in oldest] == [1]
    assert oldest[0].balance_after == 1 + 1 % 3
    assert len(page2.captured_queries) == len(page1.captured_queries)


def test_resident_page_links_to_points_record_and_matters(
    client, secretary, staff, leader, resident_user, dzj, tree
):
    url = reverse("web:resident_detail", args=[dzj.pk])
    points = reverse("web:resident_points", args=[dzj.pk])
    matters = reverse("web:matter_list") + f"?resident={dzj.pk}"
    client.force_login(staff)
    body = client.get(url).content.decode()
    assert points in body and reverse("web:volunteer_record_of", args=[dzj.pk]) in body
    assert matters in body
    client.force_login(resident_user)
    body = client.get(url).content.decode()
    assert points in body and reverse("web:volunteer_record") in body and matters in body
    # The building leader sees her points (policy) but not her volunteer record (staff's).
    client.force_login(leader)
    body = client.get(url).content.decode()
    assert points in body and "/volunteer/" not in body


def test_her_matters_from_her_page(client, staff, outsider, resident_user, dzj, tree):
    hers = matter_raise(
        actor=resident_user, place=tree.building1, kind="problem", title="楼道灯坏了"
    )
    matter_raise(actor=staff, place=tree.building1, kind="problem", title="别人的", source="visit")
    client.force_login(staff)
    response = client.get(reverse("web:matter_list"), {"resident": dzj.pk})
    assert [m.pk for m in response.context["found"].object_list] == [hers.pk]
    assert "代正菊 提出的事项" in response.content.decode()
    # Someone who may not see her: the filter is dropped, nothing of hers shows.
    client.force_login(outsider)
    response = client.get(reverse("web:matter_list"), {"resident": dzj.pk})
    assert response.context["found"] is None
    assert "代正菊" not in response.content.decode()
