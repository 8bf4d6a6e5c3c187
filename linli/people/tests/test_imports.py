"""Excel import and export of residents, against the real database.

Sheets are built in memory with openpyxl. Every refused input also asserts that nothing was
written: no resident, no household, no group membership (and for file-level refusals, no
import record either).
"""

import datetime as dt
import io

import openpyxl
import pytest

from linli.audit.models import AuditEvent
from linli.core.actors import SYSTEM
from linli.core.errors import Conflict, NotFound, ValidationFailed
from linli.people import selectors
from linli.people.choices import ResidentGroup
from linli.people.models import GroupMembership, ImportStatus, Resident, ResidentImport
from linli.people.services import (
    resident_create,
    resident_import_commit,
    resident_import_preview,
    resident_import_template_xlsx,
    resident_move_out,
    residents_export_xlsx,
)
from linli.people.services.imports import COLUMNS
from linli.places.choices import ANCESTOR_KINDS, PlaceKind
from linli.places.models import Place
from linli.places.services import place_create, place_get_or_create
from tests.factories import HouseholdFactory
from tests.race import race

HEADER = ["姓名", "手机号", "小区", "楼栋", "单元", "房号", "身份", "性别", "出生年份", "入住日期"]


class Formula(str):
    """A cell value the test sheet keeps as a formula; other text is stored as text."""


def xlsx(rows, *, blank_rows_before=0):
    wb = openpyxl.Workbook()
    ws = wb.active
    for _ in range(blank_rows_before):
        ws.append([])
    for row in rows:
        ws.append(row)
        for cell, value in zip(ws[ws.max_row], row, strict=False):
            if isinstance(value, str) and not isinstance(value, Formula):
                cell.data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def good_rows():
    return [
        HEADER,
        [
            "张三",
            13800000011.0,
            "和平小区",
            "1栋",
            1,
            101,
            "志愿者、居民代表",
            "男",
            1960,
            dt.date(2020, 5, 1),
        ],
        [
            "李四",
            "138 0000 0012",
            "和平小区",
            "1栋",
            "1",
            "102",
            "居民议事人",
            "女",
            "1975",
            "2020/5/1",
        ],
        ["王五", "", "和平小区", "2栋", "", "301", None, None, None, None],
    ]


def counts():
    return (
        Resident.objects.count(),
        Place.objects.filter(kind=PlaceKind.HOUSEHOLD).count(),
        GroupMembership.objects.count(),
    )


def preview(actor, community, data, filename="居民.xlsx"):
    return resident_import_preview(
        actor=actor, community=community, file_bytes=data, filename=filename
    )


def messages_of(imp):
    return [f"第 {e['row']} 行：{e['message']}" for e in imp.errors]


# ---------------------------------------------------------------- happy path


