"""Demo 好差评 and 办不成事 in 和平社区 (after ``load_matters``).

- Done matters rated by the residents who raised them, mostly satisfied: 代正菊's 5栋 door
  lock (非常满意), 王桂兰's drain (满意), 李秀英's fitness equipment (基本满意), 杨声芬's
  recycling kiosk in 江津苑 (非常满意; she raised it as a resident of the compound).
- One bad rating that opened a rectification: 陈国华's tiles falling off 电业宿舍's walls,
  referred to 住建 and reported done; rated 不满意 (only the debris was cleared), rectified by
  the community with 住建 and a return visit, then rated 非常满意 — its whole history
  back-dated through the services' ``now``.
- One pending appeal: 黄建平 thanked the community for the road and chose 非常不满意 by
  mistake; the rectification it opened is open, and the staff's appeal (误评) waits in the
  中山街道 supervisor 周建国's queue.
- 办不成事: 代正菊's flag on her building's leaking roof, open in 周建国's queue; and her flag on
  张德明's street lamp matter in 和平新村 (any resident who sees a matter may flag it), which
  周建国 answered.
- 代正菊 has one done matter left to rate (the 5栋 stairwell), so signing in as her shows the
  rating form.

Idempotent: a matter already there (by community and title) is left as it is, with whatever
ratings, appeals and flags it has."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from linli.matters.choices import MatterKind, MatterState
from linli.matters.models import Flag, FlagState, Matter, Rating, RatingAppeal, Rectification
from linli.matters.services import (
    matter_accept,
    matter_raise,
    matter_refer,
    matter_settle,
    referral_complete,
)
from linli.matters.services.flags import flag_answer, flag_raise
from linli.matters.services.ratings import appeal_file, rating_give, rectification_done

from .matters import MatterOnce, _place
from .plan import HEPING, Demo, Writer

DOOR = "和平新村5栋单元门门禁坏了"
STAIRS = "和平新村5栋楼道堆放杂物"
DRAIN = "金龙花园1栋下水道堵塞"
FITNESS = "园林小区健身器材松动"
KIOSK = "江津苑垃圾分类亭破损"
TILES = "电业宿舍外墙瓷砖脱落"
ROAD = "金龙花园门口路面坑洼"
ROOF = "和平新村5栋楼顶漏水"
LAMPS = "和平新村路灯线路老化"
TITLES = (DOOR, STAIRS, DRAIN, FITNESS, KIOSK, TILES, ROAD, ROOF, LAMPS)


def load_ratings(demo: Demo, out: Writer | None = None) -> list[Matter]:
    """The demo's ratings, rectification, appeal and flags (see the module docstring)."""
    u = demo.users
    staff, supervisor = u["staff"], u["supervisor"]
    dai, yang, wang, li, chen, huang, zhang = (
        u["volunteer"],
        u["building_leader"],
        u["sponsor"],
        u["leader_yl"],
        u["leader_dy"],
        u["leader_jl"],
        u["leader_hpxc"],
    )
    now = timezone.now()

    def ago(days: int, hour: int = 0) -> dt.datetime:
        return now - dt.timedelta(days=days, hours=hour)

    once = MatterOnce(demo)
    made, new = once.made, once.new

    def settled(m: Matter, days: int, note: str) -> Matter:
        matter_accept(actor=staff, matter=m, note="已受理，安排处理", when=ago(days))
        return matter_settle(actor=staff, matter=m, note=note)

    # 非常满意: 代正菊's door lock, fixed the next day.
    once(
        DOOR,
        lambda: matter_raise(
            actor=dai,
            place=_place(demo, "和平新村", "5栋"),
            kind=MatterKind.PROBLEM,
            title=DOOR,
            description="5栋2单元的门禁刷卡没反应，老人进出要等人开门。",
            when=ago(7),
        ),
        lambda m: [
            settled(m, 6, "物业已更换门禁读卡器，刷卡正常"),
            rating_give(actor=dai, matter=m, level=5, comment="第二天就修好了，谢谢社区！"),
        ],
    )
    # 满意: 王桂兰's drain.
    once(
        DRAIN,
        lambda: matter_raise(
            actor=wang,
            place=_place(demo, "金龙花园", "1栋"),
            kind=MatterKind.PROBLEM,
            title=DRAIN,
            description="1栋一楼下水道返水，楼道里有异味。",
            when=ago(10),
        ),
        lambda m: [
            settled(m, 9, "已请疏通公司疏通主管道"),
            rating_give(actor=wang, matter=m, level=4),
        ],
    )
    # 基本满意: 李秀英's fitness equipment (a compound matter).
    once(
        FITNESS,
        lambda: matter_raise(
            actor=li,
            place=_place(demo, "园林小区"),
            kind=MatterKind.PROBLEM,
            title=FITNESS,
            description="小区广场的漫步机和扭腰器螺丝松了，老人锻炼不安全。",
            when=ago(15),
        ),
        lambda m: [
            settled(m, 13, "已联系厂家紧固全部器材并做了检查"),
            rating_give(actor=li, matter=m, level=3, comment="修好了，就是等了一个多星期"),
        ],
    )
    # 非常满意: 杨声芬 (as a resident of 江津苑) on the compound's recycling kiosk.
    once(
        KIOSK,
        lambda: matter_raise(
            actor=yang,
            place=_place(demo, "江津苑"),
            kind=MatterKind.PROBLEM,
            title=KIOSK,
            description="垃圾分类亭的顶棚被风刮坏了，下雨时垃圾桶进水。",
            when=ago(20),
        ),
        lambda m: [
            settled(m, 18, "已更换顶棚并加固"),
            rating_give(actor=yang, matter=m, level=5, comment="修得又快又好"),
        ],
    )
    # 差评 → 整改 → 回访 → 再评价: 陈国华's tiles, referred to 住建.
    once(
        TILES,
        lambda: matter_raise(
            actor=chen,
            place=_place(demo, "电业宿舍"),
            kind=MatterKind.PROBLEM,
            title=TILES,
            description="2栋北面外墙瓷砖大片脱落，前几天砸坏了楼下的电动车，幸好没砸到人。",
            when=ago(32),
        ),
        lambda m: _tiles(demo, m, ago),
    )
    # A mistaken 非常不满意: the appeal waits for the street's supervisor.
    once(
        ROAD,
        lambda: matter_raise(
            actor=huang,
            place=_place(demo, "金龙花园"),
            kind=MatterKind.PROBLEM,
            title=ROAD,
            description="小区大门口的路面有几个大坑，下雨积水，电动车经过容易摔。",
            when=ago(9),
        ),
        lambda m: [
            settled(m, 8, "已用沥青修补大门口路面"),
            rating_give(actor=huang, matter=m, level=1, comment="路补得很平整，谢谢社区！"),
            appeal_file(
                actor=staff,
                rating=Rating.objects.get(matter=m, round=0),
                reason="mistaken",
                text="评价内容是感谢，居民电话里说本想选“非常满意”，疑为误选。",
            ),
        ],
    )
    # Done, not rated yet: 代正菊 sees the rating form.
    once(
        STAIRS,
        lambda: matter_raise(
            actor=dai,
            place=_place(demo, "和平新村", "5栋"),
            kind=MatterKind.PROBLEM,
            title=STAIRS,
            description="3楼楼道堆了旧家具和纸箱，挡住通道，有火灾隐患。",
            when=ago(4),
        ),
        lambda m: settled(m, 3, "已联系住户清走杂物，楼道已畅通"),
    )
    # 办不成事, open: 代正菊's roof, accepted more than a month ago and stuck since.
    once(
        ROOF,
        lambda: matter_raise(
            actor=dai,
            place=_place(demo, "和平新村", "5栋"),
            kind=MatterKind.PROBLEM,
            title=ROOF,
            description="一下雨五楼几户的天花板就渗水，墙皮都泡起来了。",
            when=ago(41),
        ),
        lambda m: [
            matter_accept(actor=staff, matter=m, note="已记录，联系维修基金", when=ago(39)),
            flag_raise(
                actor=dai,
                matter=m,
                text="反映一个多月了，下雨五楼还是漏水，一直没人来修。",
                now=ago(2),
            ),
        ],
    )
    # 办不成事, answered: 代正菊 flags 张德明's compound matter; 周建国 answers.
    once(
        LAMPS,
        lambda: matter_raise(
            actor=zhang,
            place=_place(demo, "和平新村"),
            kind=MatterKind.PROBLEM,
            title=LAMPS,
            description="小区里一排路灯时亮时不亮，晚上散步看不清路。",
            when=ago(26),
        ),
        lambda m: [
            matter_accept(actor=staff, matter=m, note="已受理，联系供电所", when=ago(25)),
            flag_raise(
                actor=dai,
                matter=m,
                text="受理快两个星期了，路灯还是不亮，也没人来看过。",
                now=ago(12),
            ),
            flag_answer(
                actor=supervisor,
                flag=Flag.objects.get(matter=m),
                answer="已与社区和供电所核实：线路老化需整段更换，供电所本周内上门施工，"
                "街道将跟踪到修好为止。",
                now=ago(9),
            ),
        ],
    )
    ids = [m.pk for m in made]
    for r in Rating.objects.filter(matter_id__in=ids):
        demo.tally.add("rating", r.matter_id in new)
    for a in RatingAppeal.objects.filter(rating__matter_id__in=ids).select_related("rating"):
        demo.tally.add("appeal", a.rating.matter_id in new)
    for f in Flag.objects.filter(matter_id__in=ids):
        demo.tally.add("flag", f.matter_id in new)
    if out is not None:
        out.write(summary(made) + "\n")
    return made


