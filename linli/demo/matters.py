"""Demo matters in 和平社区, one at each level (三级议事): a building matter 杨声芬 settled
(小事不出楼栋), one she carried up to the compound, one the community decided (社区决事) that
adopted 张德明's suggestion and awarded him points, and a new one from the 微议事 group.
Idempotent: a matter already there (by community and title) is left as it is.
(The seed's 280-day referral case needs referrals: a later loader.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from linli.matters.choices import MatterKind, MatterSource
from linli.matters.models import Matter
from linli.matters.services import (
    matter_accept,
    matter_decide,
    matter_escalate,
    matter_raise,
    matter_settle,
)
from linli.places.models import Place
from linli.points.models import Award

from .heping import HEPING, Demo, Writer


def _place(demo: Demo, compound: str, building: str | None = None) -> Place:
    heping = demo.heping
    found = Place.objects.get(community=heping, kind="compound", name=compound)
    if building is None:
        return found
    return Place.objects.get(compound=found, kind="building", name=building)


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
    made: list[Matter] = []
    new: set[int] = set()

    def once(title: str, make: Callable[[], Matter], steps: Callable[[Matter], object]) -> None:
        existing = Matter.objects.filter(community=demo.heping, title=title).first()
        demo.tally.add("matter", existing is None)
        if existing is None:
            existing = make()
            steps(existing)
            new.add(existing.pk)
        made.append(existing)

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
    # The adopted suggestion's award counts among the demo's awards (found again on a re-run).
    awards = Award.objects.filter(source_type="matter", source_id__in=[str(m.pk) for m in made])
    for award in awards:
        demo.tally.add("award", int(award.source_id) in new)
    if out is not None:
        levels = ", ".join(
            f"{m.case_number} {m.get_state_display()}（{m.get_level_display()}）" for m in made
        )
        out.write(f"{HEPING}议事：{levels}\n")
    return made
