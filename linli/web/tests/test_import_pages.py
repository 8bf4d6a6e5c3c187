"""Import and export pages: who may open them, upload → preview → commit, and downloads."""

import io

import openpyxl
import pytest
from django.urls import reverse

from linli.audit.models import AuditEvent
from linli.people.models import GroupMembership, ImportStatus, Resident, ResidentImport
from linli.people.services import resident_import_preview

HEADER = ["姓名", "手机号", "小区", "楼栋", "单元", "房号", "身份"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx(rows):
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


GOOD = [
    HEADER,
    ["张三", "13800000011", "和平小区", "1栋", "1", "101", "志愿者"],
    ["李四", "13800000012", "和平小区", "2栋", "", "302", ""],
]


def upload(client, data, name="居民.xlsx", **extra):
    f = io.BytesIO(data)
    f.name = name
    return client.post(reverse("web:resident_import"), {"file": f, **extra})


def counts():
    return Resident.objects.count(), GroupMembership.objects.count()


@pytest.fixture
def heping_import(tree, secretary):
    return resident_import_preview(
        actor=secretary, community=tree.heping, file_bytes=xlsx(GOOD), filename="a.xlsx"
    )


# ---------------------------------------------------------------- permissions

URLS = ["web:resident_import", "web:resident_export"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", URLS)
def test_anonymous_is_sent_to_sign_in(client, tree, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert reverse("web:login") in response["Location"]


@pytest.mark.django_db
def test_anonymous_preview_is_sent_to_sign_in(client, heping_import):
    url = reverse("web:resident_import_preview", args=[heping_import.pk])
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 302
        assert reverse("web:login") in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("secretary", 200),
        ("staff", 200),
        ("leader", 404),
        ("resident_user", 404),
        ("outsider", 200),  # their own community's import page
        ("supervisor", 404),
    ],
)
def test_import_page_by_persona(client, request, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("web:resident_import")).status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("secretary", 200),
        ("staff", 200),
        ("leader", 404),
        ("resident_user", 404),
        ("outsider", 404),
        ("supervisor", 404),
    ],
)
def test_preview_page_by_persona(client, request, heping_import, persona, status):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("web:resident_import_preview", args=[heping_import.pk])
    assert client.get(url).status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["leader", "resident_user", "outsider", "supervisor"])
def test_others_cannot_commit_an_import_of_heping(client, request, heping_import, persona):
    client.force_login(request.getfixturevalue(persona))
    before = counts()
    url = reverse("web:resident_import_preview", args=[heping_import.pk])
    assert client.post(url).status_code == 404
    assert counts() == before
    heping_import.refresh_from_db()
    assert heping_import.status == ImportStatus.PREVIEWED


@pytest.mark.django_db
def test_unknown_import_is_404(client, secretary):
    client.force_login(secretary)
    assert client.get(reverse("web:resident_import_preview", args=[999999])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("secretary", 200),
        ("staff", 200),
        ("leader", 404),
        ("resident_user", 404),
        ("outsider", 200),
        ("supervisor", 404),
    ],
)
def test_export_by_persona(client, request, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("web:resident_export")).status_code == status


# ---------------------------------------------------------------- flow


@pytest.mark.django_db
def test_upload_preview_commit(client, tree, secretary):
    client.force_login(secretary)
    page = client.get(reverse("web:resident_import"))
    assert "上传并预览" in page.content.decode()
    before = counts()
    response = upload(client, xlsx(GOOD))
    assert response.status_code == 302
    imp = ResidentImport.objects.get()
    assert response["Location"] == reverse("web:resident_import_preview", args=[imp.pk])
    assert counts() == before

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "确认导入" in html
    assert "张三" in html

    response = client.post(response["Location"])
    assert response.status_code == 302
    assert counts() == (before[0] + 2, before[1] + 1)
    page = client.get(response["Location"], follow=True)
    html = page.content.decode()
    assert "已导入 2 位居民" in html
    assert "确认导入" not in html

    # Posting again (a double click, the back button) changes nothing and says why.
    response = client.post(reverse("web:resident_import_preview", args=[imp.pk]), follow=True)
    assert "不能重复提交" in response.content.decode()
    assert counts() == (before[0] + 2, before[1] + 1)


