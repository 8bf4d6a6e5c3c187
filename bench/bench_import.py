"""Excel import of 10,000 residents (issue 2: under 30 s on PostgreSQL).

A community with 5 compounds × 20 buildings; a generated 10,000-row sheet (about 4,000
households, a third of the people in a group). Timed: ``resident_import_preview`` (read +
check every row) and ``resident_import_commit`` (re-check, households, residents,
memberships, audit), through the services as a secretary would run them.

The floor, in the same run and the same tables: the same 10,000 residents, their households
and memberships inserted with psycopg COPY into a twin community (different phones, as the
phone must be unique among current residents), names' pinyin computed beforehand.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import time
from collections.abc import Iterator

import openpyxl
from django.db import connection, transaction
from django.utils import timezone

from bench import figure
from linli.core.pinyin import pinyin_keys
from linli.people.choices import ResidentGroup, Role
from linli.people.models import GroupMembership, Resident, RoleGrant, User
from linli.people.services import resident_import_commit, resident_import_preview
from linli.places.choices import ANCESTOR_KINDS, PlaceKind
from linli.places.models import Place
from linli.places.services import place_create
from linli.places.services.places import household_name

ROWS = 10_000
COMPOUNDS = 5
BUILDINGS = 20
GOAL_SECONDS = 30.0
FAILED = 0

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤代"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彩春菊兰凤洁"
    "梅琳素云莲真环雪荣爱妹香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛"
    "青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜"
    "纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽正"
    "声"
)
GROUP_LABELS = ["居民代表", "居民议事人", "志愿者"]


def _tree(name: str) -> tuple[Place, list[list[Place]]]:
    city = Place.objects.filter(kind=PlaceKind.CITY, name="荆州市").first() or place_create(
        parent=None, kind=PlaceKind.CITY, name="荆州市"
    )
    district = Place.objects.filter(parent=city, name="沙市区").first() or place_create(
        parent=city, kind=PlaceKind.DISTRICT, name="沙市区"
    )
    street = Place.objects.filter(parent=district, name="基准街道").first() or place_create(
        parent=district, kind=PlaceKind.STREET, name="基准街道"
    )
    community = place_create(parent=street, kind=PlaceKind.COMMUNITY, name=name)
    buildings: list[list[Place]] = []
    for c in range(COMPOUNDS):
        compound = place_create(parent=community, kind=PlaceKind.COMPOUND, name=f"第{c + 1}小区")
        buildings.append(
            [
                place_create(parent=compound, kind=PlaceKind.BUILDING, name=f"{b + 1}栋")
                for b in range(BUILDINGS)
            ]
        )
    return community, buildings


def _people(phone_prefix: str) -> list[list[object]]:
    """The sheet's rows: name, phone, compound, building, unit, room, groups, gender, year, date."""
    rng = random.Random(20240501)
    rows: list[list[object]] = []
    for i in range(ROWS):
        household = i * 2 // 5  # 2.5 people per household on average
        building_index = household % (COMPOUNDS * BUILDINGS)
        compound, building = divmod(building_index, BUILDINGS)
        within = household // (COMPOUNDS * BUILDINGS)
        unit = within % 4 + 1
        room = (within // 4 % 6 + 1) * 100 + within // 24 + 1
        groups = rng.sample(GROUP_LABELS, rng.choice([0, 0, 0, 0, 1, 1, 2]))
        rows.append(
            [
                rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice([1, 2]))),
                f"{phone_prefix}{i:08d}",
                f"第{compound + 1}小区",
                f"{building + 1}栋",
                str(unit),
                str(room),
                "、".join(groups),
                rng.choice(["男", "女"]),
                rng.randint(1935, 2010),
                dt.date(2000, 1, 1) + dt.timedelta(days=rng.randint(0, 8000)),
            ]
        )
    return rows


