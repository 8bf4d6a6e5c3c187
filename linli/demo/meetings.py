"""Demo deliberation meetings (小区议事会) in 和平社区's 江津苑, where 杨声芬 is building leader
and a 居民代表: "会前有议题，会中有记录，会后有结果，落实有回音".

1. Five weeks ago, an open-ballot meeting with four items: 杨声芬's suggestion of a covered
   e-bike charging shed (carried and adopted: she is awarded points for it, once), the
   square-dance noise (carried: set hours), 3栋's leaking roof (carried up to the community: it
   needs the maintenance fund) and a parcel locker at the east gate (voted down: rejected).
   The meeting also voted that its votes be secret from then on; the community's settings
   followed.
2. Two and a half weeks ago, a secret-ballot meeting: clutter in the stairwells (adopted) and
   street lights (deferred until the power company has surveyed).
3. In a week, the next meeting, called already: the fire lane blocked by cars (carried up from
   3栋 by 杨声芬, see ``demo.matters``) and the street lights again.

History is written through the services with past times (``when``). Idempotent: a meeting
already there (by compound and title), and a matter already there (by community and title),
are left as they are; a second run creates nothing."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.utils import timezone

from linli.matters.choices import MatterKind, MatterSource, MatterState
from linli.matters.models import AgendaItem, Matter, Meeting, MeetingMember, Motion
from linli.matters.selectors import matter_settings_for
from linli.matters.services import matter_accept, matter_raise
from linli.matters.services.community_settings import matter_settings_update
from linli.matters.services.meetings import (
    item_decide,
    meeting_call,
    meeting_check_in,
    meeting_close,
    meeting_open,
    meeting_publish_results,
    motion_close,
    motion_open,
    vote_cast,
)
from linli.people.models import User
from linli.places.models import Place
from linli.points.models import Award

from .plan import HEPING, Demo, Writer

SEED = 20240618
COMPOUND = "江津苑"
LOCATION = "江津苑居民活动室"
FIRST = "江津苑小区议事会（充电棚、广场舞）"
SECOND = "江津苑小区议事会（楼道堆物整治）"
NEXT = "江津苑小区议事会（消防通道停车）"
PARKING = "江津苑消防通道被私家车占用"  # raised and carried up in demo.matters


@dataclass(frozen=True)
class MatterSpec:
    title: str
    kind: str
    source: str
    description: str
    building: str | None = None  # None: the compound
    raiser: str = "staff"  # a Named key
    on_behalf_of_name: str = ""
    backers: int = 1


@dataclass(frozen=True)
class MotionSpec:
    text: str
    item: int | None  # index into the meeting's matters, or None
    shares: tuple[float, float]  # of those present: for, against (the rest abstain)


@dataclass(frozen=True)
class DecisionSpec:
    item: int
    outcome: str
    decision: str
    points: int | None = None


@dataclass(frozen=True)
class MeetingSpec:
    title: str
    days_ago: int  # held on that day at 19:00
    attendance: float
    matters: list[MatterSpec]
    motions: list[MotionSpec] = field(default_factory=list)
    decisions: list[DecisionSpec] = field(default_factory=list)
    minutes: str = ""


CHARGING = MatterSpec(
    "江津苑增设电动车集中充电棚",
    MatterKind.SUGGESTION,
    MatterSource.RESIDENT,
    "楼道里飞线充电、电动车推进楼道的情况很多，太危险。建议在5栋旁的空地建一个带顶棚的集中充电"
    "点，扫码计时充电，费用由使用者承担。",
    raiser="building_leader",
)
DANCE = MatterSpec(
    "江津苑广场舞音响扰民",
    MatterKind.REQUEST,
    MatterSource.VISIT,
    "入户走访时1栋、2栋多位老人反映：晚上九点多广场舞音响还很大，影响休息。希望规定活动时段"
    "和音量，同时不影响跳舞的居民锻炼。",
    backers=12,
)
ROOF = MatterSpec(
    "3栋楼顶防水层老化，顶楼住户漏水",
    MatterKind.PROBLEM,
    MatterSource.LEADER,
    "3栋楼顶防水层起鼓开裂，下雨时602、603室顶棚渗水，墙皮脱落。",
    building="3栋",
    raiser="building_leader",
    on_behalf_of_name="3栋顶楼住户",
    backers=8,
)
LOCKER = MatterSpec(
    "江津苑东门增设快递柜",
    MatterKind.SUGGESTION,
    MatterSource.GROUP,
    "微议事群里有居民建议在东门内侧放一组快递柜，方便上班族取件。",
    backers=5,
)
CLUTTER = MatterSpec(
    "江津苑楼道堆放杂物，存在消防隐患",
    MatterKind.PROBLEM,
    MatterSource.VISIT,
    "消防安全检查发现：多个单元楼道堆放纸箱、旧家具，个别楼道停放电动车，堵塞疏散通道。",
    backers=3,
)
LIGHTS = MatterSpec(
    "江津苑南区夜间照明不足",
    MatterKind.REQUEST,
    MatterSource.GROUP,
    "南区4栋到7栋之间的小路晚上很黑，老人晚上散步不安全，希望增设路灯。",
    backers=9,
)

MEETINGS: list[MeetingSpec] = [
    MeetingSpec(
        FIRST,
        days_ago=38,
        attendance=0.72,
        matters=[CHARGING, DANCE, ROOF, LOCKER],
        motions=[
            MotionSpec("同意在5栋旁空地建设电动车集中充电棚，扫码计费", 0, (0.84, 0.06)),
            MotionSpec(
                "广场舞活动时间定为每晚19:00至21:00，音量以不影响住户休息为准", 1, (0.78, 0.12)
            ),
            MotionSpec("3栋楼顶防水维修需动用专项维修资金，提交社区决事", 2, (0.9, 0.0)),
            MotionSpec("同意在东门内侧增设快递柜", 3, (0.3, 0.55)),
            MotionSpec("今后本小区议事会表决采用无记名投票", None, (0.7, 0.1)),
        ],
        decisions=[
            DecisionSpec(
                0,
                "adopted",
                "采纳。社区协调物业在5栋旁空地建设带顶棚的集中充电点（20个充电口），"
                "两个月内完工；建成后楼道内禁止停放电动车和飞线充电。",
                points=10,
            ),
            DecisionSpec(
                1,
                "adopted",
                "广场舞活动时间为每晚19:00至21:00，音箱朝向空地一侧、音量以不影响住户休息为准；"
                "由广场舞队负责人负责落实，楼栋长监督。",
            ),
            DecisionSpec(
                2,
                "escalated",
                "楼顶防水维修需使用住宅专项维修资金，超出小区议事范围，提交社区决事。",
            ),
            DecisionSpec(
                3,
                "rejected",
                "东门通道是消防车道，不能占用；建议快递柜放在物业服务中心门口，由物业另行征求意见。",
            ),
        ],
        minutes="会议由社区工作者刘晓燕主持，楼栋长杨声芬介绍议题。\n"
        "一、电动车集中充电棚：与会代表普遍赞成，建议优先照顾老年人的三轮车充电。\n"
        "二、广场舞时段：广场舞队代表到会说明，同意调整时段和音箱朝向。\n"
        "三、3栋楼顶漏水：需使用专项维修资金，提交社区决定。\n"
        "四、东门快递柜：多数代表认为东门通道窄，不宜设置。\n"
        "会议还表决通过：今后本小区议事会表决采用无记名投票。",
    ),
    MeetingSpec(
        SECOND,
        days_ago=18,
        attendance=0.65,
        matters=[CLUTTER, LIGHTS],
        motions=[
            MotionSpec("开展为期两周的楼道堆物清理，逾期未清理的由物业统一清运", 0, (0.8, 0.08)),
        ],
        decisions=[
            DecisionSpec(
                0,
                "adopted",
                "两周内各楼栋自行清理楼道堆物，楼栋长逐户提醒；逾期未清理的由物业统一清运，"
                "清理情况在居民群公示。",
            ),
            DecisionSpec(1, "deferred", "需等供电部门现场勘察线路后再议，列入下次议事会。"),
        ],
        minutes="会议由刘晓燕主持，本次起表决采用无记名投票。\n"
        "一、楼道堆物：会议同意开展两周清理行动。\n"
        "二、南区照明：供电部门尚未勘察，暂缓，下次再议。",
    ),
]


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_default_timezone())


def _matter(demo: Demo, spec: MatterSpec, raised: dt.datetime, new: set[int]) -> Matter:
    """The matter (found by title, or raised and accepted at ``raised``)."""
    found = Matter.objects.filter(community=demo.heping, title=spec.title).first()
    demo.tally.add("matter", found is None)
    if found is not None:
        return found
    compound = Place.objects.get(community=demo.heping, kind="compound", name=COMPOUND)
    place = (
        compound
        if spec.building is None
        else Place.objects.get(compound=compound, kind="building", name=spec.building)
    )
    m = matter_raise(
        actor=demo.users[spec.raiser],
        place=place,
        kind=spec.kind,
        title=spec.title,
        description=spec.description,
        source=spec.source,
        on_behalf_of_name=spec.on_behalf_of_name,
        backers=spec.backers,
        when=raised,
    )
    acceptor = demo.users["building_leader" if spec.building else "staff"]
    matter_accept(
        actor=acceptor, matter=m, note="已受理，提交小区议事会", when=raised + dt.timedelta(days=1)
    )
    new.add(m.pk)
    return m


def _vote(
    staff: User,
    leader: User,
    motion_id: int,
    present: list[MeetingMember],
    shares: tuple[float, float],
    rng: random.Random,
) -> None:
    """Votes of everyone present: 杨声芬 on her phone, the rest recorded by staff from the
    show of hands or the ballot box."""
    motion = Motion.objects.get(pk=motion_id)
    n = len(present)
    n_for = round(n * shares[0])
    n_against = round(n * shares[1])
    choices = (["for"] * n_for + ["against"] * n_against)[:n]
    choices += ["abstain"] * (n - len(choices))
    rng.shuffle(choices)
    for member, choice in zip(present, choices, strict=True):
        if member.resident.user_id == leader.pk:
            vote_cast(actor=leader, motion=motion, choice=choice)
        else:
            vote_cast(actor=staff, motion=motion, choice=choice, member=member)


def _hold(demo: Demo, spec: MeetingSpec, rng: random.Random, new: set[int]) -> Meeting:
    staff, leader, secretary = (
        demo.users["staff"],
        demo.users["building_leader"],
        demo.users["secretary"],
    )
    compound = Place.objects.get(community=demo.heping, kind="compound", name=COMPOUND)
    day = timezone.localdate() - dt.timedelta(days=spec.days_ago)
    start = _local(day, 19)
    matters = [
        _matter(demo, ms, _local(day - dt.timedelta(days=12 + i), 9), new)
        for i, ms in enumerate(spec.matters)
    ]
    meeting = meeting_call(
        actor=staff,
        compound=compound,
        title=spec.title,
        scheduled_at=start,
        location=LOCATION,
        matters=[m for m in matters if _held(m)],
        when=start - dt.timedelta(days=7),
    )
    members = list(MeetingMember.objects.filter(meeting=meeting).select_related("resident"))
    members.sort(key=lambda m: m.pk)
    own = next((m for m in members if m.resident.user_id == leader.pk), None)
    others = [m for m in members if m is not own]
    k = max(0, round(len(members) * spec.attendance) - (1 if own else 0))
    arrived = rng.sample(others, k)
    meeting_open(actor=staff, meeting=meeting, present=arrived, when=start)
    present = list(arrived)
    if own is not None:
        meeting_check_in(actor=leader, meeting=meeting, when=start + dt.timedelta(minutes=3))
        present.append(own)
    present.sort(key=lambda m: m.pk)
    items = {i.matter_id: i for i in AgendaItem.objects.filter(meeting=meeting)}
    at = start + dt.timedelta(minutes=10)
    for ms in spec.motions:
        item = items.get(matters[ms.item].pk) if ms.item is not None else None
        motion = motion_open(actor=staff, meeting=meeting, text=ms.text, item=item, when=at)
        _vote(staff, leader, motion.pk, present, ms.shares, rng)
        at += dt.timedelta(minutes=12)
        motion_close(actor=staff, motion=motion, when=at)
    for ds in spec.decisions:
        item = items.get(matters[ds.item].pk)
        if item is None:
            continue
        item_decide(
            actor=staff,
            item=item,
            outcome=ds.outcome,
            decision=ds.decision,
            points=ds.points,
            when=at,
        )
        at += dt.timedelta(minutes=2)
    meeting_close(actor=staff, meeting=meeting, minutes=spec.minutes, when=at)
    meeting_publish_results(actor=staff, meeting=meeting, when=at + dt.timedelta(hours=15))
    if spec.title == FIRST and not matter_settings_for(demo.heping.pk).secret_ballot:
        # The meeting voted for secret ballots from then on: the community's settings follow.
        matter_settings_update(
            actor=secretary, community=demo.heping, values={"secret_ballot": True}
        )
    return meeting


def load_meetings(demo: Demo, out: Writer | None = None) -> list[Meeting]:
    """江津苑's two past meetings (open, then secret ballot) and the next one."""
    rng = random.Random(SEED)
    compound = Place.objects.get(community=demo.heping, kind="compound", name=COMPOUND)
    made: list[Meeting] = []
    new_matters: set[int] = set()
    for spec in MEETINGS:
        found = Meeting.objects.filter(compound=compound, title=spec.title).first()
        demo.tally.add("meeting", found is None)
        made.append(found or _hold(demo, spec, rng, new_matters))
    made.append(_next(demo, compound, new_matters))
    # The adopted suggestion's award counts among the demo's awards (found again on a re-run).
    titles = [ms.title for spec in MEETINGS for ms in spec.matters]
    ours = Matter.objects.filter(community=demo.heping, title__in=titles).values_list(
        "pk", flat=True
    )
    awards = Award.objects.filter(source_type="matter", source_id__in=[str(pk) for pk in ours])
    for award in awards:
        demo.tally.add("award", int(award.source_id) in new_matters)
    if out is not None:
        parts = []
        for m in made:
            m.refresh_from_db()  # the services moved it on since it was called
            members = MeetingMember.objects.filter(meeting=m)
            items = AgendaItem.objects.filter(meeting=m).count()
            came = members.filter(present=True).count()
            parts.append(
                f"{m.title} {m.get_state_display()}（议题 {items}，到会 {came}/{members.count()}）"
            )
        out.write(f"{HEPING}小区议事会：" + "；".join(parts) + "\n")
    return made


def _held(m: Matter | None) -> bool:
    return m is not None and m.state in (MatterState.ACCEPTED, MatterState.IN_HAND)


def _next(demo: Demo, compound: Place, new: set[int]) -> Meeting:
    """The next meeting, a week from the day the demo was first loaded: the fire lane and the
    street lights (deferred last time) on its agenda."""
    found = Meeting.objects.filter(compound=compound, title=NEXT).first()
    demo.tally.add("meeting", found is None)
    if found is not None:
        return found
    agenda = [
        m
        for m in (
            Matter.objects.filter(community=demo.heping, title=title).first()
            for title in (PARKING, LIGHTS.title)
        )
        if _held(m)
    ]
    day = timezone.localdate() + dt.timedelta(days=7)
    return meeting_call(
        actor=demo.users["staff"],
        compound=compound,
        title=NEXT,
        scheduled_at=_local(day, 19),
        location=LOCATION,
        matters=[m for m in agenda if m is not None],
    )
