"""A small crafted data set for the boards, with every expected figure worked out by hand
(see the comments): rows are written directly, in the states the services leave them in,
so that the boards' tests do not depend on the services being built alongside.

The period is 2025 Q2 (2025-04-01 … 2025-06-30, China time); "today" is Thursday
2025-07-10. Places: 和平社区 (building1 and building2 in 和平小区) and 胜利社区.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from linli.core.quarters import CHINA
from linli.matters.choices import MatterAction, MatterLevel, MatterSource, MatterState
from linli.matters.models import Flag, Matter, MatterEvent, Rating, Rectification, Referral
from linli.people.choices import Role
from linli.people.models import Department
from linli.places.models import Place
from tests.factories import GrantFactory, UserFactory

START = dt.date(2025, 4, 1)
END = dt.date(2025, 6, 30)
TODAY = dt.date(2025, 7, 10)
PASSWORD = "linli-test-pass-1"

_numbers = itertools.count(1)


def at(y: int, m: int, d: int, h: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, minute, tzinfo=CHINA)


def matter(
    place: Place,
    key: str,
    *,
    kind: str = "problem",
    level: str = MatterLevel.BUILDING,
    state: str = MatterState.RAISED,
    raised: dt.datetime,
    finished: dt.datetime | None = None,
) -> Matter:
    n = next(_numbers)
    assert place.community_id is not None
    return Matter.objects.create(
        community_id=place.community_id,
        place=place,
        case_number=f"板-{key}-{n:05d}",
        kind=kind,
        title=f"事项{key}",
        source=MatterSource.VISIT,
        level=level,
        state=state,
        raised_at=raised,
        finished_at=finished,
    )


def event(m: Matter, action: str, when: dt.datetime, **kw: Any) -> MatterEvent:
    return MatterEvent.objects.create(matter=m, action=action, level=m.level, created_at=when, **kw)


def referral(
    m: Matter,
    dept: Department,
    *,
    lead: bool,
    referred: dt.datetime,
    due: dt.date,
    state: str,
    extended: dt.date | None = None,
) -> Referral:
    return Referral.objects.create(
        matter=m,
        department=dept,
        lead=lead,
        kind="complaint",
        referred_at=referred,
        due_on=due,
        extended_due_on=extended,
        state=state,
    )


def rating(
    m: Matter,
    rater: Any,
    level: int,
    when: dt.datetime,
    *,
    handled: str,
    dept: Department | None = None,
    round: int = 0,
    excluded: bool = False,
) -> Rating:
    return Rating.objects.create(
        matter=m,
        rater=rater,
        round=round,
        level=level,
        handled_level=handled,
        department=dept,
        excluded=excluded,
        created_at=when,
    )


def handler(tree: Any, dept: Department, name: str, phone: str) -> Any:
    user = UserFactory(name=name, phone=phone, password=PASSWORD)
    GrantFactory(user=user, role=Role.DEPARTMENT_HANDLER, place=tree.district, department=dept)
    return user


@dataclass
class BoardData:
    zj: Department
    cg: Department
    zj_handler: Any
    cg_handler: Any
    m: dict[str, Matter]
    r: dict[str, Referral]


def board_data(tree: Any) -> BoardData:
    """The crafted data set. Expected figures for 和平社区, 2025 Q2, today 2025-07-10:

    open now 7 (A B building, C compound, D community, E F P department; ages: A B ≤ 7,
    C D 8–30, E 31–90, F P > 90); raised in Q2 8 (D E F G I J K M); finished in Q2 5
    (L in April, G J in May, Q Q2 in June); overdue referrals 2 (R1 7 working days, R3 1);
    on time 3/5 (R4 R5 R8 yes, R6 R10 no); problems 2/5 (E F G K M found, G M rectified);
    rectifications 2/3 (on time 1/2, one open past its deadline); satisfaction 2/5 (one
    excluded, two bad); rectification ratings 1/1; 办不成事 2 flagged in Q2, 1 open and
    past its deadline.
    """
    b1, b2, c1 = tree.building1, tree.building2, tree.compound1
    zj = Department.objects.create(place=tree.district, name="住建局", short_name="住建")
    cg = Department.objects.create(place=tree.district, name="城市管理执法局", short_name="城管")
    S, L = MatterState, MatterLevel
    m: dict[str, Matter] = {}
    # Open now.
    m["A"] = matter(b1, "A", raised=at(2025, 7, 10, 9))  # day 1
    m["B"] = matter(b1, "B", kind="request", raised=at(2025, 7, 4, 0, 0))  # day 7
    m["C"] = matter(
        b2, "C", level=L.COMPOUND, state=S.IN_HAND, raised=at(2025, 7, 3, 23, 59)
    )  # day 8
    m["D"] = matter(
        c1, "D", kind="suggestion", level=L.COMMUNITY, state=S.IN_HAND, raised=at(2025, 6, 11)
    )  # day 30
    m["E"] = matter(b1, "E", level=L.DEPARTMENT, state=S.WAITING, raised=at(2025, 6, 10))  # 31
    m["F"] = matter(b2, "F", level=L.DEPARTMENT, state=S.REFERRED, raised=at(2025, 4, 11))  # 91
    m["P"] = matter(
        b2,
        "P",
        kind="request",
        level=L.DEPARTMENT,
        state=S.RECTIFYING,
        raised=at(2025, 3, 1),
        finished=at(2025, 5, 9, 23, 30),
    )
    # Finished or otherwise not open.
    m["G"] = matter(
        b1, "G", state=S.DONE, raised=at(2025, 5, 1), finished=at(2025, 5, 20)
    )  # a problem rectified
    m["I"] = matter(b1, "I", state=S.MERGED, raised=at(2025, 5, 5), finished=at(2025, 5, 6))
    m["J"] = matter(b1, "J", state=S.CLOSED, raised=at(2025, 5, 2), finished=at(2025, 5, 2, 11))
    event(m["J"], MatterAction.WITHDRAW, at(2025, 5, 2, 11), from_state=S.RAISED, to_state=S.CLOSED)
    m["K"] = matter(
        b2,
        "K",
        level=L.COMPOUND,
        state=S.DECLINED,
        raised=at(2025, 4, 1, 0, 0),
        finished=at(2025, 4, 3),
    )  # found on the period's first minute, not rectified
    m["L"] = matter(
        b2, "L", state=S.DONE, raised=at(2025, 3, 31, 23, 59), finished=at(2025, 4, 2)
    )  # raised the minute before the period (not found in it), finished in it
    m["M"] = matter(
        b1, "M", state=S.RATED, raised=at(2025, 6, 30, 23, 59), finished=at(2025, 7, 2)
    )  # found on the period's last minute, rectified after it
    m["N"] = matter(b1, "N", raised=at(2025, 7, 1, 0, 0), state=S.DONE, finished=at(2025, 7, 5))
    m["Q"] = matter(
        b1,
        "Q",
        kind="request",
        level=L.DEPARTMENT,
        state=S.RATED,
        raised=at(2025, 2, 1),
        finished=at(2025, 6, 3),
    )
    m["Q2"] = matter(
        b2,
        "Q2",
        kind="request",
        level=L.DEPARTMENT,
        state=S.DONE,
        raised=at(2025, 3, 15),
        finished=at(2025, 6, 11, 7),
    )
    m["S"] = matter(
        b1,
        "S",
        kind="request",
        level=L.DEPARTMENT,
        state=S.DONE,
        raised=at(2025, 1, 10),
        finished=at(2025, 7, 1),
    )
    # 胜利社区: an open matter with an overdue referral to 住建.
    m["H"] = matter(
        tree.other_building, "H", level=L.DEPARTMENT, state=S.WAITING, raised=at(2025, 5, 1)
    )

    r: dict[str, Referral] = {}
    # Open: R1 overdue since 07-01 (7 working days: 2, 3, 4, 7, 8, 9, 10 July), R2 extended
    # past today, R3 extended to 07-09 and overdue by one working day.
    r["R1"] = referral(
        m["E"], zj, lead=True, referred=at(2025, 6, 12), due=dt.date(2025, 7, 1), state="sent"
    )
    r["R2"] = referral(
        m["E"],
        cg,
        lead=False,
        referred=at(2025, 6, 12),
        due=dt.date(2025, 7, 1),
        extended=dt.date(2025, 7, 15),
        state="answered",
    )
    r["R3"] = referral(
        m["F"],
        zj,
        lead=True,
        referred=at(2025, 4, 14),
        due=dt.date(2025, 5, 6),
        extended=dt.date(2025, 7, 9),
        state="extended",
    )
    # Done: R4 on its due date (23:30 China time), R8 (co-department) answered before its
    # due date, R5 after the original due date but before the extended one, R6 the day after
    # (07:00 China time is still 06-10 in UTC), R10 closed with R6 without an answer of its
    # own (so: late with the lead), R7 after the period.
    r["R4"] = referral(
        m["P"], zj, lead=True, referred=at(2025, 4, 20), due=dt.date(2025, 5, 9), state="done"
    )
    event(m["P"], MatterAction.COMPLETE, at(2025, 5, 9, 23, 30), data={"referral": r["R4"].pk})
    r["R8"] = referral(
        m["P"], cg, lead=False, referred=at(2025, 4, 20), due=dt.date(2025, 5, 8), state="done"
    )
    event(m["P"], MatterAction.ANSWER, at(2025, 5, 7), data={"referral": r["R8"].pk})
    r["R5"] = referral(
        m["Q"],
        cg,
        lead=True,
        referred=at(2025, 4, 2),
        due=dt.date(2025, 4, 30),
        extended=dt.date(2025, 6, 3),
        state="done",
    )
    event(m["Q"], MatterAction.COMPLETE, at(2025, 6, 3, 16), data={"referral": r["R5"].pk})
    r["R6"] = referral(
        m["Q2"], zj, lead=True, referred=at(2025, 5, 20), due=dt.date(2025, 6, 10), state="done"
    )
    r["R10"] = referral(
        m["Q2"], cg, lead=False, referred=at(2025, 5, 20), due=dt.date(2025, 6, 10), state="done"
    )
    event(m["Q2"], MatterAction.COMPLETE, at(2025, 6, 11, 7), data={"referral": r["R6"].pk})
    r["R7"] = referral(
        m["S"], zj, lead=True, referred=at(2025, 6, 1), due=dt.date(2025, 6, 20), state="done"
    )
    event(m["S"], MatterAction.COMPLETE, at(2025, 7, 1, 9), data={"referral": r["R7"].pk})
    # Returned: neither open nor completed.
    r["R9"] = referral(
        m["C"], zj, lead=True, referred=at(2025, 7, 1), due=dt.date(2025, 7, 8), state="returned"
    )
    # 胜利社区's overdue referral.
    r["H1"] = referral(
        m["H"], zj, lead=True, referred=at(2025, 5, 2), due=dt.date(2025, 5, 30), state="sent"
    )

    u1: Any = UserFactory(name="评价人一", phone="13911110001")
    u2: Any = UserFactory(name="评价人二", phone="13911110002")
    # Round 0 in Q2: 5, 4, 3, 1, 2 (on the period's first minute) → 2 good of 5; one excluded.
    rating(m["G"], u1, 5, at(2025, 5, 21), handled=L.BUILDING)
    rating(m["P"], u1, 4, at(2025, 5, 12), handled=L.DEPARTMENT, dept=zj)
    rating(m["Q"], u1, 3, at(2025, 6, 5), handled=L.DEPARTMENT, dept=cg)
    bad = rating(m["Q2"], u1, 1, at(2025, 6, 12), handled=L.DEPARTMENT, dept=zj)
    excluded = rating(m["Q2"], u2, 2, at(2025, 6, 13), handled=L.DEPARTMENT, dept=zj, excluded=True)
    first = rating(m["P"], u2, 2, at(2025, 4, 1, 0, 0), handled=L.DEPARTMENT, dept=zj)
    rating(m["Q"], u2, 5, at(2025, 7, 1, 0, 0), handled=L.DEPARTMENT, dept=cg)  # after Q2
    rating(m["Q2"], u1, 4, at(2025, 6, 25), handled=L.DEPARTMENT, dept=zj, round=1)
    # 胜利社区: a good rating (the supervisor's per-community table).
    rating(m["H"], u1, 5, at(2025, 5, 3), handled=L.DEPARTMENT, dept=zj)
    # Rectifications opened in Q2: done on its deadline (20:00 China time), open past its
    # deadline, done late.
    Rectification.objects.create(
        matter=m["Q2"],
        rating=bad,
        round=1,
        due_on=dt.date(2025, 6, 19),
        state="done",
        done_at=at(2025, 6, 19, 20),
        created_at=at(2025, 6, 12),
    )
    Rectification.objects.create(
        matter=m["P"],
        rating=first,
        round=1,
        due_on=dt.date(2025, 4, 9),
        state="open",
        created_at=at(2025, 4, 1, 0, 0),
    )
    Rectification.objects.create(
        matter=m["Q2"],
        rating=excluded,
        round=2,
        due_on=dt.date(2025, 6, 20),
        state="done",
        done_at=at(2025, 6, 23),
        created_at=at(2025, 6, 13),
    )
    # 办不成事: E (open, past its answer deadline), G (answered), H in 胜利社区 (open).
    for key, state, created, due in (
        ("E", "open", at(2025, 6, 20), dt.date(2025, 7, 8)),
        ("G", "answered", at(2025, 5, 22), dt.date(2025, 5, 29)),
        ("H", "open", at(2025, 7, 9), dt.date(2025, 7, 16)),
    ):
        Flag.objects.create(
            matter=m[key],
            street=tree.street,
            flagged_by=u2,
            text="办不成",
            due_on=due,
            state=state,
            created_at=created,
        )
    zj_handler = handler(tree, zj, "陈立新", "13900000011")
    cg_handler = handler(tree, cg, "城管经办", "13900000012")
    return BoardData(zj, cg, zj_handler, cg_handler, m, r)
