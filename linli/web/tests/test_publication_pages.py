"""Publication pages: the policy matrix for every persona, the public list and check page,
objections and settlement through the forms, the PDF (text extracted back) and the Excel."""

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from linli.audit.models import AuditEvent
from linli.core.quarters import CHINA
from linli.points.choices import AwardStatus, ObjectionStatus, PublicationStatus
from linli.points.models import Award, Objection, Publication
from linli.points.services import points_award
from linli.points.services.publication import (
    objection_raise,
    publication_create,
    publication_finalize,
    publication_publish,
)
from linli.web.tests.security_checks import assert_security_headers
from tests.factories import HouseholdFactory, ResidentFactory

PERSONAS = ["anonymous", "resident_user", "leader", "staff", "secretary", "supervisor", "outsider"]


def _award(actor, resident, rule, points, when, key):
    return points_award(
        actor=actor,
        resident=resident,
        rule=rule,
        points=points,
        idempotency_key=key,
        occurred_at=when,
    )


@pytest.fixture
def quarter(secretary, tree, dzj, neighbour, suggestion_rule, patrol_rule):
    """2023 Q3 with three residents on the list; one withdrew consent, one has a name that
    looks like a spreadsheet formula."""
    home = HouseholdFactory(parent=tree.building2, name="5-501")
    hidden = ResidentFactory(household=home, name="隐名者", public_consent=False)
    formula = ResidentFactory(household=home, name="=cmd|'/c calc'!A1")
    when = dt.datetime(2023, 8, 10, 10, tzinfo=CHINA)
    _award(secretary, dzj, suggestion_rule, 15, when, "p1")
    _award(secretary, dzj, patrol_rule, 10, when, "p2")
    _award(secretary, neighbour, patrol_rule, 10, when, "p3")
    _award(secretary, hidden, suggestion_rule, 7, when, "p4")
    _award(secretary, formula, suggestion_rule, 6, when, "p5")
    return publication_create(actor=secretary, community=tree.heping, year=2023, quarter=3)


@pytest.fixture
def public(quarter, secretary):
    return publication_publish(actor=secretary, publication=quarter)


@pytest.fixture
def final(public, secretary):
    Publication.objects.filter(pk=public.pk).update(
        public_until=timezone.now() - dt.timedelta(seconds=1)
    )
    public.refresh_from_db()
    return publication_finalize(actor=secretary, publication=public)


def _as(request, client, persona):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    return client


# anonymous, resident, leader, staff, secretary, supervisor, outsider
MATRIX = {
    "index": [200, 200, 200, 200, 200, 200, 200],
    "public": [200, 200, 200, 200, 200, 200, 200],
    "public_of_draft": [404, 404, 404, 404, 404, 404, 404],
    "check": [200, 200, 200, 200, 200, 200, 200],
    "pdf": [200, 200, 200, 200, 200, 200, 200],
    "pdf_of_draft": [404, 404, 404, 200, 200, 404, 404],
    "xlsx": [200, 200, 200, 200, 200, 200, 200],
    "xlsx_of_draft": [404, 404, 404, 200, 200, 404, 404],
    "object": [302, 200, 200, 200, 200, 200, 200],
    "object_draft": [302, 404, 404, 404, 404, 404, 404],
    "staff_list": [302, 404, 404, 200, 200, 404, 200],
    "staff_detail": [302, 404, 404, 200, 200, 404, 404],
    "staff_detail_draft": [302, 404, 404, 200, 200, 404, 404],
    "staff_objections": [302, 404, 404, 200, 200, 404, 404],
}


