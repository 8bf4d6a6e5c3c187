"""Demo matters in 和平社区, one at each level (三级议事): a building matter 杨声芬 settled
(小事不出楼栋), one she carried up to the compound, one the community decided (社区决事) that
adopted 张德明's suggestion and awarded him points, and a new one from the 微议事 group.
And the seed's referral case: seven unsafe illegal structures reported through 杨声芬 at the
end of 2022 by more than a hundred residents, referred to 住建 (leading), 城管, 信访 and 创文办,
answered, extended and chased along the way, demolished after more than 280 days and the site
turned into a small square — its whole timeline back-dated through the services' ``now``.
Idempotent: a matter already there (by community and title) is left as it is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from linli.core.actors import SYSTEM
from linli.matters.choices import MatterKind, MatterSource
from linli.matters.models import Matter
from linli.matters.services import (
    matter_accept,
    matter_decide,
    matter_escalate,
    matter_raise,
    matter_refer,
    matter_settle,
    referral_answer,
    referral_chase,
    referral_complete,
    referral_extend,
)
from linli.places.models import Place
from linli.points.models import Award

from .plan import HEPING, Demo, Writer


def _place(demo: Demo, compound: str, building: str | None = None) -> Place:
    heping = demo.heping
    found = Place.objects.get(community=heping, kind="compound", name=compound)
    if building is None:
        return found
    return Place.objects.get(compound=found, kind="building", name=building)


class MatterOnce:
    """Raise a demo matter and take its steps the first time; on a later run find it by its
    title (unique within the demo community). ``made`` lists them in order, ``new`` holds the
    ids raised by this run; every call is tallied as a matter."""

    def __init__(self, demo: Demo) -> None:
        self.demo = demo
        self.made: list[Matter] = []
        self.new: set[int] = set()

    def __call__(
        self, title: str, make: Callable[[], Matter], steps: Callable[[Matter], object]
    ) -> None:
        existing = Matter.objects.filter(community=self.demo.heping, title=title).first()
        self.demo.tally.add("matter", existing is None)
        if existing is None:
            existing = make()
            steps(existing)
            self.new.add(existing.pk)
        self.made.append(existing)


def load_matters(demo: Demo, out: Writer | None = None) -> list[Matter]:
    users = demo.users
    # 张德明 (楼栋长 of 和平新村3栋, and a resident there) proposes the adopted suggestion: the
    # seed's 代正菊 keeps her story's 180 points.
    leader, staff, secretary, zhang = (
        users["building_leader"],
        users["staff"],
        users["secretary"],
        users["leader_hpxc"],
    )
    now = timezone.now()
    once = MatterOnce(demo)
    made, new = once.made, once.new

    jjy3 = _place(demo, "江津苑", "3栋")
    # 楼栋听事: a lamp 杨声芬 had fixed (小事不出楼栋).
    lamp = "3栋2单元楼道声控灯不亮"
    once(
        lamp,
        lambda: matter_raise(
            actor=leader,
            place=jjy3,
            kind=MatterKind.PROBLEM,
            title=lamp,
            description="2单元三楼到五楼的声控灯都不亮了，老人晚上上下楼看不清。",
            source=MatterSource.LEADER,
            on_behalf_of_name="3栋2单元的王奶奶",
            backers=6,
            when=now - dt.timedelta(days=12),
        ),
        lambda m: [
            matter_accept(actor=leader, matter=m, note="已记下，明天联系物业"),
            matter_settle(actor=leader, matter=m, note="物业已更换三到五楼的灯泡，王奶奶确认亮了"),
        ],
    )
    # 小区议事: parking that needs the whole compound.
    parking = "江津苑消防通道被私家车占用"
    once(
        parking,
        lambda: matter_raise(
            actor=leader,
            place=jjy3,
            kind=MatterKind.PROBLEM,
            title=parking,
            description="晚上消防通道停满车，救护车进不来。住户希望划线并规定停车时段。",
            source=MatterSource.LEADER,
            on_behalf_of_name="3栋居民",
            backers=23,
            when=now - dt.timedelta(days=30),
        ),
        lambda m: [
            matter_accept(actor=leader, matter=m),
            matter_escalate(
                actor=leader, matter=m, reason="涉及整个小区的车位，需要小区议事会商量"
            ),
        ],
    )
    # 社区决事: 张德明's suggestion, adopted: he earns points for it (建言献策).
    square = "和平新村空地增设休闲座椅和晾晒架"
    hpxc = _place(demo, "和平新村")
    once(
        square,
        lambda: matter_raise(
            actor=zhang,
            place=hpxc,
            kind=MatterKind.SUGGESTION,
            title=square,
            description="5栋旁边的空地长期闲置，建议放几张座椅和公共晾晒架，老人可以晒太阳、晒被子。",
            when=now - dt.timedelta(days=45),
        ),
        lambda m: [
            matter_accept(actor=staff, matter=m),
            matter_escalate(actor=staff, matter=m, reason="需要社区出资和统一规划"),
            matter_decide(
                actor=secretary,
                matter=m,
                decision="采纳。社区出资安装 6 张座椅和 2 组晾晒架，下月完工。",
                adopted=True,
            ),
        ],
    )
    # From the 微议事 group, waiting for the building to take it.
    bins = "和平新村5栋门口垃圾桶满溢"
    once(
        bins,
        lambda: matter_raise(
            actor=staff,
            place=_place(demo, "和平新村", "5栋"),
            kind=MatterKind.PROBLEM,
            title=bins,
            description="微议事群里几位居民反映：周末垃圾清运不及时。",
            source=MatterSource.GROUP,
            backers=4,
            when=now - dt.timedelta(days=2),
        ),
        lambda m: [],
    )
    # 转办, still open and past its due date: 城管 has not answered (the board's overdue list,
    # chased by the system the day after the deadline).
    drains = "园林小区雨水井堵塞，下雨后积水到单元门口"

    def drains_referral(m: Matter) -> None:
        referred = now - dt.timedelta(days=24)
        matter_accept(actor=staff, matter=m, note="已现场查看，需市政疏通", when=referred)
        matter_refer(
            actor=staff,
            matter=m,
            departments=[demo.departments["城管"]],
            lead=demo.departments["城管"],
            kind="help",
            note="小区内雨水井堵塞，物业无疏通设备，请城管协调市政疏通。",
            now=referred,
        )
        referral_chase(actor=SYSTEM, now=now)

    once(
        drains,
        lambda: matter_raise(
            actor=staff,
            place=_place(demo, "园林小区"),
            kind=MatterKind.PROBLEM,
            title=drains,
            description="园林小区 3 栋、4 栋之间的雨水井堵塞，每次下雨积水没过脚踝，老人出门困难。",
            source=MatterSource.VISIT,
            backers=12,
            when=now - dt.timedelta(days=25),
        ),
        drains_referral,
    )
    # 转办 to 住建, sent last week and due in a few working days: on its handler's 今天要办.
    tiles = "和平新村3栋外墙瓷砖脱落"

    def tiles_referral(m: Matter) -> None:
        sent = now - dt.timedelta(days=6)
        matter_accept(actor=staff, matter=m, note="已拉警戒线，需住建督促维修", when=sent)
        matter_refer(
            actor=staff,
            matter=m,
            departments=[demo.departments["住建"]],
            lead=demo.departments["住建"],
            kind="help",
            note="外墙瓷砖脱落，存在高空坠物隐患，请住建督促产权单位维修。",
            now=sent,
        )

    once(
        tiles,
        lambda: matter_raise(
            actor=staff,
            place=_place(demo, "和平新村", "3栋"),
            kind=MatterKind.PROBLEM,
            title=tiles,
            description="3栋西侧外墙瓷砖成片脱落，楼下是居民进出的通道。",
            source=MatterSource.VISIT,
            backers=8,
            when=now - dt.timedelta(days=7),
        ),
        tiles_referral,
    )
    # 转办: the seed's seven illegal structures, from the first complaint to the square.
    structures = "江津苑七处违建房存在安全隐患"
    once(
        structures,
        lambda: matter_raise(
            actor=leader,
            place=_place(demo, "江津苑"),
            kind=MatterKind.PROBLEM,
            title=structures,
            description="小区内七处私搭乱建的违建房年久失修，墙体开裂，存在倒塌和火灾隐患，"
            "占用公共空间。100 多位居民联名反映。",
            source=MatterSource.LEADER,
            on_behalf_of_name="江津苑 100 多位居民",
            backers=106,
            when=_local(2022, 12, 20, 9),
        ),
        lambda m: _referral_case(demo, m),
    )
    # The adopted suggestion's award counts among the demo's awards (found again on a re-run).
    awards = Award.objects.filter(source_type="matter", source_id__in=[str(m.pk) for m in made])
    for award in awards:
        demo.tally.add("award", int(award.source_id) in new)
    if out is not None:
        for m in made:
            m.refresh_from_db()  # the steps after raising moved it on
        levels = ", ".join(
            f"{m.case_number} {m.get_state_display()}（{m.get_level_display()}）" for m in made
        )
        out.write(f"{HEPING}议事：{levels}\n")
    return made


def _local(y: int, mo: int, d: int, h: int = 10) -> dt.datetime:
    return dt.datetime(y, mo, d, h, tzinfo=timezone.get_default_timezone())


def _referral_case(demo: Demo, m: Matter) -> None:
    """The seed's case, step by step on the dates it happened (more than 280 days)."""
    staff, zhujian = demo.users["staff"], demo.users["department"]
    d = demo.departments
    matter_accept(actor=staff, matter=m, note="已上门核实七处违建", when=_local(2022, 12, 21))
    zj, cg, xf, cw = matter_refer(
        actor=staff,
        matter=m,
        departments=[d["住建"], d["城管"], d["信访"], d["创文办"]],
        lead=d["住建"],
        kind="complaint",
        note="涉及房屋安全和违法建设，请住建牵头，城管、信访、创文办协同。",
        now=_local(2022, 12, 22),
    )
    # Only 住建 has a handler in the demo; the other departments' steps are entered by the
    # system (as an operator would from their written replies).
    referral_answer(
        actor=SYSTEM,
        referral=xf,
        answer="已登记居民联名信访，由住建牵头办理",
        now=_local(2023, 1, 4),
    )
    referral_answer(
        actor=SYSTEM, referral=cg, answer="已现场核查，七处均为违法建设", now=_local(2023, 1, 9)
    )
    referral_extend(
        actor=zhujian,
        referral=zj,
        reason="七处违建产权情况复杂，需逐户调查并依法送达，申请延期",
        days=20,
        now=_local(2023, 1, 12),
    )
    referral_chase(actor=SYSTEM, now=_local(2023, 1, 16))
    referral_answer(
        actor=SYSTEM, referral=cw, answer="已纳入创文环境整治清单", now=_local(2023, 1, 30)
    )
    referral_chase(actor=SYSTEM, now=_local(2023, 2, 16))
    referral_answer(
        actor=zhujian,
        referral=zj,
        answer="已向七户下达限期拆除通知，督促自行拆除",
        now=_local(2023, 4, 3),
    )
    referral_complete(
        actor=zhujian,
        referral=zj,
        note="七处违建已于 9 月底全部拆除，原址平整后建成休闲小广场",
        now=_local(2023, 10, 10),
    )
