"""The matter's state machine: a pure transition table (state × action → next state, who may).

No ORM here. Services resolve what the actor is *for this matter* (``policies.actor_kinds``),
lock the row, then ask ``transition()``; tests walk every (state, action, actor) triple.

Who may act:
- ``raiser``: the person who raised the matter (or on whose resident row it was raised);
- ``leader``: the building leader of the matter's building, while the matter is at building
  level (楼栋听事: accept, settle or carry it up);
- ``staff``: community staff (社区工作者/书记) of the matter's community, at any level;
- ``department``: a department's handler, for a matter referred to it (referrals: later);
- ``system``: scheduled jobs and the demo loader.

Levels move with the actions (escalate: building → compound → community; refer: department);
the table is about states only.
"""

from __future__ import annotations

from collections.abc import Iterable

from linli.core import workflows as core
from linli.core.workflows import Transition
from linli.core.workflows import transition as transition  # re-exported: callers use ours

from .choices import MatterAction as A
from .choices import MatterState as S

RAISER = "raiser"
LEADER = "leader"
STAFF = "staff"
DEPARTMENT = "department"
SYSTEM = "system"
ACTORS = (RAISER, LEADER, STAFF, DEPARTMENT, SYSTEM)

_t = core.step

PENDING = (S.RAISED, S.REOPENED)  # waiting for someone to take it at its level
HELD = (S.ACCEPTED, S.IN_HAND)  # someone at its level has it in hand

MATTER: dict[tuple[str, str], Transition] = {}
for _s in PENDING:
    MATTER[(_s, A.ACCEPT)] = _t(S.ACCEPTED, LEADER, STAFF)
    MATTER[(_s, A.DECLINE)] = _t(S.DECLINED, STAFF)
    MATTER[(_s, A.MERGE)] = _t(S.MERGED, STAFF)
    # A leader may carry a matter up without accepting it first (not for the building).
    MATTER[(_s, A.ESCALATE)] = _t(S.IN_HAND, LEADER, STAFF)
for _s in HELD:
    MATTER[(_s, A.SETTLE)] = _t(S.DONE, LEADER, STAFF)  # 小事不出楼栋、难事不出小区
    MATTER[(_s, A.ESCALATE)] = _t(S.IN_HAND, LEADER, STAFF)
    MATTER[(_s, A.CONVENE)] = _t(S.DELIBERATING, STAFF)  # on a meeting's agenda
    MATTER[(_s, A.DECIDE)] = _t(S.DECIDED, STAFF)  # 社区决事
    MATTER[(_s, A.REFER)] = _t(S.REFERRED, STAFF)
    MATTER[(_s, A.DECLINE)] = _t(S.DECLINED, STAFF)
    MATTER[(_s, A.MERGE)] = _t(S.MERGED, STAFF)
MATTER.update(
    {
        (S.RAISED, A.WITHDRAW): _t(S.CLOSED, RAISER),
        # The compound's deliberation meeting decides, or cannot and carries it up.
        (S.DELIBERATING, A.RESOLVE): _t(S.DECIDED, STAFF, SYSTEM),
        (S.DELIBERATING, A.ESCALATE): _t(S.IN_HAND, STAFF, SYSTEM),
        # Taken off the agenda (暂缓) or not adopted by the meeting.
        (S.DELIBERATING, A.DEFER): _t(S.IN_HAND, STAFF, SYSTEM),
        (S.DELIBERATING, A.DECLINE): _t(S.DECLINED, STAFF, SYSTEM),
        (S.DECIDED, A.COMPLETE): _t(S.DONE, STAFF),
        (S.DECIDED, A.REFER): _t(S.REFERRED, STAFF),
        # Referrals: the department signs for it, answers, asks for more time or returns it.
        (S.REFERRED, A.SIGN): _t(S.WAITING, DEPARTMENT),
        (S.REFERRED, A.RETURN): _t(S.IN_HAND, DEPARTMENT),
        (S.REFERRED, A.CHASE): _t(S.REFERRED, STAFF, SYSTEM),
        (S.WAITING, A.EXTEND): _t(S.WAITING, DEPARTMENT),
        (S.WAITING, A.CHASE): _t(S.WAITING, STAFF, SYSTEM),
        (S.WAITING, A.RETURN): _t(S.IN_HAND, DEPARTMENT),
        (S.WAITING, A.COMPLETE): _t(S.DONE, DEPARTMENT, STAFF),
        # 好差评: the raiser rates once; a bad rating opens a rectification.
        (S.DONE, A.RATE): _t(S.RATED, RAISER),
        (S.DONE, A.RATE_BAD): _t(S.RECTIFYING, RAISER),
        (S.RECTIFYING, A.RECTIFY): _t(S.DONE, STAFF, DEPARTMENT),
        (S.DONE, A.CLOSE): _t(S.CLOSED, STAFF, SYSTEM),
        (S.RATED, A.CLOSE): _t(S.CLOSED, STAFF, SYSTEM),
        # Reopening: the raiser when it is not really done or was wrongly declined; staff also
        # after a rating or closing.
        (S.DONE, A.REOPEN): _t(S.REOPENED, RAISER, STAFF),
        (S.DECLINED, A.REOPEN): _t(S.REOPENED, RAISER, STAFF),
        (S.CLOSED, A.REOPEN): _t(S.REOPENED, RAISER, STAFF),
        (S.RATED, A.REOPEN): _t(S.REOPENED, STAFF),
    }
)


def transition_any(state: str, action: str, kinds: Iterable[str]) -> tuple[str, str]:
    """The next state and the capacity the actor acts in (the first of ``kinds``, in
    ``ACTORS`` order with ``system`` first, that the table allows); refusals as
    ``transition()``."""
    return core.transition_any(MATTER, state, action, kinds, (SYSTEM, *ACTORS))


def allowed_actions(state: str, kinds: Iterable[str]) -> list[str]:
    return core.allowed_actions(MATTER, state, kinds)
