"""Points pages: the policy matrix for every persona, and the flows through the forms."""

import datetime as dt
import io
import uuid

import openpyxl
import pytest
from django.urls import reverse

from linli.audit.models import AuditEvent
from linli.points.choices import AwardStatus
from linli.points.models import Award, Posting
from linli.points.selectors import resident_balance
from linli.points.services import points_award
from linli.web.tests.security_checks import assert_security_headers

PERSONAS = ["anonymous", "resident_user", "leader", "staff", "secretary", "supervisor", "outsider"]


@pytest.fixture
def posted(secretary, dzj, suggestion_rule):
    return points_award(
        actor=secretary,
        resident=dzj,
        rule=suggestion_rule,
        points=10,
        idempotency_key="seed-evening",
        evidence_note='=HYPERLINK("x")',
        occurred_at=dt.datetime(2023, 11, 18, 11, 0, tzinfo=dt.UTC),
    )


def _as(request, client, persona):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    return client


# anonymous, resident, leader, staff, secretary, supervisor, outsider
MATRIX = {
    "resident_points": [302, 200, 200, 200, 200, 404, 404],
    "points_award": [302, 404, 200, 200, 200, 404, 200],
    "points_proposals": [302, 404, 200, 200, 200, 404, 200],
    "points_rules": [302, 200, 200, 200, 200, 404, 200],
    "points_ledger": [302, 404, 404, 200, 200, 404, 200],
    "points_ledger_heping": [302, 404, 404, 200, 200, 404, 404],
    "points_ledger_xlsx": [302, 404, 404, 200, 200, 404, 404],
}


