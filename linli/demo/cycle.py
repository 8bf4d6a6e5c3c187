"""The quarterly cycle for the Heping demo: 一季度一公示、一季度一兑换 (issue 4).

和平社区's sponsors (桂兰便民超市 and five more local businesses), their quarterly pledges,
the 积分超市's goods and services, and 2022's four public lists, each created, published a
few days after its quarter ended, finalised after the public period (which opens its
redemption window) — replayed at their real dates through the services' ``now``.

The orders in the windows after the 2022 Q1, Q2 and Q3 lists (April, July and October 2022)
reproduce the seed's figures exactly from the ledger: "2022 年，和平社区 246 人参与积分兑换，
累计兑换积分 21649 分" (``year_figures``). A few more orders are placed and cancelled (their
refund counts against 2022, so they are not part of the figures). Every order is affordable
at its time: the plan spends only what the resident had earned before the window opened
(``linli.demo.points_plan`` plans the 2022 earning, 代正菊's included: she redeemed 口罩、抽纸、水杯
and still holds 170 before the seed's evening).

The 2022 Q4 list is the one a visitor sees at work: published in January 2023 like the
others (its 公示期 is its own, after its quarter), it is finalised an hour before the first
load, so its window is open for the next ``redemption_days`` after ``make demo``, with goods
waiting to be handed over and service vouchers waiting for their sponsors. Its finalisation
is fixed by the first load.

Like the rest of the demo, everything is planned first in pure Python (``plan_cycle``, a
fixed seed), then loaded through the services, looked up by natural keys (sponsor and
reward by name, pledge by sponsor and quarter, publication by quarter) or deterministic
idempotency keys (orders), so a second run creates nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from linli.core.actors import SYSTEM
from linli.core.quarters import CHINA, quarter_of
from linli.demo.people import staff_user
from linli.demo.plan import (
    HEPING,
    PASSWORD,
    Demo,
    Named,
    PersonPlan,
    Plan,
    SignIn,
    Writer,
)
from linli.demo.points import points_figures
from linli.demo.points_plan import (
    DAI_REDEMPTIONS,
    KEY,
    RULES_BY_KEY,
    PointsPlan,
    plan_points,
)
from linli.people.choices import Role
from linli.people.models import RoleGrant, User
from linli.people.services import role_grant
from linli.points.choices import OrderStatus, PublicationStatus, RewardKind, SponsorKind
from linli.points.models import (
    Order,
    Pledge,
    PointsSettings,
    Publication,
    RedemptionWindow,
    Reward,
    Sponsor,
)
from linli.points.selectors_stats import year_figures
from linli.points.services.publication import (
    publication_create,
    publication_finalize,
    publication_publish,
)
from linli.points.services.shop import (
    order_cancel,
    order_fulfil,
    pledge_create,
    pledge_deliver,
    redemption_place,
    reward_create,
    reward_restock,
    sponsor_create,
    voucher_confirm,
)

# The seed: "2022 年，和平社区 246 人参与积分兑换，累计兑换积分 21649 分".
RESIDENTS_2022 = 246
POINTS_2022 = 21649
CYCLE_SEED = 20220413

# --------------------------------------------------------------------------------------------
# Sponsors and the shop.


@dataclass(frozen=True)
class SponsorSpec:
    name: str
    kind: str
    contact_name: str
    address: str
    # Who confirms its vouchers: a key of ``plan.NAMED`` (王桂兰), a sign-in made here
    # (SPONSOR_USERS), or "" (goods only: staff hand them over).
    user: str = ""


SPONSORS: list[SponsorSpec] = [
    SponsorSpec(
        "桂兰便民超市", SponsorKind.BUSINESS, "王桂兰", "金龙花园1栋临街门面", user="sponsor"
    ),
    SponsorSpec("建华理发店", SponsorKind.BUSINESS, "李建华", "和平新村东门旁", user="barber"),
    SponsorSpec(
        "志刚家电维修部", SponsorKind.BUSINESS, "周志刚", "园林小区南门临街", user="appliance"
    ),
    SponsorSpec("春海水电维修", SponsorKind.BUSINESS, "胡春海", "电业宿舍2栋一楼", user="plumber"),
    SponsorSpec("康宁大药房（和平店）", SponsorKind.BUSINESS, "谢丽", "江津苑小广场对面"),
    SponsorSpec("江津粮油店", SponsorKind.BUSINESS, "罗德胜", "和平路菜市场内"),
]
SPONSOR_BY_NAME = {s.name: s for s in SPONSORS}

# The service sponsors' own sign-ins (they confirm vouchers). Phones in the demo's block of
# made-up numbers (plan.NAMED_PHONE_PREFIX), like every named sign-in.
SPONSOR_USERS: list[Named] = [
    Named(
        "barber", "李建华", "M", 1976, "13907160021", Role.SPONSOR, "辖区企业（建华理发店）",
        "核销理发兑换券：输入居民出示的兑换码",
    ),
    Named(
        "appliance", "周志刚", "M", 1971, "13907160022", Role.SPONSOR,
        "辖区企业（志刚家电维修部）", "核销家电维修兑换券",
    ),
    Named(
        "plumber", "胡春海", "M", 1968, "13907160023", Role.SPONSOR, "辖区企业（春海水电维修）",
        "核销水电维修兑换券",
    ),
]  # fmt: skip


@dataclass(frozen=True)
class RewardSpec:
    name: str
    kind: str
    price: int
    limit: int  # per resident and quarter
    sponsor: str
    description: str
    unit: str  # how the pledge counts it
    yuan: int  # value of one, for the pledge


GOODS, SERVICE = RewardKind.GOODS.value, RewardKind.SERVICE.value
REWARDS: list[RewardSpec] = [
    RewardSpec("口罩", GOODS, 10, 3, "康宁大药房（和平店）",
               "一次性医用口罩，10只装；社区服务站领取", "包", 5),
    RewardSpec("香皂", GOODS, 8, 3, "桂兰便民超市", "硫磺香皂一块（125克）", "块", 4),
    RewardSpec("牙膏", GOODS, 12, 2, "桂兰便民超市", "中华牙膏一支（140克）", "支", 7),
    RewardSpec("抽纸", GOODS, 15, 2, "桂兰便民超市", "抽纸一提（3包）", "提", 9),
    RewardSpec("水杯", GOODS, 30, 1, "康宁大药房（和平店）",
               "不锈钢保温杯（500毫升），印“邻里守望”", "个", 25),
    RewardSpec("洗衣液", GOODS, 35, 1, "桂兰便民超市", "洗衣液一瓶（2千克）", "瓶", 25),
    RewardSpec("食用油", GOODS, 60, 1, "江津粮油店", "菜籽油一桶（5升）", "桶", 55),
    RewardSpec("大米", GOODS, 80, 1, "江津粮油店", "荆州大米一袋（10斤）", "袋", 30),
    RewardSpec("理发", SERVICE, 20, 1, "建华理发店",
               "到店理发一次（洗剪吹）；行动不便的老人可约上门", "次", 20),
    RewardSpec("水电维修", SERVICE, 40, 1, "春海水电维修",
               "上门水电维修一次（换水龙头、修开关插座、疏通下水），材料费另计", "次", 50),
    RewardSpec("家电维修", SERVICE, 50, 1, "志刚家电维修部",
               "小家电维修一次（电饭煲、电风扇、微波炉等），配件费另计", "次", 60),
]  # fmt: skip
REWARD_BY_NAME = {r.name: r for r in REWARDS}

# --------------------------------------------------------------------------------------------
# The lists of 2022 and their windows. The Q4 list's dates come from the first load.


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA)


@dataclass(frozen=True)
class ListDates:
    quarter: int
    created: dt.datetime
    published: dt.datetime
    finalized: dt.datetime  # the window opens
    delivered: dt.datetime  # the quarter's pledges handed over, before the window


PAST_LISTS: list[ListDates] = [
    ListDates(1, _at(dt.date(2022, 4, 2), 9), _at(dt.date(2022, 4, 6), 9, 30),
              _at(dt.date(2022, 4, 13), 10), _at(dt.date(2022, 4, 11), 15)),
    ListDates(2, _at(dt.date(2022, 7, 2), 9), _at(dt.date(2022, 7, 6), 9, 30),
              _at(dt.date(2022, 7, 13), 10), _at(dt.date(2022, 7, 11), 15)),
    ListDates(3, _at(dt.date(2022, 10, 8), 9), _at(dt.date(2022, 10, 10), 9, 30),
              _at(dt.date(2022, 10, 17), 10), _at(dt.date(2022, 10, 14), 15)),
]  # fmt: skip
Q4_PLEDGES_DELIVERED = _at(dt.date(2023, 1, 5), 15)
CURRENT_ORDERS = 10  # in the window open at load time


Q4_CREATED = _at(dt.date(2023, 1, 4), 9)
Q4_PUBLISHED = _at(dt.date(2023, 1, 6), 9, 30)


def current_dates(now: dt.datetime, publication_days: int) -> ListDates:
    """The 2022 Q4 list's dates for a first load at ``now``: created and published at its own
    time, a few days after its quarter ended (its 公示期 is in January 2023, like the other
    lists' after theirs, never at the load's date), finalised an hour ago, so its window is
    open now; the pledges that stock the window handed over publication_days + 1 days ago."""
    return ListDates(
        4,
        Q4_CREATED,
        Q4_PUBLISHED,
        now - dt.timedelta(hours=1),
        now - dt.timedelta(days=publication_days + 1),
    )


# --------------------------------------------------------------------------------------------
# The plan.


@dataclass
class OrderPlan:
    key: str
    window: int  # 0, 1, 2: after the 2022 Q1, Q2, Q3 lists; 3: the Q4 list's (open) window
    person: PersonPlan
    reward: str
    when: dt.datetime | None  # None: in the open window, ``minutes`` after it opened
    outcome: str  # "fulfil", "confirm", "cancel", or "" (stays open)
    minutes: int = 0

    @property
    def price(self) -> int:
        return REWARD_BY_NAME[self.reward].price

    @property
    def cancelled(self) -> bool:
        return self.outcome.startswith("cancel:")


@dataclass
class CyclePlan:
    orders: list[OrderPlan] = field(default_factory=list)
    redeemers: list[PersonPlan] = field(default_factory=list)

    def in_window(self, window: int) -> list[OrderPlan]:
        return [o for o in self.orders if o.window == window]

    def redeemed_2022(self) -> tuple[int, int]:
        standing = [o for o in self.orders if o.window < 3 and not o.cancelled]
        return len({o.person.key for o in standing}), sum(o.price for o in standing)

    def stock_needed(self, window: int) -> Counter[str]:
        return Counter(o.reward for o in self.in_window(window))


CANCEL_REASONS = [
    "居民来电：家里已经有了，想留着积分以后兑换大米",
    "居民本人取消：兑换期内外出探亲，无法领取",
    "工作人员代下单时选错了商品，居民要求取消",
    "居民取消：想等下季度一起兑换",
    "居民取消：服务时间约不上，下次再约",
]


def _earnings(points: PointsPlan) -> dict[str, list[tuple[dt.datetime, int]]]:
    """Points posted to each resident, with when (what ``PointsPlan.earned`` counts)."""
    reversed_ = {(r.batch, r.person.key) for r in points.reversals}
    out: defaultdict[str, list[tuple[dt.datetime, int]]] = defaultdict(list)
    for b in points.batches:
        pts = RULES_BY_KEY[b.rule].points_min
        for p in b.people:
            if (b.slug, p.key) not in reversed_:
                out[p.key].append((b.when, pts))
    for s in points.singles:
        if s.actor != "building_leader" or s.outcome == "approve":
            out[s.person.key].append((s.when, s.points))
    return out


def _order_time(rng: random.Random, opens: dt.datetime) -> dt.datetime:
    """A moment in the first 13 days of a window that opened at 10:00: office hours."""
    day = rng.randrange(13)
    hour = rng.randint(11 if day == 0 else 9, 17)
    return opens + dt.timedelta(days=day, hours=hour - 10, minutes=rng.randrange(60))


def plan_cycle(plan: Plan, points: PointsPlan) -> CyclePlan:
    """Every order of the demo as data. Pure: the same result on every call."""
    rng = random.Random(CYCLE_SEED)
    earned = _earnings(points)
    opens = [d.finalized for d in PAST_LISTS]

    def earned_before(person: PersonPlan, when: dt.datetime | None = None) -> int:
        return sum(p for t, p in earned.get(person.key, []) if when is None or t < when)

    dai = plan.named("volunteer")
    staff_homes = {plan.named(k).household for k in ("secretary", "staff")}
    candidates = [
        p
        for p in plan.people
        if p.household.community == HEPING
        and p.moved_out is None
        and p.phone
        and p.household not in staff_homes
        and p is not dai
    ]
    # The 245 besides 代正菊 who had earned most by the October window: the keen ones.
    candidates.sort(key=lambda p: (-earned_before(p, opens[2]), p.key))
    redeemers = [dai, *candidates[: RESIDENTS_2022 - 1]]
    others = candidates[RESIDENTS_2022 - 1 :]
    spent: Counter[str] = Counter()
    orders: list[OrderPlan] = []
    counter: Counter[tuple[str, int]] = Counter()

    def add(window: int, person: PersonPlan, reward: str, when: dt.datetime | None) -> OrderPlan:
        year, quarter = (2022, window + 1)
        n = counter[(person.key, window)] = counter[(person.key, window)] + 1
        spec = REWARD_BY_NAME[reward]
        outcome = "confirm" if spec.kind == SERVICE else "fulfil"
        order = OrderPlan(
            f"{KEY}order-{year}q{quarter}-{person.key}-{n}", window, person, reward, when, outcome
        )
        orders.append(order)
        spent[person.key] += spec.price
        return order

    # Popular goods are cheap; the big items go to those who saved up.
    weights = {
        "口罩": 5, "香皂": 3, "牙膏": 3, "抽纸": 5, "水杯": 2, "洗衣液": 3, "食用油": 3,
        "大米": 3, "理发": 3, "水电维修": 1, "家电维修": 1,
    }  # fmt: skip
    for window, window_opens in enumerate(opens):
        people = list(redeemers)
        rng.shuffle(people)
        for person in people:
            if person is dai:
                for year, quarter, reward, _points in DAI_REDEMPTIONS:
                    if (year, quarter) == (2022, window + 1):
                        add(window, dai, reward, _order_time(rng, window_opens))
                continue
            budget = earned_before(person, window_opens) - spent[person.key]
            last = window == len(opens) - 1  # October: spend what there is
            if not last:
                if rng.random() > 0.55:
                    continue
                budget = int(budget * rng.uniform(0.4, 1.0))
            when = _order_time(rng, window_opens)
            basket: Counter[str] = Counter()
            while True:
                choice = [r for r in REWARDS if r.price <= budget and basket[r.name] < r.limit]
                if not choice:
                    break
                item = rng.choices(choice, weights=[weights[r.name] for r in choice])[0]
                basket[item.name] += 1
                budget -= item.price
                add(window, person, item.name, when)
                if not last and rng.random() > 0.7:
                    break

    # Trim to the seed's figure: drop orders (latest windows first) while the resident keeps
    # one and the total stays at it or at least 2 above it (a gap of 1 cannot be closed by
    # swapping for cheaper goods); then close the gap exactly (``_close_gap``).
    total = sum(o.price for o in orders)
    if total < POINTS_2022:
        raise ValueError(f"the demo's 2022 residents can spend {total}, not {POINTS_2022}")
    held = Counter(o.person.key for o in orders)
    dropped: set[int] = set()
    for window in (2, 1, 0):
        pool = [o for o in orders if o.window == window and o.person is not dai]
        rng.shuffle(pool)
        for o in pool:
            left = total - o.price
            if (left == POINTS_2022 or left >= POINTS_2022 + 2) and held[o.person.key] > 1:
                dropped.add(id(o))
                total = left
                held[o.person.key] -= 1
                spent[o.person.key] -= o.price
    orders[:] = [o for o in orders if id(o) not in dropped]
    _close_gap(orders, dai, rng)
    for o in orders:
        spent[o.person.key] = 0
    for o in orders:
        spent[o.person.key] += o.price
    total = sum(o.price for o in orders)
    if total != POINTS_2022 or len(held) != RESIDENTS_2022:
        raise ValueError(f"the demo's 2022 orders: {len(held)} residents, {total} points")

    # Cancelled orders (the points come back): residents who redeemed nothing else in 2022.
    quiet = [p for p in others if not any(o.person is p for o in orders)]
    rng.shuffle(quiet)
    cancellations = [(0, "口罩"), (1, "抽纸"), (1, "香皂"), (2, "理发"), (2, "牙膏")]
    for (window, reward), reason in zip(cancellations, CANCEL_REASONS, strict=True):
        person = next(
            p
            for p in quiet
            if earned_before(p, opens[window]) - spent[p.key] >= REWARD_BY_NAME[reward].price
        )
        quiet.remove(person)
        order = add(window, person, reward, _order_time(rng, opens[window]))
        order.outcome = "cancel:" + reason

    # The open window: residents with points now (everything earned, less 2022's orders;
    # cancelled ones came back). Not 代正菊: her 180 is the seed's.
    def balance_now(p: PersonPlan) -> int:
        refunds = sum(o.price for o in orders if o.person is p and o.cancelled)
        return earned_before(p) - spent[p.key] + refunds

    holders = sorted(
        (p for p in candidates if not p.named and balance_now(p) >= 80),
        key=lambda p: p.key,
    )
    chosen = rng.sample(holders, CURRENT_ORDERS)
    current = [
        # (reward, outcome): goods waiting and one handed over; vouchers waiting and one used.
        ("口罩", ""), ("抽纸", ""), ("大米", ""), ("食用油", ""), ("洗衣液", ""),
        ("水杯", "fulfil"), ("理发", ""), ("家电维修", ""), ("水电维修", ""), ("理发", "confirm"),
    ]  # fmt: skip
    for n, (person, (name, outcome)) in enumerate(zip(chosen, current, strict=True)):
        order = add(3, person, name, None)
        order.outcome = outcome
        order.minutes = 5 + 4 * n
    return CyclePlan(orders=orders, redeemers=redeemers)


def _close_gap(orders: list[OrderPlan], dai: PersonPlan, rng: random.Random) -> None:
    """Make the 2022 total exactly POINTS_2022 by swapping goods in the October window for
    cheaper ones (never dearer: what a resident could afford stays affordable), in at most
    two swaps; each resident keeps every order, so the number of redeemers stays."""
    gap = sum(o.price for o in orders) - POINTS_2022
    if gap == 0:
        return
    october = [o for o in orders if o.window == 2 and o.person is not dai]
    rng.shuffle(october)

    def fits(order: OrderPlan, reward: RewardSpec) -> bool:
        same = sum(
            1
            for o in orders
            if o.person is order.person and o.window == order.window and o.reward == reward.name
        )
        return reward.name != order.reward and same < reward.limit

    moves: list[tuple[int, OrderPlan, RewardSpec]] = [
        (o.price - r.price, o, r)
        for o in october
        for r in REWARDS
        if r.price < o.price and fits(o, r)
    ]
    for delta, order, reward in moves:
        if delta == gap:
            order.reward = reward.name
            order.outcome = "confirm" if reward.kind == SERVICE else "fulfil"
            return
    by_delta: dict[int, tuple[int, OrderPlan, RewardSpec]] = {}
    for move in moves:
        by_delta.setdefault(move[0], move)
    for delta, order, reward in moves:
        other = by_delta.get(gap - delta)
        if other is None or other[1] is order:
            continue
        if other[1].person is order.person and other[2].name == reward.name:
            continue
        for _delta, o, r in ((delta, order, reward), other):
            o.reward = r.name
            o.outcome = "confirm" if r.kind == SERVICE else "fulfil"
        return
    raise ValueError(f"cannot close a gap of {gap} points in the demo's 2022 orders")


# --------------------------------------------------------------------------------------------
# Loading.


def _sponsor_users(demo: Demo) -> dict[str, User]:
    """The service sponsors' sign-ins and their 辖区企业 role on 和平社区."""
    users = {"sponsor": demo.users["sponsor"]}
    heping = demo.heping
    for named in SPONSOR_USERS:
        user = User.objects.filter(phone=named.phone).first()
        demo.tally.add("account", user is None)
        if user is None:
            user = staff_user(named)
        granted = RoleGrant.objects.filter(
            user=user, role=Role.SPONSOR, place=heping, revoked_at__isnull=True
        ).exists()
        if not granted:
            role_grant(actor=SYSTEM, user=user, role=Role.SPONSOR, place=heping)
        demo.tally.add("grant", not granted)
        users[named.key] = user
        demo.signins.append(
            SignIn(named.role_label, named.name, named.phone, PASSWORD, named.try_this)
        )
    return users


