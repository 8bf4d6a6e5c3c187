"""The Heping demo's shared plan: 荆州市 → 沙市区 → 中山街道 → 和平社区 (and 胜利社区, the
outsider) as data, and what every loader works on.

The data is planned first, in pure Python, from fixed lists and a fixed ``random.Random``
seed, so every run plans exactly the same people (``build_plan``). ``Demo`` holds the plan
and the rows loaded so far (places, residents, teams, departments, sign-ins) with the
``Tally`` of what a run created and found; every loader takes it and adds to it.

No loading here: the loaders (``people``, ``points``, ``cycle``, ``matters``, ``meetings``,
``ratings``, ``activities``) import this module, ``heping.load_heping`` runs them in order,
and nothing here imports either (an import-linter contract keeps it so).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol

from linli.people.choices import Gender, ResidentGroup, Role
from linli.people.models import (
    Department,
    Resident,
    Team,
    User,
)
from linli.places.models import Place
from linli.places.services.places import household_name

# One documented password for every demo sign-in (README). It passes Django's validators.
PASSWORD = "linli-demo-2026"  # noqa: S105 — the demo's published password
SEED = 20231118  # 11月18日晚: 代正菊's suggestion, +10 points

CITY = ("荆州市", "421000")
DISTRICT = ("沙市区", "421002")
STREET = "中山街道"  # below the district: no official codes are invented
HEPING = "和平社区"
SHENGLI = "胜利社区"

# The seed's groups in 和平社区, exactly.
GROUP_SIZES: dict[str, int] = {
    ResidentGroup.REPRESENTATIVE: 220,
    ResidentGroup.DELIBERATOR: 196,
    ResidentGroup.VOLUNTEER: 238,
}

# (compound, buildings, units per building, floors); two flats per floor and unit.
HEPING_COMPOUNDS: list[tuple[str, int, int, int]] = [
    ("和平新村", 9, 3, 6),
    ("江津苑", 7, 2, 7),
    ("园林小区", 8, 3, 6),
    ("电业宿舍", 5, 2, 5),
    ("金龙花园", 6, 2, 11),
]
HEPING_OCCUPANCY = 0.55
SHENGLI_COMPOUNDS: list[tuple[str, int, int, int]] = [("胜利花园", 3, 2, 6)]
SHENGLI_OCCUPANCY = 0.32
MOVED_OUT = 12  # 和平社区 residents who have moved out, so history is visible

# Volunteer teams of 和平社区: (name, description, founded, members besides the leader).
TEAMS: list[tuple[str, str, dt.date, int]] = [
    ("义务巡逻队", "夜间巡逻、文明养犬宣传、防火防盗提醒", dt.date(2022, 3, 5), 20),
    ("环境整治志愿队", "楼道清理、垃圾分类督导、绿化养护", dt.date(2022, 6, 5), 11),
    ("邻里帮帮团", "为独居老人代买代办、小家电维修", dt.date(2023, 3, 5), 9),
]
PATROL = TEAMS[0][0]

# Departments that receive referred matters (on 沙市区): (name, short name).
DEPARTMENTS: list[tuple[str, str]] = [
    ("住建局", "住建"),
    ("城市管理执法局", "城管"),
    ("信访局", "信访"),
    ("创文办", "创文办"),
]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚"
    "邵万严覃武戴向汤代鄢"
)
MALE_GIVEN = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆旭宁龙林阳建国文志德新兵春海荣"
FEMALE_GIVEN = "芳娟敏静丽艳娜秀英慧巧美淑惠珍玉萍红霞燕琴兰凤洁梅琳素云莲桂芬菊翠玲婷雪"
# fmt: off
PHONE_PREFIXES = [
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
    "155", "156", "158", "159", "177", "180", "181", "186", "187", "188", "189", "199",
]
# fmt: on
NAMED_PHONE_PREFIX = "1390716"  # 0716: Jingzhou's area code; only the named sign-ins use it


class Writer(Protocol):
    def write(self, msg: str, /) -> object: ...


# --------------------------------------------------------------------------------------------
# The plan: pure data, the same on every run.


@dataclass(frozen=True)
class Named:
    """A person the demo names and gives a sign-in."""

    key: str
    name: str
    gender: str
    birth_year: int
    phone: str
    role: str  # a Role value, or "" for a plain resident
    role_label: str
    try_this: str
    # Where they live: (community, compound, building, unit, room); None: not a resident here.
    home: tuple[str, str, str, str, str] | None = None
    # Where the role is granted: "community", "building" (their own), "street", "district",
    # "city"; and for department handlers the department's short name.
    grant_on: str = ""
    department: str = ""
    groups: tuple[str, ...] = ()
    superuser: bool = False


REP, DELIB, VOL = (
    ResidentGroup.REPRESENTATIVE.value,
    ResidentGroup.DELIBERATOR.value,
    ResidentGroup.VOLUNTEER.value,
)

NAMED: list[Named] = [
    Named(
        "secretary", "杨红", "F", 1972, "13907160001", Role.COMMUNITY_SECRETARY, "社区书记",
        "和平社区全部居民；搜索 dzj → 代正菊；导入/导出居民；授予角色",
        home=(HEPING, "和平新村", "1栋", "1", "101"), grant_on="community",
    ),
    Named(
        "staff", "刘晓燕", "F", 1988, "13907160002", Role.COMMUNITY_STAFF, "社区工作者",
        "登记居民、开通账号、重置密码",
        home=(HEPING, "园林小区", "2栋", "1", "201"), grant_on="community",
    ),
    Named(
        "building_leader", "杨声芬", "F", 1961, "13907160003", Role.BUILDING_LEADER, "楼栋长",
        "只看得到江津苑3栋的居民和电话；楼栋听事；江津苑议事会成员",
        home=(HEPING, "江津苑", "3栋", "2", "302"), grant_on="building", groups=(REP, DELIB),
    ),
    Named(
        "volunteer", "代正菊", "F", 1958, "13907160004", "", "居民·志愿者",
        "居民首页：义务巡逻队队员；评价已办结的事项；志愿记录",
        home=(HEPING, "和平新村", "5栋", "2", "402"), groups=(VOL,),
    ),
    Named(
        "sponsor", "王桂兰", "F", 1975, "13907160005", Role.SPONSOR, "辖区企业（桂兰便民超市）",
        "积分超市：核销兑换券、看感谢名单",
        home=(HEPING, "金龙花园", "1栋", "1", "102"), grant_on="community",
    ),
    Named(
        "supervisor", "周建国", "M", 1970, "13907160006", Role.SUPERVISOR, "街道督办",
        "中山街道：办不成事、差评申诉、看板；看不到居民名单",
        grant_on="street",
    ),
    Named(
        "department", "陈立新", "M", 1980, "13907160007", Role.DEPARTMENT_HANDLER,
        "部门经办人（住建）", "住建的转办事项（280 天的违建案）和看板",
        grant_on="district", department="住建",
    ),
    Named(
        "operator", "王磊", "M", 1990, "13907160008", Role.OPERATOR, "系统运维",
        "进入 /admin/ 后台；全市的地点",
        grant_on="city", superuser=True,
    ),
    Named(
        "outsider", "张丽", "F", 1980, "13907160009", Role.COMMUNITY_SECRETARY,
        "社区书记（胜利社区，外社区）", "只看得到胜利社区；和平社区的居民是 404",
        home=(SHENGLI, "胜利花园", "1栋", "1", "101"), grant_on="community",
    ),
    Named(
        "leader_hpxc", "张德明", "M", 1956, "13907160011", Role.BUILDING_LEADER, "楼栋长",
        "只看得到和平新村3栋", home=(HEPING, "和平新村", "3栋", "1", "202"),
        grant_on="building", groups=(REP,),
    ),
    Named(
        "leader_yl", "李秀英", "F", 1963, "13907160012", Role.BUILDING_LEADER, "楼栋长",
        "只看得到园林小区5栋", home=(HEPING, "园林小区", "5栋", "3", "501"),
        grant_on="building", groups=(REP,),
    ),
    Named(
        "leader_dy", "陈国华", "M", 1959, "13907160013", Role.BUILDING_LEADER, "楼栋长",
        "只看得到电业宿舍2栋", home=(HEPING, "电业宿舍", "2栋", "1", "301"),
        grant_on="building", groups=(REP,),
    ),
    Named(
        "leader_jl", "黄建平", "M", 1966, "13907160014", Role.BUILDING_LEADER, "楼栋长",
        "只看得到金龙花园4栋", home=(HEPING, "金龙花园", "4栋", "2", "801"),
        grant_on="building", groups=(REP,),
    ),
]  # fmt: skip
NAMED_BY_KEY = {n.key: n for n in NAMED}


@dataclass(frozen=True)
class HouseholdPlan:
    community: str
    compound: str
    building: str
    unit: str
    room: str

    @property
    def name(self) -> str:
        return household_name(self.unit, self.room)


@dataclass
class PersonPlan:
    name: str
    gender: str
    birth_year: int
    phone: str  # "" for children
    moved_in: dt.date
    household: HouseholdPlan
    named: str = ""  # key into NAMED
    moved_out: dt.date | None = None
    # Groups joined (and the date): current ones, or ended by moving out.
    groups: dict[str, dt.date] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The natural key: the phone, or household + name for a child without one."""
        if self.phone:
            return self.phone
        h = self.household
        return f"{h.community}/{h.compound}/{h.building}/{h.name}/{self.name}"

    def is_adult(self, year: int = 2008) -> bool:
        return self.birth_year <= year