def _tiles(demo: Demo, m: Matter, ago: Callable[..., dt.datetime]) -> None:
    u = demo.users
    staff, zhujian, chen = u["staff"], u["department"], u["leader_dy"]
    d = demo.departments
    matter_accept(actor=staff, matter=m, note="已上门查看，外墙空鼓面积较大", when=ago(31))
    (ref,) = matter_refer(
        actor=staff,
        matter=m,
        departments=[d["住建"]],
        lead=d["住建"],
        kind="help",
        note="外墙安全隐患，请住建协调维修",
        now=ago(30),
    )
    referral_complete(actor=zhujian, referral=ref, note="已清理脱落瓷砖并设置警示区", now=ago(22))
    rating_give(
        actor=chen,
        matter=m,
        level=2,
        comment="只把掉下来的碎瓷砖清走了，外墙空鼓的地方还没处理，还是担心。",
        now=ago(21),
    )
    rectification_done(
        actor=staff,
        rectification=Rectification.objects.get(matter=m, round=1),
        note="住建局组织施工队铲除北墙全部空鼓瓷砖，改为真石漆，并加装防护网",
        return_visit="社区刘晓燕上门回访，居民查看外墙后表示放心",
        now=ago(15),
    )
    rating_give(actor=chen, matter=m, level=5, comment="这次修得很彻底，谢谢！", now=ago(14))


def summary(made: list[Matter]) -> str:
    ids = [m.pk for m in made]
    ratings = Rating.objects.filter(matter_id__in=ids)
    good = ratings.filter(level__gte=4, excluded=False).count()
    rects = Rectification.objects.filter(matter_id__in=ids)
    flags = Flag.objects.filter(matter_id__in=ids)
    pending = RatingAppeal.objects.filter(rating__matter_id__in=ids, state="pending").count()
    rectifying = Matter.objects.filter(pk__in=ids, state=MatterState.RECTIFYING).count()
    return (
        f"{HEPING}好差评：评价 {ratings.count()} 条（满意 {good} 条），"
        f"整改 {rects.count()} 件（整改中 {rectifying} 件），待裁定申诉 {pending} 件；"
        f"办不成事 {flags.count()} 件（待答复 "
        f"{flags.filter(state=FlagState.OPEN).count()} 件）"
    )
