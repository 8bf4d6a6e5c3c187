"""The Heping demo: 荆州市 → 沙市区 → 中山街道 → 和平社区 (and 胜利社区, the outsider).

``load_heping`` plans the demo (``plan``) and runs the loaders in order, each acting as
SYSTEM through the domain services and only for what is missing, so a second run changes
nothing and duplicates nothing: the people (``people``), points (``points``), the quarterly
cycle (``cycle``), matters (``matters``), 江津苑's meetings (``meetings``), ratings and 办不成事
(``ratings``) and the patrol's activities (``activities``). Imports run one way: this module
→ the loaders → the plan (an import-linter contract keeps it so).

A new step goes after the steps it builds on in ``load_heping``; it takes the ``Demo``
built so far and adds to it.
"""

from __future__ import annotations

from linli.demo.activities import load_activities
from linli.demo.cycle import load_cycle
from linli.demo.matters import load_matters
from linli.demo.meetings import load_meetings
from linli.demo.people import (
    figures,
    load_departments,
    load_groups,
    load_move_outs,
    load_places,
    load_residents,
    load_roles,
    load_teams,
    signin_table,
)
from linli.demo.plan import PASSWORD, Demo, Writer, build_plan
from linli.demo.points import load_points
from linli.demo.ratings import load_ratings


def load_heping(out: Writer | None = None) -> Demo:
    """Build (or find) the whole demo, print its sign-ins and a summary, return it."""
    demo = Demo(plan=build_plan())
    load_places(demo)
    load_residents(demo)
    load_groups(demo)
    load_teams(demo)
    load_move_outs(demo)
    load_departments(demo)
    load_roles(demo)
    # Points need the people and the staff's sign-ins (they award).
    load_points(demo)
    # The quarterly cycle (公示 and 兑换) spends the points: after them. It prints the points
    # and the cycle's lines (a balance printed before the redemptions would be wrong).
    load_cycle(demo, out)
    load_matters(demo, out)  # matters build on the people and points
    load_meetings(demo, out)  # 江津苑's deliberation meetings
    load_ratings(demo, out)  # 好差评 and 办不成事 on done matters
    load_activities(demo, out)  # the 义务巡逻队's patrols and hours
    if out is not None:
        out.write(figures(demo) + "\n")
        out.write(f"\n演示账号（共用密码 {PASSWORD}，首次登录无需改密）：\n")
        out.write(signin_table(demo.signins) + "\n\n")
        out.write(demo.tally.summary() + "\n")
    return demo