@dataclass
class TeamPlan:
    name: str
    description: str
    founded: dt.date
    leader: PersonPlan
    members: list[PersonPlan]


@dataclass
class Plan:
    # community → compound → buildings (names), in order
    layout: dict[str, dict[str, list[str]]]
    households: list[HouseholdPlan]
    people: list[PersonPlan]
    teams: list[TeamPlan]

    def named(self, key: str) -> PersonPlan:
        return next(p for p in self.people if p.named == key)


class _Gen:
    """Deterministic names, phones and dates from one random.Random."""

    def __init__(self, rng: random.Random, phones: set[str], avoid: set[str]) -> None:
        self.rng = rng
        self.phones = phones
        self.avoid = avoid
        n = len(SURNAMES)
        # Common surnames first: weights fall off along the list.
        self.weights = [1.0 / (1 + i / 8) for i in range(n)]

    def surname(self) -> str:
        return self.rng.choices(SURNAMES, weights=self.weights)[0]

    def name(self, gender: str, surname: str | None = None) -> str:
        while True:
            chars = MALE_GIVEN if gender == Gender.MALE else FEMALE_GIVEN
            given = self.rng.choice(chars)
            if self.rng.random() < 0.65:
                given += self.rng.choice(chars.replace(given, ""))
            full = (surname or self.surname()) + given
            if full not in self.avoid:
                return full

    def phone(self) -> str:
        while True:
            p = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if p not in self.phones and not p.startswith(NAMED_PHONE_PREFIX):
                self.phones.add(p)
                return p

    def date(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randrange(max(1, (end - start).days)))