@pytest.mark.django_db
def test_preview_then_commit_writes_residents_households_and_groups(tree, secretary, leader):
    before = counts()
    # The header is the first non-empty row; spaces, full-width and aliases are tolerated.
    header = [
        " 姓 名 ",
        "手机号码",
        "＊小区",
        "楼栋",
        "单元",
        "房号",
        "身份",
        "性别",
        "出生年份",
        "入住日期",
    ]
    rows = good_rows()
    rows[0] = header
    imp = preview(secretary, tree.heping, xlsx(rows, blank_rows_before=2))
    assert imp.status == ImportStatus.PREVIEWED
    assert imp.errors == []
    assert imp.row_count == 3
    assert counts() == before  # the preview writes no resident

    done = resident_import_commit(actor=secretary, import_id=imp.pk)
    assert done.status == ImportStatus.COMMITTED
    assert done.committed_at is not None
    r_before, h_before, m_before = before
    # 1单元101 already existed (the leader lives there); 1单元102 and 301 are new.
    assert counts() == (r_before + 3, h_before + 2, m_before + 3)
    assert done.result == {"residents": 3, "households_created": 2, "memberships": 3}

    zhang = Resident.objects.get(name="张三")
    assert zhang.phone == "13800000011"
    assert zhang.gender == "M"
    assert zhang.birth_year == 1960
    assert zhang.moved_in == dt.date(2020, 5, 1)
    assert zhang.household.name == "1单元101"
    assert zhang.household.residents.filter(name="杨声芬").exists()
    assert set(zhang.memberships.values_list("group", flat=True)) == {
        ResidentGroup.VOLUNTEER,
        ResidentGroup.REPRESENTATIVE,
    }
    assert set(zhang.memberships.values_list("community_id", flat=True)) == {tree.heping.pk}
    li = Resident.objects.get(name="李四")
    assert li.phone == "13800000012"
    assert li.moved_in == dt.date(2020, 5, 1)
    assert li.gender == "F"
    wang = Resident.objects.get(name="王五")
    assert wang.phone == ""
    assert wang.household.name == "301"
    assert wang.household.building_id == tree.building2.pk

    # New households carry exactly the ancestor columns place_create would give them.
    made = place_create(parent=tree.building1, kind=PlaceKind.HOUSEHOLD, name="x", room="x")
    new_household = li.household
    assert (new_household.unit, new_household.room) == ("1", "102")
    assert new_household.parent_id == tree.building1.pk
    for kind in ANCESTOR_KINDS:
        assert getattr(new_household, f"{kind}_id") == getattr(made, f"{kind}_id"), kind

    # Pinyin search finds them within the secretary's places.
    assert [r.name for r in selectors.resident_list(secretary, query="zs")] == ["张三"]
    assert [r.name for r in selectors.resident_list(secretary, query="lisi")] == ["李四"]

    audit = AuditEvent.objects.filter(action="resident.import").get()
    assert audit.actor_id == secretary.pk
    assert audit.place_id == tree.heping.pk
    assert audit.data["residents"] == 3
    assert audit.data["memberships"] == 3


@pytest.mark.django_db
def test_template_sheet_previews_cleanly(tree, secretary):
    imp = preview(secretary, tree.heping, resident_import_template_xlsx(), "模板.xlsx")
    assert imp.errors == []
    assert imp.row_count == 1
    wb = openpyxl.load_workbook(io.BytesIO(resident_import_template_xlsx()))
    assert [c.value for c in wb.active[1]] == COLUMNS


@pytest.mark.django_db
def test_building_given_as_a_bare_number_matches(tree, secretary):
    imp = preview(secretary, tree.heping, xlsx([HEADER[:6], ["赵六", "", "和平小区", 2, "", 5]]))
    assert imp.errors == []
    assert imp.rows[0]["building_id"] == tree.building2.pk


# ---------------------------------------------------------------- bad rows


BAD_ROWS = [
    (["张三", "12345", "和平小区", "1栋", "1", "101"], "手机号“12345”不是有效的大陆手机号"),
    (["张三", "", "幸福小区", "1栋", "1", "101"], "第 3 行：小区“幸福小区”不存在"),
    (["张三", "", "和平小区", "9栋", "1", "101"], "第 3 行：楼栋“9栋”不在小区“和平小区”中"),
    (["张" * 33, "", "和平小区", "1栋", "1", "101"], "姓名不能超过 32 个字"),
    (["", "13800000011", "和平小区", "1栋", "1", "101"], "姓名不能为空"),
    (["张三", "", "和平小区", "1栋", "1", ""], "房号不能为空"),
    (["张三", "", "和平小区", "1栋", "1", "101", "", "不详"], "性别应填“男”或“女”"),
    (["张三", "", "和平小区", "1栋", "1", "101", "", "", "1800"], "出生年份应在 1900"),
    (["张三", "", "和平小区", "1栋", "1", "101", "", "", "八零"], "出生年份“八零”不是数字"),
    (["张三", "", "和平小区", "1栋", "1", "101", "党员"], "身份“党员”无法识别"),
    (["张三", "", "和平小区", "1栋", "1", "101", "", "", "", "去年"], "入住日期“去年”无法识别"),
    (["张三", "", "和平小区", "1栋", "1", "101", "", "", "", "2020-13-01"], "入住日期"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "message"), BAD_ROWS)