@pytest.mark.django_db
@pytest.mark.parametrize("page", list(MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_points_page_matrix(request, client, tree, dzj, posted, page, persona):
    urls = {
        "resident_points": reverse("web:resident_points", args=[dzj.pk]),
        "points_award": reverse("web:points_award"),
        "points_proposals": reverse("web:points_proposals"),
        "points_rules": reverse("web:points_rules"),
        "points_ledger": reverse("web:points_ledger"),
        "points_ledger_heping": reverse("web:points_ledger") + f"?community={tree.heping.pk}",
        "points_ledger_xlsx": reverse("web:points_ledger")
        + f"?community={tree.heping.pk}&format=xlsx",
    }
    c = _as(request, client, persona)
    response = c.get(urls[page])
    expected = MATRIX[page][PERSONAS.index(persona)]
    assert response.status_code == expected, (page, persona, response.status_code)
    assert_security_headers(response)


@pytest.mark.django_db
def test_resident_sees_history_with_rule_evidence_and_awarder(client, resident_user, posted):
    client.force_login(resident_user)
    body = client.get(reverse("web:resident_points", args=[posted.resident_id])).content.decode()
    assert "建言献策被采纳" in body and "杨红" in body and "HYPERLINK" in body
    assert 'data-testid="balance">10<' in body


@pytest.mark.django_db
def test_award_form_submitted_twice_awards_once(client, secretary, dzj, suggestion_rule):
    client.force_login(secretary)
    form = {
        "resident": dzj.pk,
        "rule": suggestion_rule.pk,
        "points": "10",
        "evidence_note": "微议事建议",
        "idempotency_key": uuid.uuid4().hex,
    }
    first = client.post(reverse("web:points_award"), form)
    second = client.post(reverse("web:points_award"), form)
    assert first.status_code == second.status_code == 302
    assert Award.objects.filter(resident=dzj).count() == 1
    assert resident_balance(dzj) == 10


@pytest.mark.django_db
@pytest.mark.parametrize("points", ["0", "-3", "2.5", "x"])
def test_award_form_bad_points_says_why_and_writes_nothing(
    client, secretary, dzj, suggestion_rule, points
):
    client.force_login(secretary)
    response = client.post(
        reverse("web:points_award"),
        {
            "resident": dzj.pk,
            "rule": suggestion_rule.pk,
            "points": points,
            "idempotency_key": uuid.uuid4().hex,
        },
    )
    assert response.status_code == 200
    assert "正整数" in response.content.decode()
    assert not Award.objects.exists() and not Posting.objects.exists()


@pytest.mark.django_db
def test_award_search_finds_by_initials_within_scope(client, secretary, outsider, dzj):
    client.force_login(secretary)
    body = client.get(reverse("web:points_award_search"), {"q": "dzj"}).content.decode()
    assert "代正菊" in body
    client.force_login(outsider)
    assert (
        "代正菊"
        not in client.get(reverse("web:points_award_search"), {"q": "dzj"}).content.decode()
    )


@pytest.mark.django_db
def test_leader_proposes_staff_decide_through_the_pages(
    client, leader, secretary, dzj, suggestion_rule
):
    client.force_login(leader)
    client.post(
        reverse("web:points_award"),
        {
            "resident": dzj.pk,
            "rule": suggestion_rule.pk,
            "points": "8",
            "idempotency_key": uuid.uuid4().hex,
        },
    )
    proposal = Award.objects.get(resident=dzj)
    assert proposal.status == AwardStatus.PROPOSED and resident_balance(dzj) == 0
    # A leader cannot decide.
    assert (
        client.post(
            reverse("web:points_proposal_decide", args=[proposal.pk, "approve"])
        ).status_code
        == 404
    )
    client.force_login(secretary)
    assert "代正菊" in client.get(reverse("web:points_proposals")).content.decode()
    client.post(
        reverse("web:points_proposal_decide", args=[proposal.pk, "reject"]), {"reason": "没有照片"}
    )
    proposal.refresh_from_db()
    assert proposal.status == AwardStatus.REJECTED
    response = client.post(
        reverse("web:points_proposal_decide", args=[proposal.pk, "approve"]), follow=True
    )
    assert "已处理" in response.content.decode()
    assert resident_balance(dzj) == 0
    client.force_login(leader)
    assert "没有照片" in client.get(reverse("web:points_proposals")).content.decode()


@pytest.mark.django_db
def test_reverse_through_the_page_links_to_the_original(client, secretary, outsider, posted):
    client.force_login(outsider)
    url = reverse("web:points_award_reverse", args=[posted.pk])
    assert client.post(url, {"reason": "错"}).status_code == 404
    client.force_login(secretary)
    client.post(url, {"reason": "重复登记"})
    body = client.get(reverse("web:resident_points", args=[posted.resident_id])).content.decode()
    assert f"#posting-{posted.posting_id}" in body and "重复登记" in body
    assert resident_balance(posted.resident) == 0


@pytest.mark.django_db
def test_ledger_export_neutralises_formulas_and_is_audited(client, tree, secretary, posted):
    client.force_login(secretary)
    response = client.get(
        reverse("web:points_ledger"), {"community": tree.heping.pk, "format": "xlsx"}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "凭证号"
    note = rows[1][7]
    assert note.startswith("'=") and sheet.cell(row=2, column=8).data_type == "s"
    assert rows[1][3] == "代正菊" and rows[1][5] == 10
    assert AuditEvent.objects.filter(action="points.export", actor=secretary).exists()


@pytest.mark.django_db
def test_ledger_filters(client, tree, secretary, posted, dzj, patrol_rule):
    points_award(
        actor=secretary,
        resident=dzj,
        rule=patrol_rule,
        points=10,
        idempotency_key="p1",
        occurred_at=dt.datetime(2023, 12, 1, 3, tzinfo=dt.UTC),
    )
    client.force_login(secretary)
    url = reverse("web:points_ledger")
    body = client.get(url, {"start": "2023-11-30"}).content.decode()
    assert "义务巡逻" in body and "建言献策被采纳" not in body
    assert "共 1 笔" in body


@pytest.mark.django_db
def test_points_history_queries_do_not_grow_with_five_times_the_entries(
    client, resident_user, secretary, dzj, suggestion_rule
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    done = []

    def award(n):  # 4 a month: the rule's cap is 40 points a month
        for _ in range(n):
            month = 7 + len(done) // 4
            done.append(month)
            points_award(
                actor=secretary,
                resident=dzj,
                rule=suggestion_rule,
                points=10,
                idempotency_key=str(uuid.uuid4()),
                occurred_at=dt.datetime(2023, month, 18, 11, 0, tzinfo=dt.UTC),
            )

    client.force_login(resident_user)
    url = reverse("web:resident_points", args=[dzj.pk])
    award(4)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    award(16)
    with CaptureQueriesContext(connection) as many:
        body = client.get(url).content.decode()
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]
    assert "200" in body  # the running balance after the twentieth award
