"""What the system writes about matters, as data: the timeline's lines (``EVENTS``: a
``MatterEvent`` stores ``note_kind`` and ``note_params``) and the notices (``NOTICES``,
installed into ``linli.notifications``). Each kind is one template, rendered in the reader's
language when read (``linli.core.texts``).

Timeline kinds start with the action they describe (``refer``, ``refer.note``);
``EVENT_ACTIONS`` lists the other actions a kind is written with. Free text a person typed
(a reason, a decision) is a parameter as it was typed, or the event's ``note`` with no kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from linli.core.texts import Params, TextRegistry, jsonable, list_separator

from .choices import MatterLevel, ReferralKind
from .models.meeting import AgendaOutcome, MotionState
from .models.rating import AppealReason, AppealState, RatingLevel

EVENTS = TextRegistry("matter events")
NOTICES = TextRegistry("matter notices")


@dataclass(frozen=True)
class Said:
    """A timeline line to store: its kind and parameters."""

    kind: str
    params: dict[str, Any]


def said(kind: str, /, **params: Any) -> Said:
    if kind not in EVENTS:
        raise ValueError(f"timeline kind {kind!r} is not registered")
    return Said(kind, {k: jsonable(v) for k, v in params.items()})


# --- the departments of a referral, the lead marked ----------------------------------------


def _lead_mark(name: str) -> str:
    return pgettext("referral", "%(dept)s（牵头）") % {"dept": name}


def _refer_prepare(values: Params) -> Params:
    depts = values.get("depts")
    if isinstance(depts, list):
        lead = values.get("lead")
        names = [_lead_mark(d) if d == lead else str(d) for d in depts]
        values = {**values, "depts": list_separator().join(names)}
    return values


def _refer_unprepare(values: Params) -> Params | None:
    mark = re.compile(re.escape(_lead_mark("\0")).replace("\0", "(.+)"))
    names: list[str] = []
    lead = ""
    for part in str(values.get("depts", "")).split(list_separator()):
        m = mark.fullmatch(part)
        if m:
            lead = m.group(1)
            names.append(lead)
        else:
            names.append(part)
    return {**values, "depts": names, "lead": lead}


# --- timeline lines -------------------------------------------------------------------------

E = EVENTS.add
E("raise.behalf", _("代 %(name)s 反映"))
E("merge", _("与 %(case)s 重复，已合并"))
E("merged_in", _("合并了重复事项 %(case)s"))
E("award", _("建议被采纳，提出人获得 %(points)s 积分"))
E("award_skipped", _("未能加分：%(why)s"))
E("award_skipped.no_rule", _("社区没有生效的“建言献策”积分规则，未加分"))
E("award_skipped.not_resident", _("提出人不是登记居民，未加分"))
E("convene", _("列入%(meeting)s（%(when)s）议程"))
E("convene.up", _("列入%(meeting)s（%(when)s）议程（由楼栋提交小区议事）"))
E("defer", _("%(meeting)s：暂缓，%(reason)s"))
E("resolve", _("%(meeting)s决定（%(outcome)s）：%(decision)s"), enums={"outcome": AgendaOutcome})
E("agenda.open", _("%(meeting)s开始审议"))
E("agenda.published", _("%(meeting)s结果已向居民公布"))
E(
    "vote",
    _(
        "表决“%(text)s”：到会 %(present)s/%(members)s 人，赞成 %(for)s，反对 %(against)s，"
        "弃权 %(abstain)s，%(result)s"
    ),
    enums={"result": MotionState},
)
E(
    "vote.no_quorum",
    _(
        "表决“%(text)s”：到会 %(present)s/%(members)s 人，赞成 %(for)s，反对 %(against)s，"
        "弃权 %(abstain)s，%(result)s（未达法定人数）"
    ),
    enums={"result": MotionState},
)
E("rate", _("评价：%(level)s"), enums={"level": RatingLevel})
E(
    "rate.rectify",
    _("评价：%(level)s。已启动整改，%(due)s 前完成并回访"),
    enums={"level": RatingLevel},
)
E("rate.round", _("对第 %(n)s 次整改的评价：%(level)s"), enums={"level": RatingLevel})
E(
    "rate.round_rectify",
    _("对第 %(n)s 次整改的评价：%(level)s。已启动整改，%(due)s 前完成并回访"),
    enums={"level": RatingLevel},
)
E("rectify", _("整改情况：%(note)s"))
E("return_visit", _("回访：%(text)s"))
E(
    "appeal",
    _("对一条差评提出申诉（%(reason)s），等待街道督办裁定"),
    enums={"reason": AppealReason},
)
E("appeal_decided.rejected", _("申诉不成立，评价保留"))
E("appeal_decided.upheld", _("申诉成立，该评价不计入满意度"))
E("appeal_decided.upheld_open", _("申诉成立，该评价不计入满意度；已启动的整改仍需完成并回访"))
E(
    "refer",
    _("转办：%(depts)s，%(kind)s，%(due)s 前办理"),
    enums={"kind": ReferralKind},
    prepare=_refer_prepare,
    unprepare=_refer_unprepare,
)
E(
    "refer.note",
    _("转办：%(depts)s，%(kind)s，%(due)s 前办理。%(note)s"),
    enums={"kind": ReferralKind},
    prepare=_refer_prepare,
    unprepare=_refer_unprepare,
)
E("sign", _("%(dept)s 已签收"))
E("answer", _("%(dept)s 答复：%(answer)s"))
E("answer.done", _("%(dept)s 办结：%(note)s"))
E("complete", _("%(dept)s 办结：%(note)s"))
E("extend", _("%(dept)s 申请延期至 %(due)s：%(reason)s"))
E("return", _("%(dept)s 退回：%(reason)s"))
E("chase", _("%(dept)s 已超过办理期限（%(due)s），已催办"))
E("flag", _("有居民反映“办不成事”，已转%(street)s督办，%(due)s 前答复"))
E("flag_answer", _("街道督办答复：%(answer)s"))

# The actions a kind is written with besides the one it is named after (a meeting's
# decision is the step it decides).
EVENT_ACTIONS: dict[str, set[str]] = {
    "resolve": {"resolve", "escalate", "decline", "decide"},
    **{
        k: {"rate", "rate_bad"}
        for k in ("rate", "rate.rectify", "rate.round", "rate.round_rectify")
    },
}


def event_kinds_for(action: str) -> list[str]:
    """The timeline kinds an event of ``action`` may carry (for reading legacy notes)."""
    return [
        k
        for k in EVENTS.kinds()
        if k.split(".")[0] == action or action in EVENT_ACTIONS.get(k, set())
    ]


def legacy_event(action: str, note: str) -> tuple[str, Params] | None:
    """A timeline note stored as prose, read back into its kind and parameters; None when
    it matches none of its action's templates in any language (a person's words, or a
    sentence no longer written): it stays as stored."""
    languages = [code for code, _name in settings.LANGUAGES]
    for kind in event_kinds_for(action):
        params = EVENTS.parse(kind, note, languages)
        if params is not None:
            return kind, params
    return None


# --- notices --------------------------------------------------------------------------------

N = NOTICES.add
N("matter.raised", _("%(place)s 有新事项 %(case)s「%(title)s」，请受理"))
N("matter.accept", _("事项 %(case)s「%(title)s」已受理"))
N("matter.settle", _("事项 %(case)s「%(title)s」已办结，欢迎评价办理情况"))
N(
    "matter.escalate",
    _("事项 %(case)s「%(title)s」已上报到%(level)s"),
    enums={"level": MatterLevel},
)
N(
    "matter.escalated",
    _("事项 %(case)s「%(title)s」已上报到%(level)s，请处理"),
    enums={"level": MatterLevel},
)
N("matter.decide", _("社区已对事项 %(case)s「%(title)s」作出决定"))
N("matter.decline", _("事项 %(case)s「%(title)s」不予受理：%(reason)s"))
N("matter.reopen", _("事项 %(case)s「%(title)s」已重新打开"))
N("matter.close", _("事项 %(case)s「%(title)s」已关闭"))
N("matter.withdraw", _("事项 %(case)s「%(title)s」已撤回"))
N(
    "matter.merge",
    _(
        "事项 %(case)s「%(title)s」与 %(into)s「%(into_title)s」重复，已合并，"
        "您将在 %(into)s 继续收到进展"
    ),
)
N(
    "matter.refer",
    _("事项 %(case)s「%(title)s」已转办给%(depts)s，%(due)s 前办理"),
    lists=["depts"],
)
N(
    "referral.sent",
    _("新转办事项 %(case)s「%(title)s」（%(kind)s），请在 %(due)s 前办理"),
    enums={"kind": ReferralKind},
)
N("referral.answer", _("%(dept)s 已答复事项 %(case)s「%(title)s」"))
N(
    "referral.extend",
    _("%(dept)s 申请将事项 %(case)s「%(title)s」延期至 %(due)s：%(reason)s"),
)
N("referral.return", _("%(dept)s 退回了事项 %(case)s「%(title)s」：%(reason)s"))
N("referral.complete", _("%(dept)s 已办结事项 %(case)s「%(title)s」"))
N("matter.complete", _("事项 %(case)s「%(title)s」已由%(dept)s办结，欢迎评价办理情况"))
N(
    "referral.chase",
    _("催办：转办事项 %(case)s「%(title)s」已超过办理期限（%(due)s），请尽快办理"),
)
N(
    "referral.remind",
    _("提醒：转办事项 %(case)s「%(title)s」将于 %(due)s 到期，请及时办理"),
)
N(
    "rectification.overdue",
    _("逾期：事项 %(case)s「%(title)s」的整改已于 %(due)s 到期，仍未完成"),
)
N(
    "rectification.remind",
    _("提醒：事项 %(case)s「%(title)s」的整改将于 %(due)s 到期，请按时整改并回访"),
)
N(
    "flag.overdue",
    _("逾期：事项 %(case)s「%(title)s」的“办不成事”反映已于 %(due)s 到期，仍未答复"),
)
N(
    "flag.remind",
    _("提醒：事项 %(case)s「%(title)s」的“办不成事”反映将于 %(due)s 到期，请及时答复"),
)
N("flag.raised", _("办不成事：事项 %(case)s「%(title)s」，请在 %(due)s 前答复"))
N("flag.answered", _("您反映的“办不成事”（%(case)s「%(title)s」）街道已答复"))
N(
    "rating.bad",
    _("事项 %(case)s「%(title)s」收到差评（%(level)s），请在 %(due)s 前整改并回访"),
    enums={"level": RatingLevel},
)
N(
    "rating.rectified",
    _("您反映的事项 %(case)s「%(title)s」已整改，请再评价一次整改结果"),
)
N(
    "rating.appeal",
    _("事项 %(case)s「%(title)s」有一条差评申诉（%(reason)s）待裁定"),
    enums={"reason": AppealReason},
)
N(
    "rating.appeal_decided",
    _("事项 %(case)s「%(title)s」的差评申诉已裁定：%(state)s"),
    enums={"state": AppealState},
)
N(
    "rating.excluded",
    _("您对事项 %(case)s「%(title)s」的一条评价经街道督办复核，不计入满意度统计"),
)
N("matter_agenda", _("事项“%(title)s”已列入%(meeting)s（%(when)s）议程"))
N(
    "matter_decided",
    _("事项“%(title)s”%(meeting)s已作出决定：%(outcome)s"),
    enums={"outcome": AgendaOutcome},
)
N("meeting_invite", _("请您参加%(meeting)s（%(when)s），地点：%(location)s"))
N("meeting_cancelled", _("%(meeting)s（%(when)s）已取消：%(reason)s"))
N("meeting_results", _("%(meeting)s（%(when)s）的结果已公布"))

# A department acting on a referral, shown as the one who acted on the timeline.
DEPARTMENT_ACTOR = pgettext_lazy("timeline", "%(dept)s（%(name)s）")