def test_bad_row_is_listed_with_its_reason_and_nothing_is_written(tree, secretary, row, message):
    before = counts()
    ok = ["好人", "13800000099", "和平小区", "1栋", "1", "101"]
    imp = preview(secretary, tree.heping, xlsx([HEADER, ok, row]))
    assert imp.status == ImportStatus.FAILED
    assert imp.bad_row_count == 1
    assert imp.ok_row_count == 1
    assert {e["row"] for e in imp.errors} == {3}
    assert any(message in m for m in messages_of(imp)), messages_of(imp)
    with pytest.raises(ValidationFailed, match="1 行有错误"):
        resident_import_commit(actor=secretary, import_id=imp.pk)
    assert counts() == before


@pytest.mark.django_db
def test_duplicate_mobile_in_the_sheet_names_both_rows(tree, secretary):
    before = counts()
    rows = [
        HEADER,
        ["甲", "13800000011", "和平小区", "1栋", "1", "101"],
        ["乙", "13800000012", "和平小区", "1栋", "1", "102"],
        ["丙", "+86 138-0000-0011", "和平小区", "1栋", "1", "103"],
    ]
    imp = preview(secretary, tree.heping, xlsx(rows))
    assert messages_of(imp) == ["第 4 行：手机号 13800000011 与第 2 行重复"]
    with pytest.raises(ValidationFailed):
        resident_import_commit(actor=secretary, import_id=imp.pk)
    assert counts() == before


@pytest.mark.django_db
def test_mobile_registered_to_a_current_resident_is_a_row_error(tree, secretary, resident_user):
    before = counts()
    rows = [HEADER[:6], ["新人", resident_user.phone, "和平小区", "1栋", "1", "101"]]
    imp = preview(secretary, tree.heping, xlsx(rows))
    assert messages_of(imp) == [f"第 2 行：手机号 {resident_user.phone} 已登记给一位在住居民"]
    assert counts() == before


@pytest.mark.django_db
def test_every_bad_row_is_listed(tree, secretary):
    rows = [HEADER[:6]] + [["某", "123", "和平小区", "1栋", "1", str(i)] for i in range(40)]
    imp = preview(secretary, tree.heping, xlsx(rows))
    assert imp.bad_row_count == 40
    assert [e["row"] for e in imp.errors] == list(range(2, 42))


# ---------------------------------------------------------------- bad files


def _imports_and_counts():
    return (ResidentImport.objects.count(), *counts())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"\xe5\xa7\x93\xe5\x90\x8d,\xe6\x89\x8b\xe6\x9c\xba\xe5\x8f\xb7\n", "居民.csv", ".csv"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "居民.xls", ".xls"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "居民.xlsx", ".xls"),
        (bytes(range(256)) * 8, "居民.xlsx", "文件不是有效的 Excel（.xlsx）文件"),
        (b"PK\x03\x04" + b"garbage" * 100, "居民.xlsx", "文件不是有效的 Excel（.xlsx）文件"),
        (b"", "居民.xlsx", "文件是空的"),
    ],
    ids=["csv", "xls", "xls-renamed", "random-bytes", "corrupt-zip", "empty-file"],
)
def test_files_that_are_not_xlsx_are_refused(tree, secretary, data, filename, message):
    before = _imports_and_counts()
    with pytest.raises(ValidationFailed) as info:
        preview(secretary, tree.heping, data, filename)
    assert message in str(info.value)
    assert _imports_and_counts() == before


@pytest.mark.django_db
def test_a_zip_that_is_not_a_workbook_is_refused(tree, secretary):
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    before = _imports_and_counts()
    with pytest.raises(ValidationFailed, match="文件不是有效的 Excel"):
        preview(secretary, tree.heping, buf.getvalue())
    assert _imports_and_counts() == before


