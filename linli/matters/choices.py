from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class MatterKind(models.TextChoices):
    SUGGESTION = "suggestion", _("建议")
    PROBLEM = "problem", _("问题")
    REQUEST = "request", _("诉求")


class MatterSource(models.TextChoices):
    RESIDENT = "resident", _("居民随手报")
    LEADER = "leader", _("楼栋长代报")
    GROUP = "group", _("微议事群")
    VISIT = "visit", _("走访")


class MatterLevel(models.TextChoices):
    """Where a matter is handled: 楼栋听事、小区议事、社区决事, then the departments."""

    BUILDING = "building", _("楼栋")
    COMPOUND = "compound", _("小区")
    COMMUNITY = "community", _("社区")
    DEPARTMENT = "department", _("部门")


LEVEL_ORDER: list[str] = [lv.value for lv in MatterLevel]


def next_level(level: str) -> str | None:
    """The level a matter is carried up to (building → compound → community); None above."""
    if level in (MatterLevel.BUILDING, MatterLevel.COMPOUND):
        return LEVEL_ORDER[LEVEL_ORDER.index(level) + 1]
    return None


class MatterState(models.TextChoices):
    RAISED = "raised", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    IN_HAND = "in_hand", _("办理中")
    DELIBERATING = "deliberating", _("议事中")
    DECIDED = "decided", _("已决定")
    REFERRED = "referred", _("已转办")
    WAITING = "waiting", _("待部门办理")
    DONE = "done", _("已办结")
    RATED = "rated", _("已评价")
    RECTIFYING = "rectifying", _("整改中")
    CLOSED = "closed", _("已关闭")
    REOPENED = "reopened", _("重新打开")
    MERGED = "merged", _("已合并")
    DECLINED = "declined", _("不予受理")


S = MatterState
# Open: someone still owes the resident something. Done / rated wait only for a rating or
# closing; closed, merged and declined are finished.
OPEN_STATES = frozenset(
    {
        S.RAISED,
        S.ACCEPTED,
        S.IN_HAND,
        S.DELIBERATING,
        S.DECIDED,
        S.REFERRED,
        S.WAITING,
        S.RECTIFYING,
        S.REOPENED,
    }
)
FINISHED_STATES = frozenset({S.CLOSED, S.MERGED, S.DECLINED})


class MatterAction(models.TextChoices):
    RAISE = "raise", _("提出")
    ACCEPT = "accept", _("受理")
    SETTLE = "settle", _("办结")
    ESCALATE = "escalate", _("上报")
    CONVENE = "convene", _("提交议事会")
    RESOLVE = "resolve", _("议事会决定")
    DECIDE = "decide", _("社区决定")
    REFER = "refer", _("转办部门")
    SIGN = "sign", _("部门签收")
    RETURN = "return", _("部门退回")
    EXTEND = "extend", _("申请延期")
    CHASE = "chase", _("催办")
    COMPLETE = "complete", _("落实完成")
    RATE = "rate", _("评价")
    RATE_BAD = "rate_bad", _("差评")
    RECTIFY = "rectify", _("整改完成")
    CLOSE = "close", _("关闭")
    REOPEN = "reopen", pgettext_lazy("action", "重新打开")
    MERGE = "merge", _("合并")
    DECLINE = "decline", pgettext_lazy("action", "不予受理")
    WITHDRAW = "withdraw", _("撤回")
    # Timeline-only entries (no state change).
    MERGED_IN = "merged_in", _("合并了重复事项")
    AWARD = "award", _("建议被采纳加分")
    AWARD_SKIPPED = "award_skipped", _("未能加分")
    FOLLOW = "follow", _("关注")
    ANSWER = "answer", _("部门答复")
    DEFER = "defer", _("移出议程")
    AGENDA = "agenda", _("列入议程")
    VOTE = "vote", _("表决")
    RETURN_VISIT = "return_visit", _("回访")
    APPEAL = "appeal", _("差评申诉")
    APPEAL_DECIDED = "appeal_decided", _("申诉裁定")
    FLAG = "flag", _("办不成事")
    FLAG_ANSWER = "flag_answer", _("办不成事答复")


class ReferralKind(models.TextChoices):
    CONSULTATION = "consultation", _("咨询")
    HELP = "help", _("求助")
    SUGGESTION = "suggestion", _("建议")
    COMPLAINT = "complaint", _("投诉")


# Working days a department has to handle a referral, by kind (defaults; a later session may
# move them into community settings).
REFERRAL_DUE_WORKDAYS: dict[str, int] = {
    ReferralKind.CONSULTATION: 5,
    ReferralKind.HELP: 10,
    ReferralKind.SUGGESTION: 15,
    ReferralKind.COMPLAINT: 15,
}
MAX_EXTENSION_WORKDAYS = 30


class ReferralState(models.TextChoices):
    SENT = "sent", _("已转办")
    ANSWERED = "answered", _("已答复")
    EXTENDED = "extended", _("已延期")
    RETURNED = "returned", _("已退回")
    DONE = "done", _("已办结")


REFERRAL_OPEN_STATES = frozenset(
    {ReferralState.SENT, ReferralState.ANSWERED, ReferralState.EXTENDED}
)


# Bounds of what people enter (the services refuse anything outside, the models carry them as
# validators). A community's matter settings, field → (lowest, highest): the quorum is more than
# half by law (城市居民委员会组织法); local rules give 2 to 15 working days to rectify.
SETTINGS_BOUNDS: dict[str, tuple[int, int]] = {
    "quorum_percent": (50, 99),
    "consultation_days": (1, 60),
    "help_days": (1, 60),
    "suggestion_days": (1, 60),
    "complaint_days": (1, 60),
    "rectification_days": (2, 15),
    "flag_days": (1, 30),
    "reminder_days": (0, 10),
}
MAX_BACKERS = 10_000  # residents backing one matter