def _family(gen: _Gen, household: HouseholdPlan) -> list[PersonPlan]:
    """One household's people: the shapes an old Chinese residential community has."""
    rng = gen.rng
    moved_in = gen.date(dt.date(1992, 1, 1), dt.date(2025, 12, 31))
    people: list[PersonPlan] = []

    def add(gender: str, born: int, surname: str | None = None, child: bool = False) -> str:
        name = gen.name(gender, surname)
        while any(p.name == name for p in people):
            name = gen.name(gender, surname)
        since = max(moved_in, dt.date(born, 1, 1) + dt.timedelta(days=rng.randrange(365)))
        phone = "" if child else gen.phone()
        people.append(PersonPlan(name, gender, born, phone, since, household))
        return name[0]

    kind = rng.choices(
        ["elder_single", "elder_couple", "young_couple", "family", "three_gen", "single"],
        weights=[14, 20, 12, 28, 16, 10],
    )[0]
    if kind == "elder_single":
        add(rng.choice("MFF"), rng.randint(1936, 1958))
    elif kind == "elder_couple":
        born = rng.randint(1940, 1962)
        add(Gender.MALE, born)
        add(Gender.FEMALE, born + rng.randint(-1, 4))
    elif kind == "young_couple":
        born = rng.randint(1985, 1999)
        add(Gender.MALE, born)
        add(Gender.FEMALE, born + rng.randint(-1, 3))
    elif kind == "family":
        born = rng.randint(1972, 1992)
        surname = add(Gender.MALE, born)
        add(Gender.FEMALE, born + rng.randint(-1, 4))
        for _ in range(rng.choice((1, 1, 1, 2))):
            kid = born + rng.randint(24, 34)
            add(rng.choice("MF"), min(kid, 2023), surname, child=kid > 2010)
    elif kind == "three_gen":
        elder = rng.randint(1938, 1955)
        surname = add(Gender.MALE, elder)
        if rng.random() < 0.6:
            add(Gender.FEMALE, elder + rng.randint(0, 4))
        parent = elder + rng.randint(24, 32)
        add(Gender.MALE, parent, surname)
        add(Gender.FEMALE, parent + rng.randint(-1, 3))
        kid = parent + rng.randint(24, 34)
        add(rng.choice("MF"), min(kid, 2023), surname, child=kid > 2010)
    else:
        add(rng.choice("MF"), rng.randint(1988, 2003))
    return people