@pytest.mark.django_db
def test_truncated_xlsx_is_refused(tree, secretary):
    data = xlsx(good_rows())
    with pytest.raises(ValidationFailed, match="文件不是有效的 Excel"):
        preview(secretary, tree.heping, data[: len(data) // 2])


@pytest.mark.django_db
def test_missing_required_column_is_named_and_nothing_is_stored(tree, secretary):
    before = _imports_and_counts()
    rows = [["姓名", "手机号", "小区", "楼栋", "单元"], ["张三", "", "和平小区", "1栋", "1"]]
    with pytest.raises(ValidationFailed, match="缺少必填列：“房号”"):
        preview(secretary, tree.heping, xlsx(rows))
    rows = [["姓名", "房号"], ["张三", "101"]]
    with pytest.raises(ValidationFailed, match="缺少必填列：“小区”、“楼栋”"):
        preview(secretary, tree.heping, xlsx(rows))
    assert _imports_and_counts() == before


@pytest.mark.django_db
def test_empty_sheet_and_header_only_are_refused(tree, secretary):
    before = _imports_and_counts()
    with pytest.raises(ValidationFailed, match="表格是空的"):
        preview(secretary, tree.heping, xlsx([]))
    with pytest.raises(ValidationFailed, match="没有居民数据"):
        preview(secretary, tree.heping, xlsx([HEADER]))
    assert _imports_and_counts() == before


@pytest.mark.django_db
def test_file_over_the_size_limit_is_refused(tree, secretary, settings):
    settings.LINLI_IMPORT_MAX_BYTES = 1000
    before = _imports_and_counts()
    with pytest.raises(ValidationFailed, match="文件太大"):
        preview(secretary, tree.heping, xlsx(good_rows()))
    assert _imports_and_counts() == before


@pytest.mark.django_db
def test_sheet_over_the_row_limit_is_refused(tree, secretary, settings):
    settings.LINLI_IMPORT_MAX_ROWS = 2
    before = _imports_and_counts()
    with pytest.raises(ValidationFailed, match="单次最多导入 2 行"):
        preview(secretary, tree.heping, xlsx(good_rows()))
    assert _imports_and_counts() == before


def big_sheet(n_rows, *, claimed_rows=None):
    """An .xlsx with ``n_rows`` data rows, its sheet XML written directly (openpyxl would
    take seconds to write 100,000 rows)."""
    import zipfile

    base = xlsx([["姓名", "小区", "楼栋", "房号"]])
    cells = "".join(
        f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>某</t></is></c>'
        f'<c r="B{i}" t="inlineStr"><is><t>和平小区</t></is></c>'
        f'<c r="C{i}" t="inlineStr"><is><t>1栋</t></is></c><c r="D{i}"><v>{i}</v></c></row>'
        for i in range(2, n_rows + 2)
    )
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                head, _, rest = text.partition("<sheetData>")
                _rows, _, tail = rest.partition("</sheetData>")
                header = _rows if "<row" in _rows else ""
                text = f"{head}<sheetData>{header}{cells}</sheetData>{tail}"
                text = text.replace(
                    '<dimension ref="A1:D1" />',
                    f'<dimension ref="A1:D{(claimed_rows or n_rows) + 1}" />',
                )
                data = text.encode()
            dst.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


@pytest.mark.django_db
def test_a_100k_row_sheet_is_refused(tree, secretary):
    # Reading stops at the limit (imports.py); how fast is bench_import's business, not a
    # wall-clock assertion that a loaded machine can break.
    data = big_sheet(100_000)
    before = _imports_and_counts()
    with pytest.raises(ValidationFailed, match="单次最多导入 20000 行"):
        preview(secretary, tree.heping, data)
    assert _imports_and_counts() == before


@pytest.mark.django_db
def test_a_sheet_at_the_row_limit_is_read(tree, secretary, settings):
    settings.LINLI_IMPORT_MAX_ROWS = 300
    imp = preview(secretary, tree.heping, big_sheet(300))
    assert imp.row_count == 300
    assert imp.errors == []


@pytest.mark.django_db
def test_rows_past_a_wrong_dimension_are_still_read(tree, secretary, settings):
    imp = preview(secretary, tree.heping, big_sheet(30, claimed_rows=2))
    assert imp.row_count == 30
    settings.LINLI_IMPORT_MAX_ROWS = 20
    with pytest.raises(ValidationFailed, match="单次最多导入 20 行"):
        preview(secretary, tree.heping, big_sheet(30, claimed_rows=2))


# ---------------------------------------------------------------- commit


@pytest.mark.django_db
def test_commit_is_all_or_nothing_when_the_database_changed_since_preview(tree, secretary):
    imp = preview(secretary, tree.heping, xlsx(good_rows()))
    assert imp.status == ImportStatus.PREVIEWED
    # Someone registers 李四's phone for another person after the preview.
    home = HouseholdFactory(parent=tree.building2, name="9单元909", unit="9", room="909")
    resident_create(actor=secretary, household=home, name="抢先", phone="13800000012")
    before = counts()
    with pytest.raises(ValidationFailed, match="第 3 行：手机号 13800000012 已登记"):
        resident_import_commit(actor=secretary, import_id=imp.pk)
    assert counts() == before
    assert not Resident.objects.filter(name__in=["张三", "王五"]).exists()
    imp.refresh_from_db()
    assert imp.status == ImportStatus.FAILED
    assert imp.errors[0]["row"] == 3
    assert not AuditEvent.objects.filter(action="resident.import").exists()


@pytest.mark.django_db
def test_second_commit_is_refused_and_changes_nothing(tree, secretary):
    imp = preview(secretary, tree.heping, xlsx(good_rows()))
    resident_import_commit(actor=secretary, import_id=imp.pk)
    before = counts()
    with pytest.raises(Conflict, match="不能重复提交"):
        resident_import_commit(actor=secretary, import_id=imp.pk)
    assert counts() == before
    assert AuditEvent.objects.filter(action="resident.import").count() == 1


@pytest.mark.django_db
def test_the_same_sheet_twice_is_refused(tree, secretary):
    data = xlsx(good_rows())
    imp = preview(secretary, tree.heping, data)
    resident_import_commit(actor=secretary, import_id=imp.pk)
    before = _imports_and_counts()
    with pytest.raises(Conflict, match=r"该表格已于 .* 导入过"):
        preview(secretary, tree.heping, data)
    assert _imports_and_counts() == before
    # The same people in a different file: their phones are registered now.
    rows = good_rows()
    rows.append(["新人", "13800000077", "和平小区", "2栋", "", "302"])
    again = preview(secretary, tree.heping, xlsx(rows))
    assert again.status == ImportStatus.FAILED
    assert [e["row"] for e in again.errors] == [2, 3]
    assert "已登记" in again.errors[0]["message"]


@pytest.mark.django_db
def test_two_previews_of_one_sheet_commit_once(tree, secretary, staff):
    data = xlsx(good_rows())
    first = preview(secretary, tree.heping, data)
    second = preview(staff, tree.heping, data)
    resident_import_commit(actor=secretary, import_id=first.pk)
    before = counts()
    with pytest.raises(Conflict, match="该表格已于"):
        resident_import_commit(actor=staff, import_id=second.pk)
    assert counts() == before


@pytest.mark.django_db
def test_only_staff_of_the_community_may_import(tree, secretary, leader, outsider, supervisor):
    data = xlsx(good_rows())
    for actor in (leader, outsider, supervisor):
        with pytest.raises(NotFound):
            preview(actor, tree.heping, data)
    imp = preview(secretary, tree.heping, data)
    before = counts()
    for actor in (leader, outsider, supervisor):
        with pytest.raises(NotFound):
            resident_import_commit(actor=actor, import_id=imp.pk)
    assert counts() == before
    imp.refresh_from_db()
    assert imp.status == ImportStatus.PREVIEWED
    # The outsider's own community has no 和平小区: an import there finds no compound.
    theirs = preview(outsider, tree.other, data)
    assert "小区“和平小区”不存在" in theirs.errors[0]["message"]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_commits_import_once(tree, secretary, staff):
    imp = preview(secretary, tree.heping, xlsx(good_rows()))
    before = counts()
    actors = (secretary, staff)
    results = race(2, lambda i: resident_import_commit(actor=actors[i], import_id=imp.pk))
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "ResidentImport"]
    assert counts()[0] == before[0] + 3
    assert AuditEvent.objects.filter(action="resident.import").count() == 1


# ---------------------------------------------------------------- export


def _read(data):
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return wb.active


@pytest.mark.django_db
def test_export_has_the_import_columns_and_is_audited(tree, secretary, leader, resident_user):
    imp = preview(secretary, tree.heping, xlsx(good_rows()))
    resident_import_commit(actor=secretary, import_id=imp.pk)
    data, n = residents_export_xlsx(actor=secretary)
    assert n == Resident.objects.filter(household__community=tree.heping).count() == 5
    ws = _read(data)
    assert [c.value for c in ws[1]] == COLUMNS
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["B"].width >= 11
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"张三", "李四", "王五", "杨声芬", "代正菊"}
    zhang = rows["张三"]
    assert zhang[:6] == ("张三", "13800000011", "和平小区", "1栋", "1", "101")
    assert set(zhang[6].split("、")) == {"志愿者", "居民代表"}
    assert zhang[7:9] == ("男", 1960)
    assert zhang[9].date() == dt.date(2020, 5, 1)
    audit = AuditEvent.objects.filter(action="resident.export").get()
    assert audit.actor_id == secretary.pk
    assert audit.data["rows"] == 5


