"""今天要办 on the home page: the domain's ``selectors_today`` answers (what waits, how many,
which row), composed per persona and turned into one sentence and one link each.

Every item is one tap from its action: when one row waits, the link opens that row (the
matter, the rectification, the preview, the list with her line); when several wait, the
page that lists them. The count of everything waiting is kept in the session for the
menu's badge (read by ``common.context_processors`` without a query)."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from linli.activities import selectors_today as activities_today
from linli.core.quarters import local_date
from linli.core.today import TodayItem, TodayRow, only_due
from linli.matters import selectors_today as matters_today
from linli.people import selectors_today as people_today
from linli.people.models import Resident
from linli.points import selectors_today as points_today
from linli.web.common.context_processors import TODAY_SESSION_KEY


@dataclass(frozen=True)
class Link:
    url: str
    title: str
    when: str
    overdue: bool


@dataclass(frozen=True)
class Todo:
    """One line of 今天要办 as the page shows it."""

    kind: str
    count: int
    text: str
    url: str
    note: str  # the due date, the overdue count … ("" if nothing to add)
    urgent: bool
    rows: tuple[Link, ...]


def _day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = local_date(value)
    return value.isoformat()


def _when(value: dt.date | dt.datetime | None) -> str:
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value)
        return local.strftime("%Y-%m-%d %H:%M")
    return _day(value)


def _one_or_list(item: TodayItem, one: str, one_args: list[Any], many: str) -> str:
    if item.first is not None and item.count == 1:
        return reverse(one, args=one_args or [item.first])
    return many


def _text(item: TodayItem) -> tuple[str, str, str]:
    """(sentence, link, note) for one item."""
    n = item.count
    k = item.kind
    late = (
        ngettext("%(n)d 件已超期", "%(n)d 件已超期", item.overdue) % {"n": item.overdue}
        if item.overdue
        else ""
    )
    if k == matters_today.ACCEPT:
        return (
            ngettext("%(n)d 件事项待受理", "%(n)d 件事项待受理", n) % {"n": n},
            _one_or_list(item, "web:matter_detail", [], reverse("web:matter_list")),
            _("最早提出于 %(day)s") % {"day": _day(item.due)} if item.due else "",
        )
    if k == matters_today.REFERRALS_DUE:
        return (
            ngettext("%(n)d 件转办已超期或本周到期", "%(n)d 件转办已超期或本周到期", n) % {"n": n},
            _one_or_list(item, "web:matter_detail", [], reverse("web:matter_list")),
            late,
        )
    if k == matters_today.RECTIFY:
        return (
            ngettext("%(n)d 件差评待整改", "%(n)d 件差评待整改", n) % {"n": n},
            _one_or_list(item, "web:rating_rectify", [], reverse("web:matter_list")),
            late or (_("期限 %(day)s") % {"day": _day(item.due)} if item.due else ""),
        )
    if k == matters_today.LEADER_WAITING:
        new = item.extra.get("new", 0)
        return (
            ngettext("本楼栋 %(n)d 件事项等您办理", "本楼栋 %(n)d 件事项等您办理", n) % {"n": n},
            _one_or_list(
                item, "web:matter_detail", [], reverse("web:matter_list") + "?level=building"
            ),
            ngettext("其中 %(n)d 件待受理", "其中 %(n)d 件待受理", new) % {"n": new} if new else "",
        )
    if k == matters_today.NEXT_MEETING:
        where = item.extra.get("location") or ""
        return (
            _("下一次议事会：%(title)s") % {"title": item.extra.get("title", "")},
            reverse("web:meeting_detail", args=[item.first]),
            _when(item.due) + (f" · {where}" if where else ""),
        )
    if k == matters_today.RATE:
        return (
            ngettext("%(n)d 件已办结的事项等您评价", "%(n)d 件已办结的事项等您评价", n) % {"n": n},
            _one_or_list(item, "web:rating_give", [], reverse("web:matter_list")),
            "",
        )
    if k == matters_today.DEPARTMENT_REFERRALS:
        return (
            ngettext("%(n)d 件转办待办理", "%(n)d 件转办待办理", n) % {"n": n},
            _one_or_list(item, "web:matter_detail", [], reverse("web:matter_referrals")),
            late or (_("最近期限 %(day)s") % {"day": _day(item.due)} if item.due else ""),
        )
    if k == matters_today.FLAGS:
        return (
            ngettext("%(n)d 件办不成事待答复", "%(n)d 件办不成事待答复", n) % {"n": n},
            reverse("web:flag_queue"),
            late,
        )
    if k == matters_today.APPEALS:
        return (
            ngettext("%(n)d 件差评申诉待裁定", "%(n)d 件差评申诉待裁定", n) % {"n": n},
            reverse("web:appeal_queue"),
            "",
        )
    if k == matters_today.STREET_OVERDUE:
        return (
            ngettext("辖区 %(n)d 件转办已超期", "辖区 %(n)d 件转办已超期", n) % {"n": n},
            _one_or_list(item, "web:matter_detail", [], reverse("web:board")),
            "",
        )
    if k == points_today.PROPOSALS:
        return (
            ngettext("%(n)d 条加分提议待审核", "%(n)d 条加分提议待审核", n) % {"n": n},
            reverse("web:points_proposals"),
            "",
        )
    if k == points_today.OBJECTIONS:
        return (
            ngettext("公示期内 %(n)d 条异议待处理", "公示期内 %(n)d 条异议待处理", n) % {"n": n},
            reverse("web:publication_objections", args=[item.first])
            if item.first
            else reverse("web:publication_list"),
            "",
        )
    if k == points_today.HAND_OVER:
        return (
            ngettext("%(n)d 份兑换待领取", "%(n)d 份兑换待领取", n) % {"n": n},
            reverse("web:shop_orders") + "?status=placed",
            "",
        )
    if k == points_today.VOUCHERS_EXPIRING:
        return (
            ngettext("%(n)d 张兑换券即将过期", "%(n)d 张兑换券即将过期", n) % {"n": n},
            reverse("web:shop_orders") + "?status=voucher",
            _("%(day)s 过期") % {"day": _day(item.due)} if item.due else "",
        )
    if k == points_today.RETURNED:
        return (
            ngettext("%(n)d 条加分提议被退回", "%(n)d 条加分提议被退回", n) % {"n": n},
            reverse("web:points_proposals"),
            "",
        )
    if k == points_today.REDEEM:
        balance = item.extra.get("balance", 0)
        return (
            _("兑换期开放中，您有 %(n)d 积分可用") % {"n": balance},
            reverse("web:shop_home"),
            _("%(day)s 截止") % {"day": _when(item.due)},
        )
    if k == points_today.MY_LINE:
        return (
            _("积分公示中，请核对您的一行"),
            reverse("web:publication_object", args=[item.first, item.extra.get("position", 0)]),
            _("%(day)s 前可提出异议") % {"day": _when(item.due)},
        )
    if k == points_today.VOUCHERS_CONFIRM:
        return (
            ngettext("%(n)d 张兑换券待核销", "%(n)d 张兑换券待核销", n) % {"n": n},
            reverse("web:shop_sponsor"),
            "",
        )
    if k == activities_today.SIGNED_UP:
        return (
            ngettext("您报名了 %(n)d 个活动", "您报名了 %(n)d 个活动", n) % {"n": n},
            _one_or_list(item, "web:activity_detail", [], reverse("web:volunteer_record")),
            "",
        )
    if k == people_today.IMPORTS_PREVIEW:
        return (
            ngettext("%(n)d 份居民导入待确认", "%(n)d 份居民导入待确认", n) % {"n": n},
            _one_or_list(item, "web:resident_import_preview", [], reverse("web:resident_import")),
            "",
        )
    raise ValueError(k)  # a kind without a sentence is a programming error


ROW_TARGETS = {
    matters_today.REFERRALS_DUE: "web:matter_detail",
    matters_today.DEPARTMENT_REFERRALS: "web:matter_detail",
    matters_today.STREET_OVERDUE: "web:matter_detail",
    activities_today.SIGNED_UP: "web:activity_detail",
}


def _link(kind: str, row: TodayRow) -> Link:
    return Link(
        url=reverse(ROW_TARGETS[kind], args=[row.pk]),
        title=row.title,
        when=_when(row.when),
        overdue=row.overdue,
    )


def today_items(user: Any, residents: list[Resident], now: dt.datetime) -> list[TodayItem]:
    """Everything waiting for ``user`` now, in the order the home page lists it: each
    persona's selectors ask their policies first, so a role one lacks costs no query."""
    day = local_date(now)
    items = [
        *matters_today.today_for_staff(user, day),
        *points_today.today_for_staff(user, now),
        *people_today.today_for_staff(user),
        *matters_today.today_for_leader(user, now),
        *points_today.today_for_leader(user, now),
        *matters_today.today_for_department(user, day),
        *matters_today.today_for_supervisor(user, day),
        *points_today.today_for_sponsor(user),
        *matters_today.today_for_resident(user, residents),
        *activities_today.today_for_resident(residents, now),
        *points_today.today_for_resident(residents, now),
    ]
    return only_due(items)


def todo_list(request: HttpRequest, residents: list[Resident]) -> list[Todo]:
    """The home page's 今天要办, and the menu badge's count saved in the session."""
    now = timezone.now()
    items = today_items(request.user, residents, now)
    out: list[Todo] = []
    for item in items:
        text, url, note = _text(item)
        out.append(
            Todo(
                kind=item.kind,
                count=item.count,
                text=text,
                url=url,
                note=note,
                urgent=item.overdue > 0,
                rows=tuple(_link(item.kind, r) for r in item.rows)
                if item.kind in ROW_TARGETS and item.count > 1
                else (),
            )
        )
    total = sum(i.count for i in items)
    request.session[TODAY_SESSION_KEY] = {"n": total, "at": int(time.time())}
    return out