@pytest.mark.django_db
def test_bad_rows_are_listed_and_there_is_no_commit_button(client, tree, secretary):
    client.force_login(secretary)
    rows = [*GOOD, ["王五", "13800000011", "幸福小区", "1栋", "", "1", ""]]
    response = upload(client, xlsx(rows))
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "第 4 行" in html
    assert "小区“幸福小区”不存在" in html
    assert "手机号 13800000011 与第 2 行重复" in html
    assert "确认导入" not in html
    before = counts()
    response = client.post(response["Location"], follow=True)
    assert "有错误" in response.content.decode()
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"a,b\n1,2\n", "x.csv", "文件不是有效的 Excel（.xlsx）文件"),
        (b"\x00\x01random", "x.xlsx", "文件不是有效的 Excel（.xlsx）文件"),
        (xlsx([["姓名", "小区", "楼栋"], ["张三", "和平小区", "1栋"]]), "x.xlsx", "缺少必填列"),
    ],
)
def test_unreadable_upload_shows_the_reason(client, tree, secretary, data, name, message):
    client.force_login(secretary)
    response = upload(client, data, name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ResidentImport.objects.count() == 0


@pytest.mark.django_db
def test_upload_without_a_file(client, tree, secretary):
    client.force_login(secretary)
    response = client.post(reverse("web:resident_import"), {})
    assert response.status_code == 400
    assert "请选择要上传的 Excel" in response.content.decode()


@pytest.mark.django_db
def test_actor_with_several_communities_picks_one(client, tree, secretary):
    from linli.people.choices import Role
    from tests.factories import GrantFactory

    GrantFactory(user=secretary, role=Role.COMMUNITY_STAFF, place=tree.other)
    client.force_login(secretary)
    page = client.get(reverse("web:resident_import")).content.decode()
    assert "胜利社区" in page
    assert "和平社区" in page
    response = upload(client, xlsx(GOOD))
    assert response.status_code == 400
    assert "请选择要导入的社区" in response.content.decode()
    response = upload(client, xlsx(GOOD), community=str(tree.heping.pk))
    assert response.status_code == 302
    assert ResidentImport.objects.get().community_id == tree.heping.pk


@pytest.mark.django_db
def test_outsider_cannot_upload_into_heping(client, tree, outsider):
    client.force_login(outsider)
    response = upload(client, xlsx(GOOD), community=str(tree.heping.pk))
    # A single community: the outsider's own is used, never the posted one.
    assert response.status_code == 302
    assert ResidentImport.objects.get().community_id == tree.other.pk


@pytest.mark.django_db
def test_template_download(client, tree, secretary):
    client.force_login(secretary)
    response = client.get(reverse("web:resident_import") + "?template=1")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert ws.max_row == 2
    assert ws["A1"].value == "姓名"


@pytest.mark.django_db
def test_export_download_is_audited_and_scoped(client, tree, secretary, leader, resident_user):
    client.force_login(secretary)
    response = client.get(reverse("web:resident_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert {r[0] for r in ws.iter_rows(min_row=2, values_only=True)} == {"杨声芬", "代正菊"}
    assert AuditEvent.objects.filter(action="resident.export", actor=secretary).count() == 1
    response = client.get(reverse("web:resident_export") + f"?place={tree.building2.pk}")
    assert response.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(response.content)).active.max_row == 1
    assert client.get(reverse("web:resident_export") + f"?place={tree.other.pk}").status_code == 404
    assert client.get(reverse("web:resident_export") + "?place=abc").status_code == 404