@pytest.mark.django_db
def test_export_is_scoped_to_the_actor_and_the_place(
    tree, secretary, leader, outsider, resident_user
):
    data, n = residents_export_xlsx(actor=outsider)
    assert n == 0
    assert _read(data).max_row == 1
    _data, n = residents_export_xlsx(actor=secretary, place=tree.building1)
    assert n == 2
    with pytest.raises(NotFound):
        residents_export_xlsx(actor=outsider, place=tree.building1)
    for actor in (leader, resident_user):
        with pytest.raises(NotFound):
            residents_export_xlsx(actor=actor)
    assert AuditEvent.objects.filter(action="resident.export").count() == 2


@pytest.mark.django_db
def test_export_neutralises_formulas_and_round_trips(tree, secretary):
    evil = ["=1+2", "+SUM(A1)", "-2+3", "@cmd"]
    rows = [HEADER[:7]] + [
        [name, f"1380000010{i}", "和平小区", "1栋", "", f"{i}01", "志愿者"]
        for i, name in enumerate(evil)
    ]
    rows.append(["正常", "13800000199", "和平小区", "1栋", "", Formula("=1+1"), ""])
    imp = preview(secretary, tree.heping, xlsx(rows))
    # openpyxl stores "=1+1" as a formula; a data_only read gives no value → a row error.
    assert messages_of(imp) == ["第 6 行：房号不能为空"]
    imp = preview(secretary, tree.heping, xlsx(rows[:-1]))
    assert imp.errors == []
    resident_import_commit(actor=secretary, import_id=imp.pk)
    data, n = residents_export_xlsx(actor=secretary)
    assert n == 4
    ws = _read(data)
    names = []
    for row in ws.iter_rows(min_row=2):
        assert row[0].data_type == "s"  # a string, not a formula ("f")
        names.append(row[0].value)
    assert sorted(names) == sorted("'" + e for e in evil)
    # Read-only and data-only readers see the same plain strings.
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    values = [r[0] for r in wb.active.iter_rows(min_row=2, values_only=True)]
    assert sorted(values) == sorted("'" + e for e in evil)

    # Round trip: everyone moves out, then the export goes into an empty community with the
    # same compounds and buildings; the guard apostrophe is dropped on the way in.
    for resident in Resident.objects.all():
        resident_move_out(actor=secretary, resident=resident, on=dt.date.today())
    fresh, _ = place_get_or_create(parent=tree.street, kind=PlaceKind.COMMUNITY, name="新社区")
    compound, _ = place_get_or_create(parent=fresh, kind=PlaceKind.COMPOUND, name="和平小区")
    place_get_or_create(parent=compound, kind=PlaceKind.BUILDING, name="1栋")
    again = preview(SYSTEM, fresh, data, "export.xlsx")
    assert again.errors == []
    resident_import_commit(actor=SYSTEM, import_id=again.pk)
    moved = Resident.objects.filter(household__community=fresh)
    assert sorted(moved.values_list("name", flat=True)) == sorted(evil)
    assert sorted(moved.values_list("phone", flat=True)) == [f"1380000010{i}" for i in range(4)]
    assert (
        GroupMembership.objects.filter(community=fresh, group=ResidentGroup.VOLUNTEER).count() == 4
    )
    assert ResidentImport.objects.get(pk=again.pk).actor is None
