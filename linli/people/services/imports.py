"""Excel import and export of residents.

``resident_import_preview`` reads the sheet a community already keeps, checks every row
against the rules and the database, and stores the result as a ResidentImport without
writing residents. ``resident_import_commit`` re-checks against the database under a row
lock and writes households, residents and group memberships all at once (bulk inserts) with
one audit row. ``residents_export_xlsx`` writes the same columns back out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.actors import Actor
from linli.core.errors import Conflict, NotFound, ValidationFailed
from linli.core.excel import guard_formula, workbook_bytes
from linli.core.phones import normalize_mobile
from linli.core.pinyin import pinyin_keys
from linli.core.text import clean_text, has_refused
from linli.places.choices import ANCESTOR_KINDS, PlaceKind
from linli.places.models import Place
from linli.places.services.places import household_name

from .. import policies
from ..choices import Gender, ResidentGroup
from ..models import GroupMembership, ImportStatus, Resident, ResidentImport
from ..policies import Action, acting_user
from ..selectors_imports import residents_for_export
from ._common import require
from .residents import clean_birth_year, clean_gender, clean_name

# Columns in sheet order (the export and the template use this order; an import takes any).
COLUMNS: list[str] = [
    "姓名",
    "手机号",
    "小区",
    "楼栋",
    "单元",
    "房号",
    "身份",
    "性别",
    "出生年份",
    "入住日期",
]
REQUIRED: list[str] = ["姓名", "小区", "楼栋", "房号"]
# Other spellings communities use for the same column.
ALIASES: dict[str, str] = {
    "手机": "手机号",
    "手机号码": "手机号",
    "联系电话": "手机号",
    "电话": "手机号",
    "联系方式": "手机号",
    "小区名称": "小区",
    "楼号": "楼栋",
    "楼栋号": "楼栋",
    "栋": "楼栋",
    "单元号": "单元",
    "房间号": "房号",
    "门牌号": "房号",
    "户号": "房号",
    "类别": "身份",
    "出生年": "出生年份",
    "入住时间": "入住日期",
}
GROUP_BY_LABEL: dict[str, str] = {
    "居民代表": ResidentGroup.REPRESENTATIVE,
    "居民议事人": ResidentGroup.DELIBERATOR,
    "议事人": ResidentGroup.DELIBERATOR,
    "志愿者": ResidentGroup.VOLUNTEER,
}
GROUP_LABELS: dict[str, str] = {
    ResidentGroup.REPRESENTATIVE: "居民代表",
    ResidentGroup.DELIBERATOR: "居民议事人",
    ResidentGroup.VOLUNTEER: "志愿者",
}
GENDER_LABELS: dict[str, str] = {Gender.MALE: "男", Gender.FEMALE: "女", Gender.UNKNOWN: ""}
MAX_PART = 16  # Place.unit and Place.room
MAX_ERRORS = 5000  # stored per import; the summary still counts every bad row
_GROUP_SPLIT = re.compile(r"[、,，/／;；\s]+")
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


def _bad_file() -> ValidationFailed:
    return ValidationFailed(_("文件不是有效的 Excel（.xlsx）文件"))


# ---------------------------------------------------------------- cells


def _text(value: object) -> str:
    """A cell as text: numbers without a trailing .0, full-width folded, spaces collapsed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = unicodedata.normalize("NFKC", str(value))
    text = " ".join(text.split())
    return _unguard(text)


def _unguard(text: str) -> str:
    """Drop the apostrophe our export puts before text that looks like a formula."""
    if len(text) > 1 and text[0] == "'" and text[1] in _FORMULA_START:
        return text[1:]
    return text


def _header_key(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(value or ""))
    text = re.sub(r"[\s*＊:：]", "", text)
    text = re.sub(r"[(（].*?[)）]$", "", text)  # 出生年份（四位） → 出生年份
    return ALIASES.get(text, text)


def _parse_date(value: object) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if not text:
        return None
    match = _DATE_TEXT.match(text) or _DATE_COMPACT.match(text)
    if match:
        try:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    raise ValidationFailed(
        _("入住日期“%(v)s”无法识别，请写成 2020-05-01 或 2020/5/1") % {"v": text[:20]}
    )


