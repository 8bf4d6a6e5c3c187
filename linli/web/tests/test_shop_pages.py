"""Shop pages: the policy matrix for every page × persona (a sponsor user included), and the
flows through the forms."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse

from linli.points.choices import OrderStatus
from linli.points.models import Order, Pledge, Reward, Sponsor
from linli.points.selectors import resident_balance
from linli.points.services.shop import pledge_create, redemption_place
from linli.points.tests.shop_fixtures import *  # noqa: F403 - fixtures
from linli.web.tests.security_checks import HOSTILE_NEXT, assert_security_headers

pytestmark = pytest.mark.django_db

PERSONAS = [
    "anonymous",
    "resident_user",
    "leader",
    "staff",
    "secretary",
    "supervisor",
    "outsider",
    "sponsor_user",
]

# anonymous, resident, leader, staff, secretary, supervisor, outsider, sponsor
MATRIX = {
    "shop_home": [302, 200, 200, 200, 200, 404, 200, 302],
    "shop_home_heping": [302, 200, 200, 200, 200, 404, 404, 404],
    "shop_redeem": [302, 200, 200, 404, 404, 404, 404, 404],
    "shop_my_orders": [302, 200, 200, 404, 404, 404, 404, 404],
    "shop_order": [302, 200, 404, 200, 200, 404, 404, 404],
    "shop_orders": [302, 404, 404, 200, 200, 404, 200, 404],
    "shop_orders_heping": [302, 404, 404, 200, 200, 404, 404, 404],
    "shop_rewards_heping": [302, 404, 404, 200, 200, 404, 404, 404],
    "shop_reward_new_heping": [302, 404, 404, 200, 200, 404, 404, 404],
    "shop_reward_edit": [302, 404, 404, 200, 200, 404, 404, 404],
    "shop_sponsors_heping": [302, 404, 404, 200, 200, 404, 404, 404],
    "shop_sponsor_new_heping": [302, 404, 404, 200, 200, 404, 404, 404],
    "shop_sponsor_edit": [302, 404, 404, 200, 200, 404, 404, 404],
    "shop_pledge_new": [302, 404, 404, 200, 200, 404, 404, 404],
    "shop_sponsor": [302, 404, 404, 404, 404, 404, 404, 200],
    "shop_thanks": [200, 200, 200, 200, 200, 200, 200, 200],
}


@pytest.fixture
def placed(resident_user, rich_dzj, window, masks, haircut) -> Order:
    return redemption_place(
        actor=resident_user, resident=rich_dzj, reward=haircut, idempotency_key="first-haircut"
    )


def _as(request, client, persona):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    return client


@pytest.mark.parametrize("page", list(MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_shop_page_matrix(request, client, tree, placed, masks, barber, page, persona):
    h = f"?community={tree.heping.pk}"
    urls = {
        "shop_home": reverse("web:shop_home"),
        "shop_home_heping": reverse("web:shop_home") + h,
        "shop_redeem": reverse("web:shop_redeem", args=[masks.pk]),
        "shop_my_orders": reverse("web:shop_my_orders"),
        "shop_order": reverse("web:shop_order", args=[placed.pk]),
        "shop_orders": reverse("web:shop_orders"),
        "shop_orders_heping": reverse("web:shop_orders") + h,
        "shop_rewards_heping": reverse("web:shop_rewards") + h,
        "shop_reward_new_heping": reverse("web:shop_reward_new") + h,
        "shop_reward_edit": reverse("web:shop_reward_edit", args=[masks.pk]),
        "shop_sponsors_heping": reverse("web:shop_sponsors") + h,
        "shop_sponsor_new_heping": reverse("web:shop_sponsor_new") + h,
        "shop_sponsor_edit": reverse("web:shop_sponsor_edit", args=[barber.pk]),
        "shop_pledge_new": reverse("web:shop_pledge_new", args=[barber.pk]),
        "shop_sponsor": reverse("web:shop_sponsor"),
        "shop_thanks": reverse("web:shop_thanks", args=[tree.heping.pk]),
    }
    response = _as(request, client, persona).get(urls[page])
    expected = MATRIX[page][PERSONAS.index(persona)]
    assert response.status_code == expected, (page, persona, response.status_code)
    assert_security_headers(response)


POSTS = ["cancel", "fulfil", "restock", "deliver"]
# Who may POST (anonymous → sign-in; others outside → 404).
POST_MATRIX = {
    "cancel": [302, 302, 404, 302, 302, 404, 404, 404],
    "fulfil": [302, 404, 404, 302, 302, 404, 404, 404],
    "restock": [302, 404, 404, 302, 302, 404, 404, 404],
    "deliver": [302, 404, 404, 302, 302, 404, 404, 404],
}


@pytest.mark.parametrize("action", POSTS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_shop_post_matrix(request, client, secretary, tree, masks, barber, action, persona):
    resident_user = request.getfixturevalue("resident_user")
    rich = request.getfixturevalue("rich_dzj")
    request.getfixturevalue("window")
    order = redemption_place(actor=resident_user, resident=rich, reward=masks, idempotency_key="k")
    pledge = pledge_create(
        actor=secretary, sponsor=barber, year=2023, quarter=4, description="理发", value_yuan=1
    )
    urls = {
        "cancel": reverse("web:shop_order_cancel", args=[order.pk]),
        "fulfil": reverse("web:shop_order_fulfil", args=[order.pk]),
        "restock": reverse("web:shop_reward_restock", args=[masks.pk]),
        "deliver": reverse("web:shop_pledge_deliver", args=[pledge.pk]),
    }
    response = _as(request, client, persona).post(urls[action], {"add": "3", "note": "到了"})
    expected = POST_MATRIX[action][PERSONAS.index(persona)]
    assert response.status_code == expected, (action, persona, response.status_code)
    if response.status_code == 404 or persona == "anonymous":
        assert Order.objects.get(pk=order.pk).status == OrderStatus.PLACED
        assert Reward.objects.get(pk=masks.pk).stock == 9
        assert Pledge.objects.get(pk=pledge.pk).delivered_at is None


def test_resident_redeems_through_the_form_once(client, resident_user, rich_dzj, window, masks):
    client.force_login(resident_user)
    page = client.get(reverse("web:shop_home")).content.decode()
    assert "口罩" in page and "兑换期开放中" in page and 'data-testid="balance">180<' in page
    confirm = client.get(reverse("web:shop_redeem", args=[masks.pk])).content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', confirm).group(1)
    url = reverse("web:shop_redeem", args=[masks.pk])
    first = client.post(url, {"quantity": "2", "idempotency_key": key})
    again = client.post(url, {"quantity": "2", "idempotency_key": key})
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Order.objects.count() == 1
    assert resident_balance(rich_dzj) == 140
    detail = client.get(first["Location"]).content.decode()
    assert "待领取" in detail


def test_redeem_refusal_is_shown_and_changes_nothing(client, resident_user, dzj, window, masks):
    client.force_login(resident_user)
    response = client.post(
        reverse("web:shop_redeem", args=[masks.pk]),
        {"quantity": "1", "idempotency_key": uuid.uuid4().hex},
    )
    assert response.status_code == 200
    assert "积分不足" in response.content.decode()
    assert Order.objects.count() == 0 and Reward.objects.get(pk=masks.pk).stock == 10


def test_voucher_page_shows_code_and_qr(client, resident_user, placed):
    client.force_login(resident_user)
    body = client.get(reverse("web:shop_order", args=[placed.pk])).content.decode()
    assert placed.voucher_code in body and "<svg" in body
    mine = client.get(reverse("web:shop_my_orders")).content.decode()
    assert placed.voucher_code in mine and "<svg" in mine


def test_sponsor_confirms_by_code_and_wrong_sponsor_cannot(
    client, sponsor_user, other_sponsor_user, placed
):
    client.force_login(other_sponsor_user)
    body = client.get(reverse("web:shop_sponsor") + f"?code={placed.voucher_code}")
    assert "找不到该兑换码" in body.content.decode()
    client.post(reverse("web:shop_sponsor"), {"code": placed.voucher_code})
    assert Order.objects.get(pk=placed.pk).status == OrderStatus.VOUCHER
    client.force_login(sponsor_user)
    found = client.get(reverse("web:shop_sponsor") + f"?code={placed.voucher_code.lower()}")
    assert 'data-testid="found"' in found.content.decode()
    done = client.post(reverse("web:shop_sponsor"), {"code": placed.voucher_code})
    assert done.status_code == 302
    assert Order.objects.get(pk=placed.pk).status == OrderStatus.CONFIRMED
    twice = client.post(reverse("web:shop_sponsor"), {"code": placed.voucher_code})
    assert twice.status_code == 200 and "不能重复确认" in twice.content.decode()


def test_staff_orders_filter_by_pinyin_and_fulfil(
    client, staff, resident_user, rich_dzj, window, masks
):
    order = redemption_place(
        actor=resident_user, resident=rich_dzj, reward=masks, idempotency_key="m1"
    )
    client.force_login(staff)
    url = reverse("web:shop_orders")
    assert "代正菊" in client.get(url + "?q=dzj").content.decode()
    assert "代正菊" not in client.get(url + "?q=zzz").content.decode()
    assert "代正菊" not in client.get(url + "?status=fulfilled").content.decode()
    response = client.post(reverse("web:shop_order_fulfil", args=[order.pk]), {"next": url})
    assert response.status_code == 302 and response["Location"] == url
    assert Order.objects.get(pk=order.pk).status == OrderStatus.FULFILLED


def test_staff_orders_page_query_count(
    client, staff, resident_user, rich_dzj, window, masks, django_assert_max_num_queries
):
    for i in range(5):
        redemption_place(
            actor=resident_user, resident=rich_dzj, reward=masks, idempotency_key=f"q{i}"
        )
    client.force_login(staff)
    with django_assert_max_num_queries(14):
        client.get(reverse("web:shop_orders"))


def test_staff_create_reward_and_sponsor_and_pledge(
    client, secretary, tree, sponsor_user, other_sponsor_user
):
    client.force_login(secretary)
    h = f"?community={tree.heping.pk}"
    r = client.post(
        reverse("web:shop_sponsor_new") + h,
        {
            "name": "爱心水电",
            "kind": "business",
            "contact_name": "张师傅",
            "user": sponsor_user.pk,
            "thanks_public": "on",
        },
    )
    assert r.status_code == 302
    sponsor = Sponsor.objects.get(name="爱心水电")
    assert sponsor.user == sponsor_user
    r = client.post(
        reverse("web:shop_reward_new") + h,
        {
            "kind": "service",
            "name": "水电维修",
            "price": "50",
            "stock": "4",
            "per_resident_limit": "1",
            "sponsor": sponsor.pk,
            "active": "on",
        },
    )
    assert r.status_code == 302
    reward = Reward.objects.get(name="水电维修")
    assert (reward.price, reward.stock, reward.per_resident_limit) == (50, 4, 1)
    r = client.post(
        reverse("web:shop_pledge_new", args=[sponsor.pk]),
        {"year": "2024", "quarter": "1", "description": "水电维修 4 次", "value_yuan": "400"},
    )
    assert r.status_code == 302
    thanks = client.get(reverse("web:shop_thanks", args=[tree.heping.pk]) + "?year=2024&quarter=1")
    assert "爱心水电" in thanks.content.decode() and "水电维修 4 次" in thanks.content.decode()
    assert "张师傅" not in thanks.content.decode()


def test_bad_reward_form_shows_errors(client, secretary, tree):
    client.force_login(secretary)
    r = client.post(
        reverse("web:shop_reward_new") + f"?community={tree.heping.pk}",
        {"kind": "goods", "name": "口罩", "price": "0", "stock": "-1"},
    )
    assert r.status_code == 200 and Reward.objects.count() == 0


def test_staff_redeem_on_behalf_of_a_resident(client, staff, outsider, rich_dzj, window, masks):
    """The service-station flow for older residents without a phone: find the resident by
    pinyin initials, pick a reward, confirm; the order is theirs, placed by the staff."""
    client.force_login(staff)
    found = client.get(reverse("web:shop_redeem_for"), {"q": "dzj"}).content.decode()
    assert f"?for={rich_dzj.pk}" in found
    url = reverse("web:shop_redeem", args=[masks.pk]) + f"?for={rich_dzj.pk}"
    page = client.get(url).content.decode()
    assert 'data-testid="on-behalf"' in page and "代正菊" in page
    response = client.post(url, {"quantity": "1", "idempotency_key": uuid.uuid4().hex})
    order = Order.objects.get(resident=rich_dzj)
    assert response.status_code == 302
    assert order.placed_by == staff and order.points == masks.price
    assert resident_balance(rich_dzj) == 180 - masks.price
    # Outside one's places: 404 on both steps, nothing ordered.
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.get(reverse("web:shop_redeem_for"), {"for": rich_dzj.pk}).status_code == 404
    assert Order.objects.count() == 1


@pytest.mark.parametrize("hostile", HOSTILE_NEXT)
def test_order_steps_stay_on_the_site_whatever_next_says(client, secretary, placed, hostile):
    client.force_login(secretary)
    fallback = reverse("web:shop_order", args=[placed.pk])
    for name in ("shop_order_fulfil", "shop_order_cancel"):
        resp = client.post(reverse(f"web:{name}", args=[placed.pk]), {"next": hostile})
        assert resp.status_code == 302 and resp["Location"] == fallback, name