def _plan_community(
    community: str,
    compounds: list[tuple[str, int, int, int]],
    occupancy: float,
    rng: random.Random,
    phones: set[str],
) -> tuple[dict[str, list[str]], list[HouseholdPlan], list[PersonPlan]]:
    named = [n for n in NAMED if n.home and n.home[0] == community]
    gen = _Gen(rng, phones, avoid={n.name for n in NAMED})
    forced = {n.home: n for n in named if n.home}
    layout: dict[str, list[str]] = {}
    households: list[HouseholdPlan] = []
    people: list[PersonPlan] = []
    for compound, buildings, units, floors in compounds:
        layout[compound] = [f"{b}栋" for b in range(1, buildings + 1)]
        for building in layout[compound]:
            for unit in range(1, units + 1):
                for floor in range(1, floors + 1):
                    for flat in (1, 2):
                        room = f"{floor}{flat:02d}"
                        home = (community, compound, building, str(unit), room)
                        person = forced.get(home)
                        if person is None and rng.random() >= occupancy:
                            continue
                        household = HouseholdPlan(*home)
                        households.append(household)
                        if person is None:
                            people.extend(_family(gen, household))
                            continue
                        # A named person lives with their spouse.
                        moved_in = dt.date(person.birth_year + 30, 5, 1)
                        spouse = Gender.FEMALE if person.gender == Gender.MALE else Gender.MALE
                        people += [
                            PersonPlan(
                                person.name,
                                person.gender,
                                person.birth_year,
                                person.phone,
                                moved_in,
                                household,
                                named=person.key,
                            ),
                            PersonPlan(
                                gen.name(spouse),
                                spouse,
                                person.birth_year + rng.randint(-3, 2),
                                gen.phone(),
                                moved_in,
                                household,
                            ),
                        ]
    missing = set(forced) - {
        (h.community, h.compound, h.building, h.unit, h.room) for h in households
    }
    if missing:
        raise ValueError(f"named people's homes are outside the layout: {missing}")
    return layout, households, people


def build_plan() -> Plan:
    """The whole demo as data. Pure: the same result on every call."""
    phones = {n.phone for n in NAMED}
    rng = random.Random(SEED)
    heping_layout, heping_households, heping_people = _plan_community(
        HEPING, HEPING_COMPOUNDS, HEPING_OCCUPANCY, rng, phones
    )
    # 胜利社区 has its own generator, so changing 和平社区's shape does not reshuffle it.
    out_rng = random.Random(SEED + 1)
    shengli_layout, shengli_households, shengli_people = _plan_community(
        SHENGLI, SHENGLI_COMPOUNDS, SHENGLI_OCCUPANCY, out_rng, phones
    )

    # A few residents of 和平社区 have moved out; some of them once served in a group.
    candidates = [
        p for p in heping_people if not p.named and p.phone and p.moved_in <= dt.date(2023, 12, 31)
    ]
    leavers = rng.sample(candidates, MOVED_OUT)
    former_groups = [REP, REP, DELIB, VOL]
    for i, p in enumerate(leavers):
        earliest = max(p.moved_in + dt.timedelta(days=180), dt.date(2020, 1, 1))
        p.moved_out = gen_date(rng, earliest, dt.date(2026, 6, 30))
        if i < len(former_groups):
            # Joined before the move (the 2018 term at the earliest), ended by the move.
            p.groups[former_groups[i]] = max(
                p.moved_in + dt.timedelta(days=30), dt.date(2018, 7, 1)
            )

    # The groups: exact sizes among current adults; staff are not in them.
    staff = {"secretary", "staff", "sponsor"}
    eligible = [
        p
        for p in heping_people
        if p.moved_out is None and p.is_adult() and p.phone and p.named not in staff
    ]
    term = dt.date(2021, 7, 1)  # the residents' committee term began after the 2021 election
    for group, size in GROUP_SIZES.items():
        members = [
            p for p in eligible if group in (NAMED_BY_KEY[p.named].groups if p.named else ())
        ]
        pool = [p for p in eligible if p not in members and not p.named]
        members += rng.sample(pool, size - len(members))
        for p in members:
            if group == VOL:
                since = gen_date(rng, max(p.moved_in, dt.date(2019, 3, 5)), dt.date(2026, 9, 30))
            else:
                since = max(term, p.moved_in + dt.timedelta(days=90))
            p.groups[group] = since

    # Teams, from the volunteers; 代正菊 is in the patrol.
    volunteers = [p for p in eligible if VOL in p.groups]
    dai = next(p for p in volunteers if p.named == "volunteer")
    free = [p for p in volunteers if p is not dai]
    rng.shuffle(free)
    teams: list[TeamPlan] = []
    for name, description, founded, size in TEAMS:
        leader = next(p for p in free if p.gender == Gender.MALE and 1952 <= p.birth_year <= 1970)
        free.remove(leader)
        members = [dai] if name == PATROL else []
        members += free[: size - len(members)]
        del free[: size - (1 if name == PATROL else 0)]
        teams.append(TeamPlan(name, description, founded, leader, members))

    return Plan(
        layout={HEPING: heping_layout, SHENGLI: shengli_layout},
        households=heping_households + shengli_households,
        people=heping_people + shengli_people,
        teams=teams,
    )


