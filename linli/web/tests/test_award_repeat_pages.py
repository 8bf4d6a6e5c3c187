"""The award form against the browser's back button: an exact replay gives the first award and
one message; a new post to the same resident within minutes is asked about first; a building
leader's rule menu holds only the rules she may propose by."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from linli.points.choices import AwardStatus
from linli.points.models import Award
from linli.points.selectors import resident_balance

pytestmark = pytest.mark.django_db

URL = reverse("web:points_award")


def _form(dzj, rule, points="10", key=None, **extra):
    return {
        "resident": dzj.pk,
        "rule": rule.pk,
        "points": points,
        "evidence_note": "微议事建议",
        "idempotency_key": key or uuid.uuid4().hex,
        **extra,
    }


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_exact_replay_gives_one_award_and_one_message(client, secretary, dzj, suggestion_rule):
    client.force_login(secretary)
    form = _form(dzj, suggestion_rule)
    first = client.post(URL, form)
    second = client.post(URL, form)
    assert first.status_code == second.status_code == 302
    assert Award.objects.filter(resident=dzj).count() == 1
    assert resident_balance(dzj) == 10
    shown = _messages(client.get(second["Location"]))
    assert shown == [f"已为 {dzj.name} 加 10 分。"]
    # Replayed again once the message was shown: said once more, still one award.
    third = client.post(URL, form, follow=True)
    assert _messages(third) == [f"已为 {dzj.name} 加 10 分。"]
    assert Award.objects.filter(resident=dzj).count() == 1


def test_new_post_to_same_resident_within_minutes_is_asked_first(
    client, secretary, dzj, suggestion_rule
):
    client.force_login(secretary)
    client.post(URL, _form(dzj, suggestion_rule))
    # Back, the page fetched again (a new key), the same form sent again.
    again = _form(dzj, suggestion_rule)
    response = client.post(URL, again)
    assert response.status_code == 200
    body = response.content.decode()
    assert "10 分钟内你已为 代正菊 加过 10 分（建言献策被采纳）" in body
    assert 'name="confirm_repeat"' in body
    assert 'value="10"' in body  # what was typed stays
    assert Award.objects.filter(resident=dzj).count() == 1
    assert resident_balance(dzj) == 10
    # Confirmed: a second award, with the same key as the question's form.
    confirmed = client.post(URL, {**again, "confirm_repeat": "1"})
    assert confirmed.status_code == 302
    assert Award.objects.filter(resident=dzj).count() == 2
    assert resident_balance(dzj) == 20


def test_other_resident_is_not_asked_about(client, secretary, dzj, neighbour, suggestion_rule):
    client.force_login(secretary)
    assert client.post(URL, _form(dzj, suggestion_rule)).status_code == 302
    assert client.post(URL, _form(neighbour, suggestion_rule)).status_code == 302
    assert Award.objects.count() == 2


def test_leader_rule_menu_lists_only_rules_she_may_use(
    client, leader, dzj, suggestion_rule, patrol_rule
):
    client.force_login(leader)
    page = client.get(URL, {"resident": dzj.pk})
    body = page.content.decode()
    assert [r.pk for r in page.context["rules"]] == [suggestion_rule.pk]
    assert "建言献策被采纳" in body and "义务巡逻" not in body
    # Posting the staff-only rule anyway is refused in words, and nothing is written.
    refused = client.post(URL, _form(dzj, patrol_rule))
    assert refused.status_code == 200
    assert "请从列表中选择可用的规则" in refused.content.decode()
    assert not Award.objects.exists()
    # The rule she may use is a proposal.
    assert client.post(URL, _form(dzj, suggestion_rule)).status_code == 302
    assert Award.objects.get().status == AwardStatus.PROPOSED


def test_staff_rule_menu_lists_every_rule(client, secretary, dzj, suggestion_rule, patrol_rule):
    client.force_login(secretary)
    page = client.get(URL, {"resident": dzj.pk})
    assert {r.pk for r in page.context["rules"]} == {suggestion_rule.pk, patrol_rule.pk}
