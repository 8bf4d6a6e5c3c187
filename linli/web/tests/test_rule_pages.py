import pytest
from django.urls import reverse

from linli.points.models import CatalogVersion, Rule

PERSONAS = ["anonymous", "resident_user", "leader", "staff", "secretary", "supervisor", "outsider"]
# Only the secretary (and operators) manage the catalogue; staff and leaders see it.
NEW = [302, 404, 404, 404, 200, 404, 404]
REVISE = [302, 404, 404, 404, 200, 404, 404]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_rule_pages_matrix(request, client, tree, suggestion_rule, persona):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    expected_new = NEW[PERSONAS.index(persona)]
    if persona == "outsider":
        # The outsider manages 胜利社区's catalogue, not 和平社区's.
        expected_new = 200
    assert client.get(reverse("web:points_rule_new")).status_code == expected_new
    url = reverse("web:points_rule_revise", args=[suggestion_rule.pk])
    assert client.get(url).status_code == REVISE[PERSONAS.index(persona)]


@pytest.mark.django_db
def test_new_rule_under_a_new_version_records_the_decision(client, tree, secretary):
    client.force_login(secretary)
    response = client.post(
        reverse("web:points_rule_new"),
        {
            "decision": "2024年1月居民代表会议表决通过",
            "decided_on": "2024-01-10",
            "key": "clean-up",
            "name": "环境整治",
            "category": "environment",
            "points_min": "5",
            "awarders": "staff",
            "evidence": "photo",
            "active_from": "2024-01-15",
        },
    )
    assert response.status_code == 302
    rule = Rule.objects.get(key="clean-up")
    assert rule.points_max == 5 and rule.catalog_version.decision.startswith("2024年1月")
    assert "环境整治" in client.get(reverse("web:points_rules")).content.decode()


@pytest.mark.django_db
def test_rule_form_needs_a_version_or_a_decision(client, tree, secretary):
    client.force_login(secretary)
    response = client.post(
        reverse("web:points_rule_new"),
        {
            "key": "x",
            "name": "x",
            "category": "other",
            "points_min": "1",
            "awarders": "staff",
            "evidence": "none",
            "active_from": "2024-01-01",
        },
    )
    assert response.status_code == 200
    assert "请选择细则版本" in response.content.decode()
    assert not Rule.objects.exists() and not CatalogVersion.objects.exists()


@pytest.mark.django_db
def test_revision_under_the_same_version_is_refused(client, secretary, suggestion_rule, version):
    client.force_login(secretary)
    url = reverse("web:points_rule_revise", args=[suggestion_rule.pk])
    data = {
        "version": version.pk,
        "name": "建言献策被采纳",
        "category": "suggestion",
        "points_min": "5",
        "points_max": "30",
        "awarders": "staff_leaders",
        "evidence": "none",
        "active_from": "2024-01-01",
    }
    response = client.post(url, data)
    assert "更新的细则版本" in response.content.decode()
    assert Rule.objects.count() == 1
    data.pop("version")
    data.update({"decision": "2023年12月议事会修订", "decided_on": "2023-12-20"})
    assert client.post(url, data).status_code == 302
    assert Rule.objects.filter(key="suggestion").count() == 2


@pytest.mark.django_db
def test_catalogue_links_to_the_editor_only_for_its_managers(
    client, staff, secretary, suggestion_rule
):
    new = reverse("web:points_rule_new")
    revise = reverse("web:points_rule_revise", args=[suggestion_rule.pk])
    client.force_login(secretary)
    body = client.get(reverse("web:points_rules")).content.decode()
    assert new in body and revise in body
    client.force_login(staff)
    body = client.get(reverse("web:points_rules")).content.decode()
    assert new not in body and revise not in body
