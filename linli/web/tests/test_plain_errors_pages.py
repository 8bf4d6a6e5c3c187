"""Finding 10's small items on pages: the quantity error in plain Chinese (not Django's stock
"确保该值…"), dates with their year in the shop's history."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.points.limits import MAX_QUANTITY
from linli.points.models import Order
from linli.points.tests.shop_fixtures import *  # noqa: F403 - fixtures

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("quantity", "says"),
    [
        ("0", "数量至少是 1"),
        (str(MAX_QUANTITY + 1), f"一次最多兑换 {MAX_QUANTITY} 件"),
        ("1.5", "数量请填写整数"),
    ],
)
def test_quantity_errors_are_plain_chinese(
    client, resident_user, rich_dzj, window, masks, quantity, says
):
    client.force_login(resident_user)
    response = client.post(
        reverse("web:shop_redeem", args=[masks.pk]),
        {"quantity": quantity, "idempotency_key": uuid.uuid4().hex},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert says in body and "确保" not in body
    assert Order.objects.count() == 0


def test_shop_history_dates_carry_the_year(client, resident_user, rich_dzj, window, masks):
    client.force_login(resident_user)
    client.post(
        reverse("web:shop_redeem", args=[masks.pk]),
        {"quantity": "1", "idempotency_key": uuid.uuid4().hex},
    )
    order = Order.objects.get()
    body = client.get(reverse("web:shop_home")).content.decode()
    assert timezone.localtime(order.placed_at).strftime("%Y-%m-%d %H:%M") in body
