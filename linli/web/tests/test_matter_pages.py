"""Matter pages: the policy matrix for every page × persona, and the flows through them."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from linli.matters.choices import MatterState
from linli.matters.models import Matter
from linli.matters.services import matter_accept, matter_escalate, matter_raise
from linli.points.models import Award
from linli.web.tests.security_checks import assert_security_headers

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "resident_user", "leader", "staff", "secretary", "supervisor", "outsider"]

# anonymous, resident, leader, staff, secretary, supervisor, outsider
MATRIX = {
    "matter_list": [302, 200, 200, 200, 200, 200, 200],
    "matter_new": [302, 200, 200, 200, 200, 404, 200],
    "matter_similar": [302, 200, 200, 200, 200, 200, 200],
    "matter_detail": [302, 200, 200, 200, 200, 200, 404],
    "matter_detail_other": [302, 404, 404, 404, 404, 200, 200],
    "matter_photo": [302, 200, 200, 200, 200, 200, 404],
    "matter_act_follow": [302, 302, 302, 302, 302, 302, 404],
}


def _png(name: str = "p.png") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (6, 6), (10, 120, 10)).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def lamp(tree, resident_user) -> Matter:
    return matter_raise(
        actor=resident_user,
        place=tree.building1,
        kind="problem",
        title="1栋楼道灯坏了",
        photos=[_png()],
    )


@pytest.fixture
def elsewhere(tree, outsider) -> Matter:
    return matter_raise(
        actor=outsider, place=tree.other_building, kind="problem", title="胜利", source="visit"
    )


def _as(request, client, persona):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    return client


@pytest.mark.parametrize("page", list(MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_matter_page_matrix(request, client, tree, lamp, elsewhere, page, persona):
    urls = {
        "matter_list": reverse("web:matter_list"),
        "matter_new": reverse("web:matter_new"),
        "matter_similar": reverse("web:matter_similar")
        + f"?place={tree.building1.pk}&title=楼道灯",
        "matter_detail": reverse("web:matter_detail", args=[lamp.pk]),
        "matter_detail_other": reverse("web:matter_detail", args=[elsewhere.pk]),
        "matter_photo": reverse("web:matter_photo", args=[lamp.photos.get().pk]),
        "matter_act_follow": reverse("web:matter_act", args=[lamp.pk, "follow"]),
    }
    c = _as(request, client, persona)
    url = urls[page]
    resp = c.post(url) if page.startswith("matter_act") else c.get(url)
    expected = MATRIX[page][PERSONAS.index(persona)]
    assert resp.status_code == expected, (page, persona, resp.status_code)
    if page == "matter_photo" and expected == 200:  # a file: its own, stricter policy
        assert resp["Content-Security-Policy"] == "default-src 'none'; sandbox"
    else:
        assert_security_headers(resp, geolocation=page == "matter_new" and expected == 200)
    if expected == 302 and persona == "anonymous":
        assert "/login/" in resp["Location"]


@pytest.mark.parametrize("persona", PERSONAS[1:])
def test_accept_through_the_page(request, client, lamp, persona):
    c = _as(request, client, persona)
    resp = c.post(reverse("web:matter_act", args=[lamp.pk, "accept"]))
    lamp.refresh_from_db()
    if persona in ("leader", "staff", "secretary"):
        assert resp.status_code == 302 and lamp.state == MatterState.ACCEPTED
    else:
        assert resp.status_code in (302, 404) and lamp.state == MatterState.RAISED
        assert lamp.events.count() == 1


def test_raise_with_a_photo_on_a_phone(client, tree, resident_user, lamp):
    client.force_login(resident_user)
    page = client.get(reverse("web:matter_new"))
    html = page.content.decode()
    assert 'accept="image/*"' in html and "capture" in html and "multiple" in html
    assert "2栋" not in html  # only one's own places
    similar = client.get(
        reverse("web:matter_similar"), {"place": tree.building1.pk, "title": "楼道的灯坏了"}
    )
    assert "1栋楼道灯坏了" in similar.content.decode()
    resp = client.post(
        reverse("web:matter_new"),
        {
            "kind": "suggestion",
            "place": tree.compound1.pk,
            "title": "增设电动车充电桩",
            "description": "楼道里充电太危险",
            "source": "resident",
            "photos": [_png("a.png"), _png("b.png")],
        },
    )
    assert resp.status_code == 302
    m = Matter.objects.get(title="增设电动车充电桩")
    assert m.photos.count() == 2 and m.place == tree.compound1
    detail = client.get(resp["Location"]).content.decode()
    assert "第 1 天，在小区" in detail and m.case_number in detail


def test_raise_refuses_a_non_image_and_keeps_the_form(client, tree, resident_user):
    client.force_login(resident_user)
    bad = SimpleUploadedFile("x.jpg", b"hello", content_type="image/jpeg")
    resp = client.post(
        reverse("web:matter_new"),
        {
            "kind": "problem",
            "place": tree.building1.pk,
            "title": "留着的标题",
            "source": "resident",
            "photos": [bad],
        },
    )
    assert resp.status_code == 400
    html = resp.content.decode()
    assert "这不是照片" in html and "留着的标题" in html
    assert not Matter.objects.exists()


def test_raise_for_another_place_is_refused(client, tree, resident_user):
    client.force_login(resident_user)
    resp = client.post(
        reverse("web:matter_new"),
        {"kind": "problem", "place": tree.building2.pk, "title": "x", "source": "resident"},
    )
    assert resp.status_code == 400 and not Matter.objects.exists()


def test_leader_settles_and_the_buttons_per_role(client, lamp, leader, resident_user, staff):
    client.force_login(resident_user)
    html = client.get(reverse("web:matter_detail", args=[lamp.pk])).content.decode()
    assert 'data-testid="act-withdraw"' in html and 'data-testid="act-accept"' not in html
    client.force_login(leader)
    html = client.get(reverse("web:matter_detail", args=[lamp.pk])).content.decode()
    assert 'data-testid="act-accept"' in html and 'data-testid="act-decline"' not in html
    client.post(reverse("web:matter_act", args=[lamp.pk, "accept"]))
    resp = client.post(reverse("web:matter_act", args=[lamp.pk, "escalate"]), {"text": ""})
    assert resp.status_code == 302
    lamp.refresh_from_db()
    assert lamp.level == "building"  # no reason: refused, nothing changed
    client.post(reverse("web:matter_act", args=[lamp.pk, "settle"]), {"text": "换了灯泡"})
    lamp.refresh_from_db()
    assert lamp.state == MatterState.DONE
    html = client.get(reverse("web:matter_detail", args=[lamp.pk])).content.decode()
    assert "换了灯泡" in html and "历时 1 天" in html


def test_staff_decide_adopts_a_suggestion(client, tree, resident_user, staff, suggestion_rule):
    m = matter_raise(actor=resident_user, place=tree.compound1, kind="suggestion", title="建小广场")
    matter_accept(actor=staff, matter=m)
    matter_escalate(actor=staff, matter=m, reason="社区出资")
    client.force_login(staff)
    url = reverse("web:matter_act", args=[m.pk, "decide"])
    client.post(url, {"text": "采纳", "adopted": "1"})
    client.post(url, {"text": "采纳", "adopted": "1"})  # a double click
    m.refresh_from_db()
    assert m.state == MatterState.DECIDED
    assert Award.objects.filter(source_type="matter", source_id=str(m.pk)).count() == 1
    client.force_login(resident_user)
    html = client.get(reverse("web:matter_detail", args=[m.pk])).content.decode()
    assert "采纳" in html and "建议被采纳" in html


def test_queues_per_role(client, tree, lamp, leader, staff, staff_matters=None):
    compound = matter_raise(
        actor=staff, place=tree.compound1, kind="problem", title="小区大门坏了", source="visit"
    )
    client.force_login(leader)
    html = client.get(reverse("web:matter_list")).content.decode()
    assert lamp.title in html and "小区大门坏了" not in html.split('data-testid="mine"')[0]
    client.force_login(staff)
    html = client.get(reverse("web:matter_list") + "?level=compound").content.decode()
    queue = html.split('data-testid="queue"')[1].split("</section>")[0]
    assert compound.title in queue and lamp.title not in queue


def test_age_text_for_an_old_matter(tree, resident_user, client):
    long_ago = timezone.now() - dt.timedelta(days=236)
    m = matter_raise(
        actor=resident_user, place=tree.building1, kind="problem", title="老问题", when=long_ago
    )
    client.force_login(resident_user)
    html = client.get(reverse("web:matter_detail", args=[m.pk])).content.decode()
    assert "第 237 天，在楼栋" in html


def test_menu_link(client, resident_user, supervisor):
    client.force_login(resident_user)
    assert reverse("web:matter_list") in client.get(reverse("web:home")).content.decode()
    client.force_login(supervisor)
    assert reverse("web:matter_list") in client.get(reverse("web:home")).content.decode()


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("persona", ["resident_user", "leader", "staff", "supervisor"])
def test_list_query_count_does_not_grow(request, client, tree, staff, persona):
    def add(n):
        for i in range(n):
            matter_raise(
                actor=staff, place=tree.building1, kind="problem", title=f"事{i}", source="visit"
            )

    c = _as(request, client, persona)
    add(2)
    few = _queries(c, reverse("web:matter_list"))
    add(8)
    many = _queries(c, reverse("web:matter_list"))
    assert many == few


def test_detail_query_count_does_not_grow_with_the_timeline(client, lamp, leader, staff):
    client.force_login(staff)
    url = reverse("web:matter_detail", args=[lamp.pk])
    matter_accept(actor=leader, matter=lamp)
    # Accepted, the matter can be referred: the page lists the departments (one query).
    few = _queries(client, url)
    matter_escalate(actor=leader, matter=lamp, reason="一")
    matter_escalate(actor=staff, matter=lamp, reason="二")
    assert _queries(client, url) == few


def test_raiser_name_masked_for_neighbours(client, tree, lamp, leader, resident_user):
    from tests.factories import HouseholdFactory, ResidentFactory, UserFactory

    household = HouseholdFactory(parent=tree.building1, name="3单元601")
    neighbour = UserFactory(phone="13900000066", name="邻居甲")
    ResidentFactory(name="邻居甲", household=household, user=neighbour)
    url = reverse("web:matter_detail", args=[lamp.pk])
    client.force_login(neighbour)
    html = client.get(url).content.decode()
    assert "代正菊" not in html and "代*菊" in html
    client.force_login(resident_user)
    assert "代正菊" in client.get(url).content.decode()
    client.force_login(leader)
    assert "代正菊" in client.get(url).content.decode()


# --- referrals --------------------------------------------------------------------------------


@pytest.fixture
def zhujian_dept(tree):
    from linli.people.models import Department

    return Department.objects.create(place=tree.district, name="住建局", short_name="住建")


@pytest.fixture
def handler(tree, zhujian_dept):
    """陈立新, department handler of 住建."""
    from conftest import PASSWORD
    from linli.people.choices import Role
    from tests.factories import GrantFactory, UserFactory

    user = UserFactory(name="陈立新", phone="13900000011", password=PASSWORD)
    GrantFactory(
        user=user, role=Role.DEPARTMENT_HANDLER, place=tree.district, department=zhujian_dept
    )
    return user


@pytest.fixture
def referred(lamp, staff, zhujian_dept):
    from linli.matters.services import matter_refer

    matter_accept(actor=staff, matter=lamp)
    [r] = matter_refer(
        actor=staff, matter=lamp, departments=[zhujian_dept], lead=zhujian_dept, kind="help"
    )
    return r


REF_PERSONAS = [*PERSONAS, "handler"]
# anonymous, resident, leader, staff, secretary, supervisor, outsider, handler
REF_MATRIX = {
    "matter_referrals": [302, 404, 404, 404, 404, 404, 404, 200],
    "matter_detail": [302, 200, 200, 200, 200, 200, 404, 200],
    "matter_detail_other": [302, 404, 404, 404, 404, 200, 200, 404],
    "referral_answer": [302, 404, 404, 404, 404, 404, 404, 302],
}


@pytest.mark.parametrize("page", list(REF_MATRIX))
@pytest.mark.parametrize("persona", REF_PERSONAS)
def test_referral_page_matrix(request, client, referred, elsewhere, handler, page, persona):
    urls = {
        "matter_referrals": reverse("web:matter_referrals"),
        "matter_detail": reverse("web:matter_detail", args=[referred.matter_id]),
        "matter_detail_other": reverse("web:matter_detail", args=[elsewhere.pk]),
        "referral_answer": reverse("web:matter_referral_act", args=[referred.pk, "answer"]),
    }
    c = _as(request, client, persona)
    if page == "referral_answer":
        resp = c.post(urls[page], {"text": "已安排现场查看"})
    else:
        resp = c.get(urls[page])
    expected = REF_MATRIX[page][REF_PERSONAS.index(persona)]
    assert resp.status_code == expected, (page, persona, resp.status_code)
    assert_security_headers(resp)
    referred.refresh_from_db()
    assert (referred.state == "answered") == (page == "referral_answer" and persona == "handler")


def test_referral_through_the_pages(client, lamp, staff, handler, zhujian_dept):
    client.force_login(staff)
    matter_accept(actor=staff, matter=lamp)
    page = client.get(reverse("web:matter_detail", args=[lamp.pk])).content.decode()
    assert 'data-testid="refer"' in page and "住建" in page
    resp = client.post(
        reverse("web:matter_act", args=[lamp.pk, "refer"]),
        {"departments": [zhujian_dept.pk], "lead": zhujian_dept.pk, "kind": "help"},
    )
    assert resp.status_code == 302
    lamp.refresh_from_db()
    assert lamp.state == MatterState.REFERRED
    client.force_login(handler)
    assert (
        'data-testid="referral-queue-link"'
        in client.get(reverse("web:matter_list")).content.decode()
    )
    queue = client.get(reverse("web:matter_referrals")).content.decode()
    assert lamp.case_number in queue and "第 1 天，在住建" in queue
    detail = client.get(reverse("web:matter_detail", args=[lamp.pk])).content.decode()
    assert "第 1 天，在住建" in detail and 'data-testid="ref-extend"' in detail
    r = lamp.referrals.get()
    client.post(
        reverse("web:matter_referral_act", args=[r.pk, "extend"]),
        {"text": "需要协调产权单位", "days": "5"},
    )
    r.refresh_from_db()
    assert r.state == "extended"
    resident_view = client.get(reverse("web:matter_detail", args=[lamp.pk]))
    assert "需要协调产权单位" in resident_view.content.decode()
    client.post(reverse("web:matter_referral_act", args=[r.pk, "complete"]), {"text": "灯已更换"})
    lamp.refresh_from_db()
    assert lamp.state == MatterState.DONE