def _parse_groups(value: object) -> list[str]:
    text = _text(value)
    groups: list[str] = []
    for part in _GROUP_SPLIT.split(text):
        if not part:
            continue
        group = GROUP_BY_LABEL.get(part)
        if group is None:
            raise ValidationFailed(
                _("身份“%(v)s”无法识别，可填：居民代表、居民议事人、志愿者") % {"v": part[:20]}
            )
        if group not in groups:
            groups.append(group)
    return groups


# ---------------------------------------------------------------- reading the sheet


def _columns(header: tuple[Any, ...], header_row: int) -> dict[str, int]:
    """Column name → index, from the header row; refuses a sheet without a required column."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = _header_key(cell)
        if key in COLUMNS:
            if key in columns:
                raise ValidationFailed(
                    _("第 %(row)d 行：列“%(col)s”出现了两次") % {"row": header_row, "col": key}
                )
            columns[key] = index
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ValidationFailed(
            _("缺少必填列：%(cols)s（表头在第 %(row)d 行，应包含：%(all)s）")
            % {
                "cols": "、".join(f"“{c}”" for c in missing),
                "row": header_row,
                "all": "、".join(COLUMNS),
            }
        )
    return columns


@dataclass
class _Sheet:
    columns: dict[str, int]  # column name → index in the row
    rows: list[tuple[int, tuple[Any, ...]]]  # (Excel row number, values)


def _read_sheet(file_bytes: bytes, filename: str) -> _Sheet:
    """Open the workbook and read the first sheet's header and data rows.

    Refuses files that are not .xlsx, too large, with a missing required column, or with
    more rows than one import takes (counting stops at the limit).
    """
    max_bytes = int(settings.LINLI_IMPORT_MAX_BYTES)
    max_rows = int(settings.LINLI_IMPORT_MAX_ROWS)
    if len(file_bytes) > max_bytes:
        raise ValidationFailed(
            _("文件太大（%(size).1f MB），单次导入最大 %(max).0f MB")
            % {"size": len(file_bytes) / 1024 / 1024, "max": max_bytes / 1024 / 1024}
        )
    if not file_bytes:
        raise ValidationFailed(_("文件是空的"))
    lower = filename.lower()
    if file_bytes[:4] == _OLE_MAGIC or lower.endswith(".xls"):
        raise ValidationFailed(
            _(
                "文件不是有效的 Excel（.xlsx）文件："
                "这是旧版 .xls，请在 Excel 中另存为 .xlsx 后再上传"
            )
        )
    if lower.endswith(".csv"):
        raise ValidationFailed(
            _("文件不是有效的 Excel（.xlsx）文件：不接受 .csv，请在 Excel 中另存为 .xlsx 后再上传")
        )
    if file_bytes[:4] != _ZIP_MAGIC:
        raise _bad_file()

    import openpyxl  # heavy; loaded only when a sheet comes in

    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(file_bytes), read_only=True, data_only=True, keep_links=False
        )
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _bad_file() from exc
    except Exception as exc:  # openpyxl raises many other kinds on a damaged file
        raise _bad_file() from exc
    try:
        if not workbook.worksheets:
            raise ValidationFailed(_("表格是空的"))
        sheet = workbook.worksheets[0]
        # Read every row the file holds, not only the range its <dimension> claims: some
        # programs write a wrong one, and rows past it would be dropped without a word.
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()
        header: tuple[Any, ...] | None = None
        header_row = 0
        columns: dict[str, int] = {}
        rows: list[tuple[int, tuple[Any, ...]]] = []
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                if not any(v is not None and str(v).strip() for v in values):
                    continue
                if header is None:
                    header, header_row = values, number
                    columns = _columns(header, header_row)
                    continue
                if len(rows) >= max_rows:
                    raise ValidationFailed(
                        _("表格超过 %(max)d 行，单次最多导入 %(max)d 行，请拆分后分批导入")
                        % {"max": max_rows}
                    )
                rows.append((number, values))
        except ValidationFailed:
            raise
        except Exception as exc:
            raise _bad_file() from exc
    finally:
        workbook.close()
    if header is None:
        raise ValidationFailed(_("表格是空的：第一个工作表中没有内容"))
    if not rows:
        raise ValidationFailed(_("表格只有表头，没有居民数据"))
    return _Sheet(columns=columns, rows=rows)


# ---------------------------------------------------------------- checking rows


@dataclass
class _Check:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def error(self, row: int, message: str) -> None:
        self.errors.append({"row": row, "message": message})


def _buildings_of(community: Place) -> dict[tuple[str, str], Place]:
    """(compound name, building name) → building, for every building of the community."""
    buildings = Place.objects.filter(community=community, kind=PlaceKind.BUILDING).select_related(
        "compound"
    )
    return {(b.compound.name if b.compound else "", b.name): b for b in buildings}


def _find_building(
    buildings: dict[tuple[str, str], Place], compound: str, building: str
) -> Place | None:
    found = buildings.get((compound, building))
    if found is None and building.isdigit():
        for suffix in ("栋", "号楼", "幢", "号"):
            found = buildings.get((compound, building + suffix))
            if found is not None:
                break
    return found


def _phones_in_use(phones: Iterable[str]) -> set[str]:
    """Which of these phones belong to a current resident (in any community)."""
    phones = list(phones)
    used: set[str] = set()
    for start in range(0, len(phones), 5000):
        chunk = phones[start : start + 5000]
        used.update(
            Resident.objects.filter(phone__in=chunk, moved_out__isnull=True).values_list(
                "phone", flat=True
            )
        )
    return used


def _check_rows(sheet: _Sheet, community: Place) -> _Check:
    check = _Check()
    cols = sheet.columns
    compounds = set(
        Place.objects.filter(community=community, kind=PlaceKind.COMPOUND).values_list(
            "name", flat=True
        )
    )
    buildings = _buildings_of(community)
    phone_rows: dict[str, int] = {}

    def cell(values: tuple[Any, ...], column: str) -> Any:
        index = cols.get(column)
        if index is None or index >= len(values):
            return None
        return values[index]

    for number, values in sheet.rows:
        problems: list[str] = []
        record: dict[str, Any] = {"row": number}
        if any(isinstance(v, str) and has_refused(v) for v in values):
            # NUL cannot be stored (and would reach the stored preview); say which row.
            check.error(number, _("这一行含有无法识别的控制字符（如 NUL），请删除后重新导入"))
            continue
        try:
            record["name"] = clean_name(_text(cell(values, "姓名")))
        except ValidationFailed as exc:
            problems.append(str(exc))
        raw_phone = cell(values, "手机号")
        phone = ""
        if raw_phone is not None and _text(raw_phone):
            try:
                phone = normalize_mobile(
                    raw_phone if isinstance(raw_phone, int | float) else _text(raw_phone)
                )
            except ValidationFailed as exc:
                problems.append(str(exc))
        if phone:
            first = phone_rows.get(phone)
            if first is not None:
                problems.append(
                    _("手机号 %(phone)s 与第 %(first)d 行重复") % {"phone": phone, "first": first}
                )
            else:
                phone_rows[phone] = number
        record["phone"] = phone
        compound = _text(cell(values, "小区"))
        building_name = _text(cell(values, "楼栋"))
        unit = _text(cell(values, "单元"))
        room = _text(cell(values, "房号"))
        if not compound:
            problems.append(_("小区不能为空"))
        elif compound not in compounds:
            problems.append(_("小区“%(name)s”不存在") % {"name": compound[:40]})
        if not building_name:
            problems.append(_("楼栋不能为空"))
        elif compound in compounds:
            building = _find_building(buildings, compound, building_name)
            if building is None:
                problems.append(
                    _("楼栋“%(building)s”不在小区“%(compound)s”中")
                    % {"building": building_name[:40], "compound": compound}
                )
            else:
                record["building_id"] = building.pk
        if not room:
            problems.append(_("房号不能为空"))
        elif len(room) > MAX_PART:
            problems.append(_("房号不能超过 %(n)d 个字") % {"n": MAX_PART})
        if len(unit) > MAX_PART:
            problems.append(_("单元不能超过 %(n)d 个字") % {"n": MAX_PART})
        record.update(compound=compound, building=building_name, unit=unit, room=room)
        try:
            record["gender"] = clean_gender(_text(cell(values, "性别")))
        except ValidationFailed as exc:
            problems.append(str(exc))
        try:
            record["birth_year"] = clean_birth_year(_text(cell(values, "出生年份")))
        except ValidationFailed as exc:
            problems.append(str(exc))
        try:
            moved_in = _parse_date(cell(values, "入住日期"))
            record["moved_in"] = moved_in.isoformat() if moved_in else None
        except ValidationFailed as exc:
            problems.append(str(exc))
        try:
            record["groups"] = _parse_groups(cell(values, "身份"))
        except ValidationFailed as exc:
            problems.append(str(exc))
        for problem in problems:
            check.error(number, problem)
        if not problems:
            check.rows.append(record)
    _check_database(check)
    return check


def _check_database(check: _Check) -> None:
    """Checks against the database, run at preview and again at commit: phones already
    registered to a current resident."""
    used = _phones_in_use(r["phone"] for r in check.rows if r["phone"])
    if not used:
        return
    keep: list[dict[str, Any]] = []
    for record in check.rows:
        if record["phone"] in used:
            check.error(
                record["row"],
                _("手机号 %(phone)s 已登记给一位在住居民") % {"phone": record["phone"]},
            )
        else:
            keep.append(record)
    check.rows = keep


def _row_message(error: dict[str, Any]) -> str:
    return _("第 %(row)d 行：%(message)s") % {"row": error["row"], "message": error["message"]}


def _already_committed(community: Place, sha256: str, exclude_pk: int | None = None) -> None:
    qs = ResidentImport.objects.filter(
        community=community, sha256=sha256, status=ImportStatus.COMMITTED
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    earlier = qs.order_by("committed_at").first()
    if earlier is not None and earlier.committed_at is not None:
        when = timezone.localtime(earlier.committed_at).strftime("%Y-%m-%d %H:%M")
        raise Conflict(
            _("该表格已于 %(when)s 导入过（%(file)s），不能重复导入")
            % {"when": when, "file": earlier.filename}
        )


# ---------------------------------------------------------------- services


def resident_import_preview(
    *, actor: Actor, community: Place, file_bytes: bytes, filename: str
) -> ResidentImport:
    """Parse and check the sheet; store the result. Writes no resident, household or group.

    A file that cannot be read at all (not .xlsx, too large, a missing column, too many rows,
    already imported) raises ValidationFailed/Conflict and stores nothing. Bad rows are stored
    with their reasons, and the import cannot be committed until a corrected sheet comes in.
    """
    if community.kind != PlaceKind.COMMUNITY:
        raise ValidationFailed(_("请选择要导入的社区"))
    require(actor, Action.RESIDENT_IMPORT, community)
    filename = "".join(c for c in (filename or "") if not has_refused(c))
    filename = clean_text(filename[-200:], limit=200) or "import.xlsx"
    sha256 = hashlib.sha256(file_bytes).hexdigest()
    if len(file_bytes) <= int(settings.LINLI_IMPORT_MAX_BYTES):
        _already_committed(community, sha256)
    sheet = _read_sheet(file_bytes, filename)
    check = _check_rows(sheet, community)
    check.errors.sort(key=lambda e: e["row"])
    with transaction.atomic(durable=True):
        return ResidentImport.objects.create(
            actor=acting_user(actor),
            community=community,
            sha256=sha256,
            filename=filename,
            rows=check.rows,
            row_count=len(sheet.rows),
            errors=check.errors[:MAX_ERRORS],
            status=ImportStatus.FAILED if check.errors else ImportStatus.PREVIEWED,
        )


def _lock_import(pk: int) -> ResidentImport:
    found = ResidentImport.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound(_("找不到该导入记录"))
    return found


def _households(rows: list[dict[str, Any]]) -> tuple[dict[tuple[int, str], int], int]:
    """Existing or new household ids for every row, keyed by (building id, household name).

    New households get the ancestor columns exactly as ``place_create`` fills them: copied
    from the building (a household has no column of its own kind).
    """
    wanted: dict[tuple[int, str], tuple[str, str]] = {}
    for record in rows:
        key = (record["building_id"], household_name(record["unit"], record["room"]))
        wanted.setdefault(key, (record["unit"], record["room"]))
    building_ids = sorted({k[0] for k in wanted})
    buildings = {b.pk: b for b in Place.objects.filter(pk__in=building_ids)}

    def existing() -> dict[tuple[int, str], int]:
        found: dict[tuple[int, str], int] = {}
        qs = Place.objects.filter(parent_id__in=building_ids, kind=PlaceKind.HOUSEHOLD)
        for pk, parent_id, name in qs.values_list("pk", "parent_id", "name"):
            found[(parent_id, name)] = pk
        return found

    ids = existing()
    new = []
    for (building_id, name), (unit, room) in wanted.items():
        if (building_id, name) in ids:
            continue
        building = buildings[building_id]
        place = Place(
            kind=PlaceKind.HOUSEHOLD, name=name, parent_id=building_id, unit=unit, room=room
        )
        for kind in ANCESTOR_KINDS:
            setattr(place, f"{kind}_id", getattr(building, f"{kind}_id"))
        new.append(place)
    if new:
        Place.objects.bulk_create(new, batch_size=2000)
        for place in new:
            ids[(place.parent_id, place.name)] = place.pk  # type: ignore[index]
    return ids, len(new)


def resident_import_commit(*, actor: Actor, import_id: int) -> ResidentImport:
    """Write a previewed import: all rows or none, in one transaction, with one audit row.

    The import row is locked and its status re-checked after the lock, so two concurrent
    commits import once. Every database check of the preview runs again; if anything changed
    (a phone registered since), the errors are stored on the import and nothing is written.
    """
    if not policies.can_anywhere(actor, Action.RESIDENT_IMPORT):
        raise NotFound(_("找不到该导入记录"))
    changed: list[dict[str, Any]] = []
    try:
        with transaction.atomic(durable=True):
            imp = _lock_import(import_id)
            community = Place.objects.get(pk=imp.community_id)
            if not policies.can(actor, Action.RESIDENT_IMPORT, community):
                raise NotFound(_("找不到该导入记录"))
            if imp.status == ImportStatus.COMMITTED:
                when = timezone.localtime(imp.committed_at or imp.created_at)
                raise Conflict(
                    _("这份表格已于 %(when)s 导入，不能重复提交")
                    % {"when": when.strftime("%Y-%m-%d %H:%M")}
                )
            if imp.status != ImportStatus.PREVIEWED or imp.errors:
                raise ValidationFailed(
                    _("还有 %(n)d 行有错误，请改正表格后重新上传") % {"n": imp.bad_row_count}
                )
            _already_committed(community, imp.sha256, exclude_pk=imp.pk)
            check = _Check(rows=list(imp.rows))
            _check_database(check)
            building_ids = {r["building_id"] for r in check.rows}
            alive = set(
                Place.objects.filter(
                    pk__in=building_ids, kind=PlaceKind.BUILDING, community=community
                ).values_list("pk", flat=True)
            )
            for record in check.rows:
                if record["building_id"] not in alive:
                    check.error(
                        record["row"],
                        _("楼栋“%(name)s”已不在本社区") % {"name": record["building"]},
                    )
            if check.errors:
                # Nothing is written but the new reasons, which the preview page shows.
                check.errors.sort(key=lambda e: e["row"])
                imp.errors = check.errors[:MAX_ERRORS]
                imp.status = ImportStatus.FAILED
                imp.save(update_fields=["errors", "status"])
                changed = check.errors
            else:
                _write(actor, imp, community, check.rows)
    except IntegrityError as exc:
        raise Conflict(
            _("导入时数据有变化（如手机号刚被他人登记），没有写入任何数据，请重新上传预览")
        ) from exc
    if changed:
        first = "；".join(_row_message(e) for e in changed[:3])
        raise ValidationFailed(
            _("预览之后数据有变化，没有导入任何居民：%(first)s") % {"first": first}
        )
    return imp


def _write(actor: Actor, imp: ResidentImport, community: Place, rows: list[dict[str, Any]]) -> None:
    household_ids, households_created = _households(rows)
    residents = []
    for record in rows:
        full, initials = pinyin_keys(record["name"])
        moved_in = record.get("moved_in")
        residents.append(
            Resident(
                name=record["name"],
                phone=record["phone"],
                gender=record["gender"],
                birth_year=record["birth_year"],
                household_id=household_ids[
                    (record["building_id"], household_name(record["unit"], record["room"]))
                ],
                moved_in=dt.date.fromisoformat(moved_in) if moved_in else None,
                pinyin_full=full,
                pinyin_initials=initials,
            )
        )
    Resident.objects.bulk_create(residents, batch_size=2000)
    memberships = [
        GroupMembership(resident_id=resident.pk, group=group, community=community)
        for resident, record in zip(residents, rows, strict=True)
        for group in record["groups"]
    ]
    GroupMembership.objects.bulk_create(memberships, batch_size=5000)
    counts = {
        "residents": len(residents),
        "households_created": households_created,
        "memberships": len(memberships),
    }
    imp.status = ImportStatus.COMMITTED
    imp.committed_at = timezone.now()
    imp.result = counts
    imp.save(update_fields=["status", "committed_at", "result"])
    audit_record(
        actor=actor,
        action="resident.import",
        target=imp,
        place_id=community.pk,
        data={**counts, "file": imp.filename, "sha256": imp.sha256},
    )


# ---------------------------------------------------------------- writing sheets


def _guard(value: str) -> str:
    """Text that a spreadsheet could take for a formula gets a leading apostrophe."""
    return guard_formula(value)


def _export_rows(residents: Iterable[Resident]) -> Iterator[list[Any]]:
    for r in residents:
        household = r.household
        groups = "、".join(GROUP_LABELS[m.group] for m in getattr(r, "current_memberships", []))
        yield [
            r.name,
            r.phone,
            household.compound.name if household.compound else "",
            household.building.name if household.building else "",
            household.unit,
            household.room or household.name,
            groups,
            GENDER_LABELS.get(r.gender, ""),
            r.birth_year,
            r.moved_in,
        ]


_WIDTHS = {"姓名": 12, "手机号": 15, "小区": 16, "楼栋": 10, "单元": 8, "房号": 10}


def _workbook_bytes(rows: Iterable[list[Any]], sheet_title: str) -> bytes:
    return workbook_bytes(COLUMNS, rows, title=sheet_title, widths=_WIDTHS)


def resident_import_template_xlsx() -> bytes:
    """An empty sheet to fill in: the header row and one example row."""
    example = [
        "张三",
        "13800000000",
        "和平小区",
        "1栋",
        "1",
        "101",
        "志愿者、居民代表",
        "男",
        1960,
        dt.date(2020, 5, 1),
    ]
    return _workbook_bytes([example], _("居民"))


def residents_export_xlsx(*, actor: Actor, place: Place | None = None) -> tuple[bytes, int]:
    """The current residents the actor may export (under ``place`` if given), as .xlsx
    bytes, and how many rows. Names and phones are unmasked, so every export is audited."""
    if place is not None:
        require(actor, Action.RESIDENT_EXPORT, place)
    elif not policies.can_anywhere(actor, Action.RESIDENT_EXPORT):
        raise NotFound(_("找不到该对象，或您无权操作"))
    residents = list(residents_for_export(actor, place=place))
    data = _workbook_bytes(_export_rows(residents), _("居民"))
    with transaction.atomic(durable=True):
        audit_record(
            actor=actor,
            action="resident.export",
            target=place,
            place_id=place.pk if place is not None else None,
            data={"rows": len(residents)},
        )
    return data, len(residents)


__all__ = [
    "COLUMNS",
    "resident_import_commit",
    "resident_import_preview",
    "resident_import_template_xlsx",
    "residents_export_xlsx",
]
