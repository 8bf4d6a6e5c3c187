"""The authorisation matrix: every page × every persona. Outside one's places is a 404."""

import pytest
from django.urls import reverse

from linli.people.models import Resident
from linli.web.tests.security_checks import assert_security_headers

PERSONAS = ["anonymous", "resident_user", "leader", "staff", "secretary", "supervisor", "outsider"]


def _client_for(request, client, persona):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    return client


def _url(name, tree, dzj):
    return {
        "home": reverse("web:home"),
        "place_tree": reverse("web:place_tree"),
        "place_heping": reverse("web:place_detail", args=[tree.heping.pk]),
        "place_building1": reverse("web:place_detail", args=[tree.building1.pk]),
        "resident_list": reverse("web:resident_list"),
        "resident_detail": reverse("web:resident_detail", args=[dzj.pk]),
        "resident_new": reverse("web:resident_new"),
        "password_change": reverse("web:password_change"),
        "healthz": reverse("healthz"),
    }[name]


# Expected status per page for: anonymous, resident, leader, staff, secretary, supervisor,
# outsider. 302 for anonymous is the redirect to sign-in.
MATRIX = {
    "home": [200, 200, 200, 200, 200, 200, 200],  # a visitor: the landing page
    "place_tree": [302, 404, 302, 302, 302, 302, 302],
    "place_heping": [302, 404, 404, 200, 200, 200, 404],
    "place_building1": [302, 404, 200, 200, 200, 200, 404],
    "resident_list": [302, 404, 200, 200, 200, 404, 200],
    "resident_detail": [302, 200, 200, 200, 200, 404, 404],
    "resident_new": [302, 404, 404, 200, 200, 404, 200],
    "password_change": [302, 200, 200, 200, 200, 200, 200],
    "healthz": [200, 200, 200, 200, 200, 200, 200],
}


@pytest.mark.django_db
@pytest.mark.parametrize("page", list(MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_page_matrix(request, client, tree, resident_user, page, persona):
    dzj = Resident.objects.get(user=resident_user)
    c = _client_for(request, client, persona)
    expected = MATRIX[page][PERSONAS.index(persona)]
    response = c.get(_url(page, tree, dzj))
    assert response.status_code == expected, (page, persona, response.status_code)
    assert_security_headers(response)
    if expected == 302 and persona == "anonymous":
        assert response["Location"].startswith(reverse("web:login"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("resident_user", 404),
        ("leader", 404),
        ("supervisor", 404),
        ("outsider", 404),
        ("staff", 302),
        ("secretary", 302),
    ],
)
def test_account_action_matrix(request, client, tree, resident_user, persona, expected):
    dzj = Resident.objects.get(user=resident_user)
    before = resident_user.password
    c = _client_for(request, client, persona)
    response = c.post(reverse("web:resident_account", args=[dzj.pk]))
    assert response.status_code == expected
    resident_user.refresh_from_db()
    if persona in ("staff", "secretary"):
        assert resident_user.password != before
    else:
        assert resident_user.password == before


@pytest.mark.django_db
def test_outsider_list_shows_only_their_community(client, outsider, resident_user, leader):
    client.force_login(outsider)
    body = client.get(reverse("web:resident_list")).content.decode()
    assert "代正菊" not in body and "杨声芬" not in body
    assert resident_user.phone not in body


@pytest.mark.django_db
def test_resident_list_search_partial_and_query_count(
    client, secretary, resident_user, leader, django_assert_max_num_queries
):
    client.force_login(secretary)
    url = reverse("web:resident_list")
    with django_assert_max_num_queries(12):
        response = client.get(url, {"q": "dzj"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "代正菊" in body and "杨声芬" not in body
    assert "<html" not in body  # the htmx partial, not the whole page
    full = client.get(url).content.decode()
    assert "<html" in full and "代正菊" in full and "杨声芬" in full


@pytest.mark.django_db
def test_resident_list_query_count_does_not_grow_with_rows(
    client, tree, secretary, django_assert_max_num_queries
):
    from linli.people.services import group_join, resident_create
    from tests.factories import HouseholdFactory

    for i in range(30):
        home = HouseholdFactory(parent=tree.building2, name=f"{i}室")
        r = resident_create(actor=secretary, household=home, name=f"居民{i}", phone="")
        group_join(actor=secretary, resident=r, group="volunteer")
    client.force_login(secretary)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("web:resident_list"))
    assert response.content.decode().count("志愿者") >= 30


@pytest.mark.django_db
def test_staff_register_a_resident_through_the_form(client, tree, secretary):
    client.force_login(secretary)
    response = client.post(
        reverse("web:resident_new"),
        {
            "name": "新居民",
            "phone": "13700009999",
            "gender": "F",
            "birth_year": "1955",
            "building": tree.building2.pk,
            "unit": "2",
            "room": "201",
        },
    )
    resident = Resident.objects.get(name="新居民")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:resident_detail", args=[resident.pk])
    assert resident.household.building_id == tree.building2.pk
    assert resident.household.name == "2单元201"


@pytest.mark.django_db
def test_resident_form_refuses_another_communitys_building(client, tree, secretary):
    client.force_login(secretary)
    before = Resident.objects.count()
    response = client.post(
        reverse("web:resident_new"),
        {"name": "越界", "phone": "", "building": tree.other_building.pk, "room": "101"},
    )
    assert response.status_code == 200  # the form again, with the error
    assert Resident.objects.count() == before


@pytest.mark.django_db
def test_resident_form_shows_duplicate_phone_in_chinese(client, tree, secretary, resident_user):
    client.force_login(secretary)
    before = Resident.objects.count()
    response = client.post(
        reverse("web:resident_new"),
        {"name": "重号", "phone": resident_user.phone, "building": tree.building2.pk, "room": "9"},
    )
    assert "已登记给另一位在住居民" in response.content.decode()
    assert Resident.objects.count() == before


@pytest.mark.django_db
def test_refused_registration_leaves_no_household_behind(client, tree, secretary, resident_user):
    from linli.places.models import Place

    client.force_login(secretary)
    places = Place.objects.count()
    client.post(
        reverse("web:resident_new"),
        {"name": "重号", "phone": resident_user.phone, "building": tree.building2.pk, "room": "77"},
    )
    assert Place.objects.count() == places


@pytest.mark.django_db
def test_menu_and_home_lead_to_the_shop_and_the_cycle(client, secretary, resident_user):
    client.force_login(resident_user)
    home = client.get(reverse("web:home")).content.decode()
    assert reverse("web:shop_home") in home and reverse("web:shop_my_orders") in home
    client.force_login(secretary)
    home = client.get(reverse("web:home")).content.decode()
    for name in ("publication_list", "shop_orders", "points_stats"):
        assert reverse(f"web:{name}") in home
    # The public points lists are reachable from every page, signed in or not.
    client.logout()
    assert reverse("web:publication_index") in client.get(reverse("web:login")).content.decode()


@pytest.mark.django_db
def test_a_sponsor_sees_vouchers_not_community_figures(client, tree):
    from linli.people.choices import Role
    from tests.factories import GrantFactory, UserFactory

    shop = UserFactory(name="王桂兰", phone="13907160005")
    GrantFactory(user=shop, role=Role.SPONSOR, place=tree.heping)
    client.force_login(shop)
    home = client.get(reverse("web:home")).content.decode()
    assert reverse("web:shop_sponsor") in home
    assert "在住居民" not in home