def _pledge_text(sponsor: str, stock: Counter[str]) -> tuple[str, int]:
    parts, value = [], 0
    for spec in REWARDS:
        if spec.sponsor == sponsor and stock[spec.name]:
            parts.append(f"{spec.name}{stock[spec.name]}{spec.unit}")
            value += stock[spec.name] * spec.yuan
    return "、".join(parts), value


def _stock(needed: int) -> int:
    """What a sponsor pledges for a window: what it will take and some to spare."""
    return max(5, -(-(needed + max(3, needed // 5)) // 5) * 5)


class _Loader:
    def __init__(self, demo: Demo, plan: CyclePlan) -> None:
        self.demo = demo
        self.plan = plan
        self.staff = demo.users["staff"]
        self.secretary = demo.users["secretary"]
        self.heping = demo.heping
        self.sponsors: dict[str, Sponsor] = {}
        self.rewards: dict[str, Reward] = {}
        self.users: dict[str, User] = {}
        self.orders = {
            o.idempotency_key: o
            for o in Order.objects.filter(
                community=self.heping, idempotency_key__startswith=KEY
            ).select_related("resident__household", "reward__sponsor")
        }

    def shop(self) -> None:
        self.users = _sponsor_users(self.demo)
        existing = {s.name: s for s in Sponsor.objects.filter(community=self.heping)}
        for sponsor_spec in SPONSORS:
            sponsor = existing.get(sponsor_spec.name)
            self.demo.tally.add("sponsor", sponsor is None)
            if sponsor is None:
                sponsor = sponsor_create(
                    actor=self.staff,
                    community=self.heping,
                    name=sponsor_spec.name,
                    kind=sponsor_spec.kind,
                    contact_name=sponsor_spec.contact_name,
                    address=sponsor_spec.address,
                    user=self.users[sponsor_spec.user] if sponsor_spec.user else None,
                )
            self.sponsors[sponsor_spec.name] = sponsor
        rewards = {r.name: r for r in Reward.objects.filter(community=self.heping)}
        for spec in REWARDS:
            reward = rewards.get(spec.name)
            self.demo.tally.add("reward", reward is None)
            if reward is None:
                reward = reward_create(
                    actor=self.staff,
                    community=self.heping,
                    kind=spec.kind,
                    name=spec.name,
                    price=spec.price,
                    stock=0,  # the pledges, delivered quarter by quarter, stock it
                    sponsor=self.sponsors[spec.sponsor],
                    per_resident_limit=spec.limit,
                    description=spec.description,
                )
            elif reward.price != spec.price:
                raise ValueError(f"“{spec.name}” costs {reward.price}, the plan says {spec.price}")
            self.rewards[spec.name] = reward

    def pledges(
        self, year: int, quarter: int, needed: Counter[str], delivered: dt.datetime
    ) -> None:
        """Each sponsor's pledge for a quarter; once delivered, its goods are in stock."""
        stock = Counter({name: _stock(needed[name]) for name in REWARD_BY_NAME})
        existing = {
            p.sponsor_id: p
            for p in Pledge.objects.filter(
                sponsor__community=self.heping, year=year, quarter=quarter
            )
        }
        for spec in SPONSORS:
            sponsor = self.sponsors[spec.name]
            description, value = _pledge_text(spec.name, stock)
            pledge = existing.get(sponsor.pk)
            self.demo.tally.add("pledge", pledge is None)
            if pledge is None:
                pledge = pledge_create(
                    actor=self.staff,
                    sponsor=sponsor,
                    year=year,
                    quarter=quarter,
                    description=description,
                    value_yuan=value,
                )
            if pledge.delivered_at is not None:
                continue
            pledge_deliver(
                actor=self.staff, pledge=pledge, delivered_at=delivered, note="已入社区服务站库房"
            )
            for reward_spec in REWARDS:
                if reward_spec.sponsor == spec.name and stock[reward_spec.name]:
                    self.rewards[reward_spec.name] = reward_restock(
                        actor=self.staff,
                        reward=self.rewards[reward_spec.name],
                        add=stock[reward_spec.name],
                    )

    def publication(self, dates: ListDates) -> Publication:
        """The 2022 list of a quarter: created, published, final (its window open)."""
        publication = Publication.objects.filter(
            community=self.heping, year=2022, quarter=dates.quarter
        ).first()
        self.demo.tally.add("publication", publication is None)
        if publication is None:
            publication = publication_create(
                actor=self.secretary,
                community=self.heping,
                year=2022,
                quarter=dates.quarter,
                now=dates.created,
            )
        if publication.status == PublicationStatus.DRAFT:
            publication = publication_publish(
                actor=self.secretary, publication=publication, now=dates.published
            )
        if publication.status == PublicationStatus.PUBLIC:
            publication = publication_finalize(
                actor=self.secretary, publication=publication, now=dates.finalized
            )
        return publication

    def place(self, window: int, opens: dt.datetime) -> None:
        for o in self.plan.in_window(window):
            order = self.orders.get(o.key)
            self.demo.tally.add("order", order is None)
            if order is None:
                when = o.when or opens + dt.timedelta(minutes=o.minutes)
                order = redemption_place(
                    actor=self.staff,
                    resident=self.demo.residents[o.person.key],
                    reward=self.rewards[o.reward],
                    idempotency_key=o.key,
                    now=when,
                )
                self.orders[o.key] = order
            if not o.outcome:
                continue
            is_open = order.status in (OrderStatus.PLACED, OrderStatus.VOUCHER)
            self.demo.tally.add("order_closed", is_open)
            if not is_open:
                continue
            if o.outcome == "fulfil":
                order_fulfil(actor=self.staff, order=order, note="社区服务站领取")
            elif o.outcome == "confirm":
                sponsor = REWARD_BY_NAME[o.reward].sponsor
                user = self.users[SPONSOR_BY_NAME[sponsor].user]
                voucher_confirm(actor=user, order=order, note="服务已完成")
            else:
                order_cancel(actor=self.staff, order=order, reason=o.outcome.split(":", 1)[1])


def load_cycle(demo: Demo, out: Writer | None = None) -> CyclePlan:
    """Sponsors, the shop, 2022's four lists and their orders; idempotent."""
    plan = plan_cycle(demo.plan, plan_points(demo.plan))
    loader = _Loader(demo, plan)
    loader.shop()
    for n, dates in enumerate(PAST_LISTS):
        loader.pledges(2022, dates.quarter, plan.stock_needed(n), dates.delivered)
        loader.publication(dates)
        loader.place(n, dates.finalized)

    # The 2022 Q4 list: its window is the one open now (dates fixed by the first load, and
    # so is the quarter of the pledges that stock it).
    settings_row = PointsSettings.objects.filter(community=demo.heping).first()
    days = settings_row.publication_days if settings_row else 7
    opened = (
        RedemptionWindow.objects.filter(
            publication__community=demo.heping, publication__year=2022, publication__quarter=4
        )
        .values_list("opens_at", flat=True)
        .first()
    )
    dates = current_dates(timezone.now(), days)
    loader.pledges(2022, 4, Counter(), Q4_PLEDGES_DELIVERED)
    this = quarter_of((opened or dates.finalized).astimezone(CHINA).date())
    loader.pledges(this.year, this.number, plan.stock_needed(3), dates.delivered)
    q4 = loader.publication(dates)
    window = RedemptionWindow.objects.get(publication=q4)
    loader.place(3, window.opens_at)

    if out is not None:
        out.write(points_figures(demo) + "\n")
        out.write(cycle_figures(demo, window) + "\n")
    return plan


def cycle_figures(demo: Demo, window: RedemptionWindow) -> str:
    heping = demo.heping
    figures = year_figures(community=heping, year=2022)
    final = Publication.objects.filter(
        community=heping, year=2022, status=PublicationStatus.FINAL
    ).count()
    waiting = Counter(Order.objects.filter(window=window).values_list("status", flat=True))
    closes = timezone.localtime(window.closes_at, CHINA).strftime("%Y-%m-%d %H:%M")
    return (
        f"积分公示与兑换：2022 年 {final} 个季度名单已定稿；{figures.headline}"
        f"积分超市 {Reward.objects.filter(community=heping).count()} 种商品和服务"
        f"（赞助方 {Sponsor.objects.filter(community=heping).count()} 家）；"
        f"2022 年第 4 季度名单的兑换期开放至 {closes}，"
        f"{waiting[OrderStatus.PLACED]} 笔待领取、{waiting[OrderStatus.VOUCHER]} 张兑换券待服务。"
    )