def _sheet(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(
        ["姓名", "手机号", "小区", "楼栋", "单元", "房号", "身份", "性别", "出生年份", "入住日期"]
    )
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _floor(community: Place, buildings: list[list[Place]], rows: list[list[object]]) -> float:
    """COPY the same people into the same tables: the least the database can do."""
    group_of: dict[str, str] = {
        "居民代表": ResidentGroup.REPRESENTATIVE,
        "居民议事人": ResidentGroup.DELIBERATOR,
        "志愿者": ResidentGroup.VOLUNTEER,
    }
    by_name = {
        (f"第{c + 1}小区", f"{b + 1}栋"): bl
        for c, bs in enumerate(buildings)
        for b, bl in enumerate(bs)
    }
    keys = [pinyin_keys(str(r[0])) for r in rows]
    place_table = Place._meta.db_table
    resident_table = Resident._meta.db_table
    membership_table = GroupMembership._meta.db_table
    ancestor_columns = [f"{k}_id" for k in ANCESTOR_KINDS]
    now = timezone.now()
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        pg = cursor.cursor  # the psycopg cursor
        households: dict[tuple[int, str], tuple[str, str]] = {}
        for r in rows:
            building = by_name[(str(r[2]), str(r[3]))]
            households.setdefault(
                (building.pk, household_name(str(r[4]), str(r[5]))), (str(r[4]), str(r[5]))
            )
        columns = [
            "kind",
            "name",
            "parent_id",
            "code",
            "unit",
            "room",
            *ancestor_columns,
            "created_at",
        ]
        buildings_by_pk = {b.pk: b for bs in buildings for b in bs}
        with pg.copy(f"COPY {place_table} ({', '.join(columns)}) FROM STDIN") as copy:
            for (building_pk, name), (unit, room) in households.items():
                building = buildings_by_pk[building_pk]
                ancestors = [getattr(building, c) for c in ancestor_columns]
                copy.write_row(["household", name, building_pk, "", unit, room, *ancestors, now])
        pg.execute(
            f"SELECT id, parent_id, name FROM {place_table} "
            "WHERE community_id = %s AND kind = 'household'",
            [community.pk],
        )
        household_ids = {(parent, name): pk for pk, parent, name in pg.fetchall()}
        columns = [
            "name", "phone", "gender", "birth_year", "household_id", "moved_in",
            "public_consent", "pinyin_full", "pinyin_initials", "note", "created_at", "updated_at",
        ]  # fmt: skip
        with pg.copy(f"COPY {resident_table} ({', '.join(columns)}) FROM STDIN") as copy:
            for r, (full, initials) in zip(rows, keys, strict=True):
                building = by_name[(str(r[2]), str(r[3]))]
                household = household_ids[(building.pk, household_name(str(r[4]), str(r[5])))]
                gender = "M" if r[7] == "男" else "F"
                copy.write_row(
                    [r[0], r[1], gender, r[8], household, r[9], True, full, initials, "", now, now]
                )
        pg.execute(
            f"SELECT r.id, r.phone FROM {resident_table} r "
            f"JOIN {place_table} h ON h.id = r.household_id WHERE h.community_id = %s",
            [community.pk],
        )
        resident_ids = dict((phone, pk) for pk, phone in pg.fetchall())
        with pg.copy(
            f'COPY {membership_table} (resident_id, "group", community_id) FROM STDIN'
        ) as copy:
            for r in rows:
                for label in str(r[6]).split("、") if r[6] else []:
                    copy.write_row([resident_ids[r[1]], group_of[label], community.pk])
    return time.monotonic() - started


def run() -> Iterator[str]:
    global FAILED
    floor_community, floor_buildings = _tree("基准社区（下限）")
    community, _buildings = _tree("基准社区")
    secretary = User.objects.create_user("13000000001", "bench-pass-1", name="基准书记")
    RoleGrant.objects.create(user=secretary, role=Role.COMMUNITY_SECRETARY, place=community)

    floor = _floor(floor_community, floor_buildings, _people("137"))
    data = _sheet(_people("139"))

    started = time.monotonic()
    imp = resident_import_preview(
        actor=secretary, community=community, file_bytes=data, filename="bench.xlsx"
    )
    previewed = time.monotonic()
    if imp.errors:
        raise SystemExit(f"bench: the generated sheet has errors: {imp.errors[:3]}")
    resident_import_commit(actor=secretary, import_id=imp.pk)
    committed = time.monotonic()

    imported = Resident.objects.filter(household__community=community).count()
    floored = Resident.objects.filter(household__community=floor_community).count()
    if imported != ROWS or floored != ROWS:
        raise SystemExit(f"bench: expected {ROWS} residents, got {imported} and {floored}")
    total = committed - started
    yield figure("import_10k_rows", total, floor)
    yield figure("import_10k_preview", previewed - started, floor)
    yield figure("import_10k_commit", committed - previewed, floor)
    yield figure("import_10k_floor_copy", floor)
    yield f"import_10k_sheet_size: {len(data) / 1024 / 1024:.2f} MB"
    if total > GOAL_SECONDS:
        FAILED = 1
        yield f"# import_10k_rows over the {GOAL_SECONDS:.0f} s goal"