@pytest.mark.django_db
@pytest.mark.parametrize("page", list(MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_publication_page_matrix(request, client, tree, public, secretary, page, persona):
    draft = publication_create(actor=secretary, community=tree.heping, year=2023, quarter=2)
    urls = {
        "index": reverse("web:publication_index"),
        "public": reverse("web:publication_public", args=[public.pk]),
        "public_of_draft": reverse("web:publication_public", args=[draft.pk]),
        "check": reverse("web:publication_check") + "?digest=" + "a" * 64,
        "pdf": reverse("web:publication_pdf", args=[public.pk]),
        "pdf_of_draft": reverse("web:publication_pdf", args=[draft.pk]),
        "xlsx": reverse("web:publication_xlsx", args=[public.pk]),
        "xlsx_of_draft": reverse("web:publication_xlsx", args=[draft.pk]),
        "object": reverse("web:publication_object", args=[public.pk, 1]),
        "object_draft": reverse("web:publication_object", args=[draft.pk, 1]),
        "staff_list": reverse("web:publication_list"),
        "staff_detail": reverse("web:publication_detail", args=[public.pk]),
        "staff_detail_draft": reverse("web:publication_detail", args=[draft.pk]),
        "staff_objections": reverse("web:publication_objections", args=[public.pk]),
    }
    response = _as(request, client, persona).get(urls[page])
    expected = MATRIX[page][PERSONAS.index(persona)]
    assert response.status_code == expected, (page, persona, response.status_code)
    assert_security_headers(response)


POSTS = {
    # anonymous, resident, leader, staff, secretary, supervisor, outsider
    "publish": [302, 404, 404, 302, 302, 404, 404],
    "settle": [302, 404, 404, 302, 302, 404, 404],
}


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(POSTS))
@pytest.mark.parametrize("persona", PERSONAS)
def test_publication_post_matrix(
    request, client, quarter, secretary, resident_user, dzj, action, persona
):
    if action == "publish":
        url = reverse("web:publication_action", args=[quarter.pk, "publish"])
        data = {}
    else:
        p = publication_publish(actor=secretary, publication=quarter)
        o = objection_raise(actor=resident_user, publication=p, subject_resident=dzj, reason="x")
        url = reverse("web:objection_settle", args=[o.pk])
        data = {f"o{o.pk}-upheld": "0", f"o{o.pk}-response": "核实无误"}
    response = _as(request, client, persona).post(url, data)
    expected = POSTS[action][PERSONAS.index(persona)]
    assert response.status_code == expected, (action, persona, response.status_code)
    quarter.refresh_from_db()
    done = expected == 302 and persona != "anonymous"
    if action == "publish":
        assert (quarter.status == PublicationStatus.PUBLIC) == done
    else:
        assert Objection.objects.get().status == (
            ObjectionStatus.REJECTED if done else ObjectionStatus.OPEN
        )


@pytest.mark.django_db
def test_public_page_is_masked_and_says_where_and_when(client, public, dzj):
    body = client.get(reverse("web:publication_public", args=[public.pk])).content.decode()
    assert "和平社区 2023 年第 3 季度积分公示" in body
    assert "2023 年第 3 季度" in body and "公示中" in body
    assert "代*菊" in body and "邻*甲" in body and "居民003" in body
    assert "代正菊" not in body and "隐名者" not in body and dzj.phone not in body
    assert "2单元302" not in body and "2单元" not in body
    assert "/object/" not in body  # anonymous cannot object


@pytest.mark.django_db
def test_final_page_shows_the_digest(client, final):
    body = client.get(reverse("web:publication_public", args=[final.pk])).content.decode()
    assert "已定稿" in body and final.digest in body


@pytest.mark.django_db
def test_resident_objects_through_the_page_and_staff_settle(
    client, public, resident_user, secretary, dzj
):
    client.force_login(resident_user)
    body = client.get(reverse("web:publication_public", args=[public.pk])).content.decode()
    assert f"/public/points/{public.pk}/object/1/" in body
    line = public.lines.get(resident_id=dzj.pk)
    url = reverse("web:publication_object", args=[public.pk, line.position])
    response = client.post(url, {"reason": "8 月 10 日的巡逻我没去"})
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert objection.subject_id == dzj.pk and objection.objector.user_id == resident_user.pk
    # staff settle it: upheld, reversing the patrol award
    client.force_login(secretary)
    page = client.get(reverse("web:publication_objections", args=[public.pk])).content.decode()
    assert "8 月 10 日的巡逻我没去" in page and "义务巡逻 +10" in page
    patrol = Award.objects.get(resident=dzj, rule__key="patrol")
    prefix = f"o{objection.pk}"
    response = client.post(
        reverse("web:objection_settle", args=[objection.pk]),
        {
            f"{prefix}-upheld": "1",
            f"{prefix}-response": "核实属实，已冲正",
            f"{prefix}-reverse_award": patrol.pk,
        },
    )
    assert response.status_code == 302
    patrol.refresh_from_db()
    assert patrol.status == AwardStatus.REVERSED
    client.post(reverse("web:publication_action", args=[public.pk, "republish"]))
    public.refresh_from_db()
    assert public.edition == 2
    assert public.lines.get(resident_id=dzj.pk).earned == 15


@pytest.mark.django_db
def test_objection_after_the_public_period_says_so(client, public, resident_user):
    Publication.objects.filter(pk=public.pk).update(
        public_until=timezone.now() - dt.timedelta(minutes=1)
    )
    client.force_login(resident_user)
    response = client.post(
        reverse("web:publication_object", args=[public.pk, 1]), {"reason": "晚了"}
    )
    assert response.status_code == 200
    assert "不能再提出异议" in response.content.decode()
    assert not Objection.objects.exists()


@pytest.mark.django_db
def test_finalize_button_refuses_with_open_objection(client, public, resident_user, secretary, dzj):
    objection_raise(actor=resident_user, publication=public, subject_resident=dzj, reason="x")
    Publication.objects.filter(pk=public.pk).update(
        public_until=timezone.now() - dt.timedelta(minutes=1)
    )
    client.force_login(secretary)
    response = client.post(
        reverse("web:publication_action", args=[public.pk, "finalize"]), follow=True
    )
    assert "1 条异议未处理" in response.content.decode()
    public.refresh_from_db()
    assert public.status == PublicationStatus.PUBLIC


@pytest.mark.django_db
def test_staff_create_a_quarter_through_the_page(client, secretary, tree):
    client.force_login(secretary)
    response = client.post(
        reverse("web:publication_list"),
        {"community": tree.heping.pk, "year": 2023, "quarter": 4},
    )
    p = Publication.objects.get()
    assert response.status_code == 302 and (p.year, p.quarter) == (2023, 4)
    again = client.post(
        reverse("web:publication_list"),
        {"community": tree.heping.pk, "year": 2023, "quarter": 4},
    )
    assert "已经建立" in again.content.decode()


@pytest.mark.django_db
def test_outsider_cannot_create_for_heping(client, outsider, tree):
    client.force_login(outsider)
    response = client.post(
        reverse("web:publication_list"),
        {"community": tree.heping.pk, "year": 2023, "quarter": 4},
    )
    assert response.status_code == 200  # the form refuses a community not offered
    assert not Publication.objects.exists()


# --- check page ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_check_page_finds_the_final_list_by_its_digest(client, final):
    spaced = " ".join(final.digest[i : i + 8] for i in range(0, 64, 8)).upper()
    body = client.get(reverse("web:publication_check"), {"digest": spaced}).content.decode()
    assert "摘要一致" in body and "和平社区 2023 年第 3 季度积分公示" in body
    assert "代*菊" in body


@pytest.mark.django_db
def test_check_page_says_a_tampered_digest_matches_nothing(client, final):
    d = final.digest
    tampered = d[:10] + ("0" if d[10] != "0" else "1") + d[11:]
    body = client.get(reverse("web:publication_check"), {"digest": tampered}).content.decode()
    assert "没有任何定稿名单的摘要与此一致" in body and "可能被改动过" in body
    assert "代*菊" not in body
    body = client.get(reverse("web:publication_check"), {"digest": d[:-1] + "g"}).content.decode()
    assert "64 位十六进制" in body


@pytest.mark.django_db
def test_check_page_ignores_a_public_list(client, public):
    # A list that is not final has no digest to match.
    body = client.get(reverse("web:publication_check"), {"digest": "0" * 64}).content.decode()
    assert "没有任何定稿名单" in body


# --- PDF -------------------------------------------------------------------------------------


def _pdf_text(response):
    reader = PdfReader(io.BytesIO(response.content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.django_db
def test_final_pdf_has_cjk_text_digest_qr_and_page_numbers(client, final):
    response = client.get(reverse("web:publication_pdf", args=[final.pk]))
    assert response["Content-Type"] == "application/pdf"
    reader, text = _pdf_text(response)
    assert "和平社区 2023 年第 3 季度积分公示" in text
    assert "2023 年第 3 季度" in text and "2023-07-01" in text and "2023-09-30" in text
    assert "代*菊" in text and "居民003" in text and "代正菊" not in text
    assert final.digest in text.replace("\n", "")
    assert f"第 1 页 / 共 {len(reader.pages)} 页" in text
    assert "公示稿" not in text
    images = [img for page in reader.pages for img in page.images]
    assert images  # the QR code


@pytest.mark.django_db
def test_public_pdf_says_not_final(client, public):
    _reader, text = _pdf_text(client.get(reverse("web:publication_pdf", args=[public.pk])))
    assert "公示稿，未定稿" in text and "摘要 SHA-256" not in text


@pytest.mark.django_db
def test_long_list_pdf_numbers_every_page(client, secretary, tree, suggestion_rule, public):
    from linli.points.models import PublicationLine

    lines = list(PublicationLine.objects.filter(publication=public))
    template = lines[0]
    PublicationLine.objects.bulk_create(
        [
            PublicationLine(
                publication=public,
                resident=ResidentFactory(household=template.resident.household, name=f"张{i}伟"),
                position=len(lines) + i + 1,
                display_name=f"张*{i}",
                building=template.building,
                earned=1,
                by_category={"volunteer": 1},
                balance=1,
            )
            for i in range(120)
        ]
    )
    reader, _text = _pdf_text(client.get(reverse("web:publication_pdf", args=[public.pk])))
    total = len(reader.pages)
    assert total >= 3
    for n in range(1, total + 1):
        assert f"第 {n} 页 / 共 {total} 页" in reader.pages[n - 1].extract_text()
    assert "序号" in reader.pages[1].extract_text()  # the header row on every page


# --- Excel -----------------------------------------------------------------------------------


def _sheet(response):
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


@pytest.mark.django_db
def test_staff_export_is_unmasked_audited_and_formula_guarded(client, secretary, public):
    client.force_login(secretary)
    rows = _sheet(client.get(reverse("web:publication_xlsx", args=[public.pk])))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["序号", "公示姓名", "姓名"]
    names = [r[2] for r in body]
    assert "代正菊" in names and "隐名者" in names
    assert "'=cmd|'/c calc'!A1" in names  # stored as text, never a formula
    assert not [r for r in body if str(r[1]).startswith("=")]
    event = AuditEvent.objects.get(action="points.publication_export")
    assert event.data["rows"] == len(body) == 4
    assert event.actor_id == secretary.pk and event.place_id == public.community_id


@pytest.mark.parametrize("persona", ["anonymous", "resident_user", "supervisor", "outsider"])
@pytest.mark.django_db
def test_others_export_masked_and_unaudited(request, client, public, persona):
    rows = _sheet(
        _as(request, client, persona).get(reverse("web:publication_xlsx", args=[public.pk]))
    )
    assert rows[0][:3] == ["序号", "公示姓名", "楼栋"]
    flat = " ".join(str(c) for r in rows for c in r)
    assert "代*菊" in flat and "代正菊" not in flat and "隐名者" not in flat
    assert not AuditEvent.objects.filter(action="points.publication_export").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["web:publication_public", "web:publication_detail"])
def test_list_pages_query_count_does_not_grow_with_the_list(client, secretary, public, name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from linli.points.models import PublicationLine

    client.force_login(secretary)
    url = reverse(name, args=[public.pk])
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    template = PublicationLine.objects.filter(publication=public).first()
    PublicationLine.objects.bulk_create(
        [
            PublicationLine(
                publication=public,
                resident=ResidentFactory(household=template.resident.household, name=f"李{i}明"),
                position=100 + i,
                display_name=f"李*{i}",
                building=template.building,
                earned=1,
                by_category={"customs": 1},
                balance=1,
            )
            for i in range(60)
        ]
    )
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small) <= 16


@pytest.mark.django_db
def test_public_list_links_to_that_quarters_sponsor_thanks(client, tree, secretary):
    from linli.points.services.publication import publication_create, publication_publish

    publication = publication_create(actor=secretary, community=tree.heping, year=2026, quarter=1)
    publication_publish(actor=secretary, publication=publication)
    body = client.get(reverse("web:publication_public", args=[publication.pk])).content.decode()
    thanks = reverse("web:shop_thanks", args=[tree.heping.pk])
    assert f"{thanks}?year=2026&quarter=1" in body


def _list_queries(captured):
    return [q for q in captured if "points_publicationline" in q["sql"]]


@pytest.mark.django_db
def test_final_list_is_served_from_the_cache_with_etag_and_304(client, final):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    url = reverse("web:publication_public", args=[final.pk])
    first = client.get(url)
    assert first.status_code == 200 and final.digest in first.content.decode()
    assert first["Cache-Control"] == "private, no-cache" and first["ETag"]
    with CaptureQueriesContext(connection) as repeat:
        second = client.get(url)
    # A repeat renders the frame only: the list's lines are not read again.
    assert second.status_code == 200 and final.digest in second.content.decode()
    assert not _list_queries(repeat.captured_queries)
    assert second["ETag"] == first["ETag"]
    with CaptureQueriesContext(connection) as conditional:
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]
    assert "Content-Security-Policy" not in again  # the stored page keeps its nonce
    assert len(conditional) <= 2
    other_page = client.get(url + "?page=2", HTTP_IF_NONE_MATCH=first["ETag"])
    assert other_page.status_code == 200 and other_page["ETag"] != first["ETag"]


@pytest.mark.django_db
def test_public_list_not_final_has_no_etag(client, public):
    response = client.get(reverse("web:publication_public", args=[public.pk]))
    assert response.status_code == 200 and "ETag" not in response


@pytest.mark.django_db
def test_final_list_staff_and_public_get_their_own_cached_body(client, final, secretary):
    from django.core.cache import cache

    cache.clear()
    url = reverse("web:publication_public", args=[final.pk])
    manage = reverse("web:publication_detail", args=[final.pk])
    assert manage not in client.get(url).content.decode()
    client.force_login(secretary)
    staff = client.get(url)
    assert manage in staff.content.decode() and "ETag" not in staff
    client.logout()
    assert manage not in client.get(url).content.decode()


@pytest.mark.django_db
def test_final_list_queries_do_not_grow_with_five_times_the_lines(client, final):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from linli.points.models import PublicationLine

    url = reverse("web:publication_public", args=[final.pk])
    cache.clear()
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    count = PublicationLine.objects.filter(publication=final).count()
    template = PublicationLine.objects.filter(publication=final).first()
    PublicationLine.objects.bulk_create(
        [
            PublicationLine(
                publication=final,
                resident=ResidentFactory(household=template.resident.household, name=f"王{i}"),
                position=1000 + i,
                display_name=f"李*{i}",
                building=template.building,
                earned=1,
                by_category={"customs": 1},
                balance=1,
            )
            for i in range(4 * count)
        ]
    )
    cache.clear()
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small)