def gen_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randrange((end - start).days))


# --------------------------------------------------------------------------------------------
# What a run has loaded.


class Tally:
    """What a run created and what it found already there, by kind."""

    LABELS: dict[str, str] = {
        "place": "地点",
        "resident": "居民",
        "membership": "身份",
        "team": "队伍",
        "team_member": "队员",
        "department": "部门",
        "account": "账号",
        "grant": "角色授权",
        "move_out": "迁出",
        "points_rule": "积分细则",
        "award": "加分",
        "points_decision": "审核与冲正",
        "sponsor": "赞助方",
        "pledge": "赞助承诺",
        "reward": "兑换商品",
        "publication": "积分公示",
        "order": "兑换订单",
        "order_closed": "领取与核销",
        "matter": "议事事项",
        "meeting": "议事会",
        "rating": "评价",
        "appeal": "差评申诉",
        "flag": "办不成事",
        "activity": "志愿活动",
        "activity_series": "每周活动",
        "activity_signup": "活动报名",
        "activity_attendance": "签到记录",
        "activity_closed": "活动结项",
        "activity_hours": "服务时长",
        "activity_correction": "时长更正",
    }

    def __init__(self) -> None:
        self.created: Counter[str] = Counter()
        self.present: Counter[str] = Counter()

    def add(self, kind: str, created: bool) -> None:
        (self.created if created else self.present)[kind] += 1

    def summary(self) -> str:
        def parts(counter: Counter[str]) -> str:
            return "，".join(
                f"{label} {counter[k]:,}" for k, label in self.LABELS.items() if counter[k]
            )

        created = sum(self.created.values())
        present = sum(self.present.values())
        line = f"演示数据：新建 {created:,} 条"
        if created:
            line += f"（{parts(self.created)}）"
        line += f"；已存在 {present:,} 条"
        if present:
            line += f"（{parts(self.present)}）"
        return line + "。"


@dataclass(frozen=True)
class SignIn:
    role: str
    name: str
    phone: str
    password: str
    try_this: str


@dataclass
class Demo:
    """The key objects of the loaded demo, for the command, tests and later loaders."""

    plan: Plan
    tally: Tally = field(default_factory=Tally)
    places: dict[tuple[str, ...], Place] = field(default_factory=dict)
    residents: dict[str, Resident] = field(default_factory=dict)  # by PersonPlan.key
    teams: dict[str, Team] = field(default_factory=dict)
    departments: dict[str, Department] = field(default_factory=dict)  # by short name
    users: dict[str, User] = field(default_factory=dict)  # by Named.key
    signins: list[SignIn] = field(default_factory=list)

    @property
    def city(self) -> Place:
        return self.places[(CITY[0],)]

    @property
    def district(self) -> Place:
        return self.places[(CITY[0], DISTRICT[0])]

    @property
    def street(self) -> Place:
        return self.places[(CITY[0], DISTRICT[0], STREET)]

    def community(self, name: str = HEPING) -> Place:
        return self.places[(CITY[0], DISTRICT[0], STREET, name)]

    @property
    def heping(self) -> Place:
        return self.community(HEPING)

    @property
    def shengli(self) -> Place:
        return self.community(SHENGLI)

    def building(self, community: str, compound: str, building: str) -> Place:
        return self.places[(CITY[0], DISTRICT[0], STREET, community, compound, building)]

    def household(self, h: HouseholdPlan) -> Place:
        return self.places[place_path(h.community, h.compound, h.building, h.name)]

    def resident(self, named_key: str) -> Resident:
        return self.residents[self.plan.named(named_key).key]


def place_path(*names: str) -> tuple[str, ...]:
    return (CITY[0], DISTRICT[0], STREET, *names)
