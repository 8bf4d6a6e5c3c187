"""Referrals (转办): staff refer a matter to one or more departments, one leading, each with a
due date in Chinese working days by kind; the department's handlers answer, ask for more time
before the due date (the reason is on the resident's timeline), return it with a reason, or
report the work done (the lead's report finishes the matter); a chase when a due date passes.

Each write: policy first (a matter or referral outside one's reach is not found), one durable
transaction, the matter row locked and then its referrals in primary-key order, the table's
``transition()`` asked after the locks, a timeline event and an audit row in the same
transaction. ``now`` back-dates a step (the demo's history); it defaults to the present."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.actors import Actor, is_system
from linli.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from linli.core.quarters import local_date
from linli.core.text import clean_text
from linli.core.workdays import WorkdayCalendar, add_workdays
from linli.people.models import Department

from .. import policies, workflows
from ..choices import (
    MAX_EXTENSION_WORKDAYS,
    REFERRAL_OPEN_STATES,
    MatterAction,
    MatterLevel,
    MatterState,
    ReferralKind,
    ReferralState,
)
from ..locks import lock_matter
from ..models import Matter, Referral
from ..selectors import calendar_for, matter_get_for_actor, matter_settings_for, referral_days
from ..texts import said
from .matters import (
    MAX_NOTE,
    _clean_text,
    _event,
    _user_or_none,
    community_staff_ids,
    department_handler_ids,
    matter_notify,
    matter_watchers,
)

A = MatterAction
S = MatterState
R = ReferralState
D = workflows.DEPARTMENT


# Referrals still owing their department's answer (an answered one is not chased).
CHASED_STATES = [R.SENT, R.EXTENDED]


def referral_due_on(
    referred_on: dt.date,
    kind: str,
    *,
    community_id: int | None = None,
    calendar: WorkdayCalendar | None = None,
) -> dt.date:
    """The due date of a referral of ``kind`` made on ``referred_on``: the community's
    working days for that kind (``MatterSettings``, defaults while it has none), counted on
    its calendar (the package plus operators' holidays and make-up days), so never a day off.
    """
    days = referral_days(matter_settings_for(community_id), kind)
    cal = calendar if calendar is not None else calendar_for(community_id)
    return add_workdays(referred_on, days, calendar=cal)


def _lock(matter_id: int, referral_id: int | None = None) -> tuple[Matter, Referral | None]:
    """The matter row, then its referrals in primary-key order (the one lock order)."""
    matter = lock_matter(matter_id)
    rows = {
        r.pk: r
        for r in Referral.objects.select_for_update()
        .filter(matter_id=matter_id)
        .order_by("pk")
        .select_related("department")
    }
    return matter, (rows.get(referral_id) if referral_id is not None else None)


def _move(
    matter: Matter, actor: Actor, action: str, kind: str, now: dt.datetime, **kw: Any
) -> None:
    """Take one step of the table on the locked matter (stamped, with its event)."""
    before = matter.state
    matter.state = workflows.transition(workflows.MATTER, before, action, kind)
    if matter.state == S.DONE:
        matter.finished_at = matter.finished_at or now
    matter.save()
    _event(matter, actor, action, kind=kind, from_state=before, when=now, **kw)


def _sign_if_new(matter: Matter, actor: Actor, referral: Referral, now: dt.datetime) -> None:
    """The first department step on a matter just referred signs for it (REFERRED → WAITING)."""
    if matter.state == S.REFERRED:
        _move(
            matter,
            actor,
            A.SIGN,
            D,
            now,
            note=said("sign", dept=referral.department),
            data={"referral": referral.pk, "department": referral.department_id},
        )


def _audit(actor: Actor, action: str, matter: Matter, referral: Referral, **data: Any) -> None:
    audit_record(
        actor=actor,
        action=f"matters.referral.{action}",
        target=matter,
        place_id=matter.place_id,
        data={"referral": referral.pk, "department": referral.department_id, **data},
    )


def matter_refer(
    *,
    actor: Actor,
    matter: Matter,
    departments: Sequence[Department],
    lead: Department,
    kind: str,
    note: str = "",
    due_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> list[Referral]:
    """Staff refer a matter to departments, ``lead`` leading, each due by ``kind``'s working
    days (or on an explicit ``due_on``, which must be a working day after today)."""
    now = now or timezone.now()
    seen = matter_get_for_actor(actor, matter.pk)
    if workflows.STAFF not in policies.actor_kinds(actor, seen):
        raise Forbidden(_("您不能进行此操作"))
    depts = list(dict.fromkeys(departments))
    if not depts:
        raise ValidationFailed(_("请选择转办部门"))
    if lead not in depts:
        raise ValidationFailed(_("牵头部门必须是转办部门之一"))
    if kind not in ReferralKind.values:
        raise ValidationFailed(_("请选择转办类型"))
    note = clean_text(note, limit=MAX_NOTE, multiline=True)
    today = local_date(now)
    calendar = calendar_for(seen.community_id)
    if due_on is not None:
        if due_on <= today:
            raise ValidationFailed(_("办理期限必须在今天之后"))
        if not calendar.is_workday(due_on):
            raise ValidationFailed(
                _("办理期限 %(day)s 是节假日或休息日，请选择工作日") % {"day": due_on.isoformat()}
            )
    due = due_on or referral_due_on(today, kind, community_id=seen.community_id, calendar=calendar)
    with transaction.atomic(durable=True):
        locked, _r = _lock(seen.pk)
        open_rows = list(
            Referral.objects.filter(matter=locked, state__in=sorted(REFERRAL_OPEN_STATES))
        )
        taken = {r.department_id for r in open_rows}
        if taken & {d.pk for d in depts}:
            raise Conflict(_("该事项已转办给其中的部门，正在办理中"))
        if any(r.lead for r in open_rows):
            raise Conflict(_("该事项已有牵头部门在办理"))
        before = locked.state
        target, act_kind = workflows.transition_any(
            before, A.REFER, policies.actor_kinds(actor, locked) & {workflows.STAFF}
        )
        made = [
            Referral.objects.create(
                matter=locked,
                department=d,
                lead=d.pk == lead.pk,
                kind=kind,
                referred_at=now,
                due_on=due,
                state=R.SENT,
            )
            for d in depts
        ]
        locked.state = target
        locked.level = MatterLevel.DEPARTMENT
        locked.save()
        _event(
            locked,
            actor,
            A.REFER,
            kind=act_kind,
            from_state=before,
            note=said(
                "refer.note" if note else "refer",
                depts=[str(d) for d in depts],
                lead=str(lead),
                kind=kind,
                due=due,
                **({"note": note} if note else {}),
            ),
            data={
                "referrals": [r.pk for r in made],
                "departments": [d.pk for d in depts],
                "lead": lead.pk,
                "kind": kind,
                "due_on": due.isoformat(),
            },
            when=now,
        )
        audit_record(
            actor=actor,
            action="matters.refer",
            target=locked,
            place_id=locked.place_id,
            data={"departments": [d.pk for d in depts], "lead": lead.pk, "due_on": str(due)},
        )
        matter_notify(
            matter_watchers(locked),
            locked,
            kind="matter.refer",
            params={"depts": [str(d) for d in depts], "due": due},
            actor=actor,
            when=now,
        )
        matter_notify(
            department_handler_ids([d.pk for d in depts]),
            locked,
            kind="referral.sent",
            params={"kind": kind, "due": due},
            actor=actor,
            when=now,
        )
    matter.refresh_from_db()
    return made


def _handler_referral(actor: Actor, referral: Referral) -> Referral:
    """The referral, if ``actor`` handles its department and may see its matter; else 404."""
    found = Referral.objects.filter(pk=referral.pk).first()
    if found is None or not policies.handles_referral(actor, found):
        raise NotFound(_("找不到该转办"))
    matter_get_for_actor(actor, found.matter_id)
    return found


def _open(referral: Referral) -> None:
    if referral.state not in REFERRAL_OPEN_STATES:
        raise Conflict(
            _("该转办已%(state)s，不能再操作") % {"state": ReferralState(referral.state).label}
        )


def referral_answer(
    *, actor: Actor, referral: Referral, answer: str, now: dt.datetime | None = None
) -> Referral:
    """The department's handler answers (the answer is on the matter's timeline)."""
    now = now or timezone.now()
    answer = _clean_text(answer, 2000, _("请填写答复内容"))
    found = _handler_referral(actor, referral)
    with transaction.atomic(durable=True):
        matter, row = _lock(found.matter_id, found.pk)
        assert row is not None
        _open(row)
        _sign_if_new(matter, actor, row, now)
        if matter.state != S.WAITING:
            raise Conflict(_("事项当前不在部门办理中"))
        row.state = R.ANSWERED
        row.answer = answer
        row.handled_by = _user_or_none(actor)
        row.save()
        _event(
            matter,
            actor,
            A.ANSWER,
            kind=D,
            note=said("answer", dept=row.department, answer=answer),
            data={"referral": row.pk, "department": row.department_id},
            when=now,
        )
        _audit(actor, "answer", matter, row)
        matter_notify(
            community_staff_ids(matter.community_id),
            matter,
            kind="referral.answer",
            params={"dept": row.department},
            actor=actor,
            when=now,
        )
    return row


def referral_extend(
    *,
    actor: Actor,
    referral: Referral,
    reason: str,
    days: int,
    now: dt.datetime | None = None,
) -> Referral:
    """More time (``days`` working days after the current due date), asked for no later than
    the due date itself, once per referral; the reason is shown to residents."""
    now = now or timezone.now()
    reason = _clean_text(reason, MAX_NOTE, _("申请延期需要说明理由"))
    if (
        isinstance(days, bool)
        or not isinstance(days, int)
        or not 1 <= days <= MAX_EXTENSION_WORKDAYS
    ):
        raise ValidationFailed(
            _("延期天数必须是 1 到 %(n)s 个工作日") % {"n": MAX_EXTENSION_WORKDAYS}
        )
    found = _handler_referral(actor, referral)
    with transaction.atomic(durable=True):
        matter, row = _lock(found.matter_id, found.pk)
        assert row is not None
        _open(row)
        if row.extended_due_on is not None:
            raise Conflict(_("该转办已延期过一次"))
        if local_date(now) > row.due_on:
            raise Conflict(_("已过办理期限（%(due)s），不能再申请延期") % {"due": row.due_on})
        _sign_if_new(matter, actor, row, now)
        new_due = add_workdays(row.due_on, days, calendar=calendar_for(matter.community_id))
        row.state = R.EXTENDED
        row.extension_reason = reason
        row.extended_due_on = new_due
        row.handled_by = _user_or_none(actor)
        row.save()
        _move(
            matter,
            actor,
            A.EXTEND,
            D,
            now,
            note=said("extend", dept=row.department, due=new_due, reason=reason),
            data={"referral": row.pk, "department": row.department_id, "due_on": str(new_due)},
        )
        _audit(actor, "extend", matter, row, due_on=str(new_due))
        matter_notify(
            [*community_staff_ids(matter.community_id), *matter_watchers(matter)],
            matter,
            kind="referral.extend",
            params={"dept": row.department, "due": new_due, "reason": reason},
            actor=actor,
            when=now,
        )
    return row


def referral_return(
    *, actor: Actor, referral: Referral, reason: str, now: dt.datetime | None = None
) -> Referral:
    """The department returns the referral with a reason. The lead's return (or the last open
    one's) brings the matter back to the community (RETURN: → in hand)."""
    now = now or timezone.now()
    reason = _clean_text(reason, MAX_NOTE, _("退回需要说明理由"))
    found = _handler_referral(actor, referral)
    with transaction.atomic(durable=True):
        matter, row = _lock(found.matter_id, found.pk)
        assert row is not None
        _open(row)
        row.state = R.RETURNED
        row.returned_reason = reason
        row.handled_by = _user_or_none(actor)
        row.save()
        others_open = Referral.objects.filter(
            matter=matter, state__in=sorted(REFERRAL_OPEN_STATES)
        ).exists()
        note = said("return", dept=row.department, reason=reason)
        data = {"referral": row.pk, "department": row.department_id}
        if row.lead or not others_open:
            _move(matter, actor, A.RETURN, D, now, note=note, data=data)
            matter.level = MatterLevel.COMMUNITY
            matter.save(update_fields=["level", "updated_at"])
        else:
            _event(matter, actor, A.RETURN, kind=D, note=note, data=data, when=now)
        _audit(actor, "return", matter, row)
        matter_notify(
            community_staff_ids(matter.community_id),
            matter,
            kind="referral.return",
            params={"dept": row.department, "reason": reason},
            actor=actor,
            when=now,
        )
    return row


def referral_complete(
    *, actor: Actor, referral: Referral, note: str, now: dt.datetime | None = None
) -> Referral:
    """The department reports its work done. The lead's report finishes the matter (COMPLETE:
    → done) and closes the other departments' open referrals with it."""
    now = now or timezone.now()
    note = _clean_text(note, 2000, _("请说明办理结果"))
    found = _handler_referral(actor, referral)
    with transaction.atomic(durable=True):
        matter, row = _lock(found.matter_id, found.pk)
        assert row is not None
        _open(row)
        _sign_if_new(matter, actor, row, now)
        data = {"referral": row.pk, "department": row.department_id}
        if row.lead:
            text = said("complete", dept=row.department, note=note)
            _move(matter, actor, A.COMPLETE, D, now, note=text, data=data)
            Referral.objects.filter(matter=matter, state__in=sorted(REFERRAL_OPEN_STATES)).exclude(
                pk=row.pk
            ).update(state=R.DONE, updated_at=now)
        else:
            if matter.state != S.WAITING:
                raise Conflict(_("事项当前不在部门办理中"))
            text = said("answer.done", dept=row.department, note=note)
            _event(matter, actor, A.ANSWER, kind=D, note=text, data=data, when=now)
        row.state = R.DONE
        if not row.answer:
            row.answer = note
        row.handled_by = _user_or_none(actor)
        row.save()
        _audit(actor, "complete", matter, row)
        matter_notify(
            community_staff_ids(matter.community_id),
            matter,
            kind="referral.complete",
            params={"dept": row.department},
            actor=actor,
            when=now,
        )
        if row.lead:
            matter_notify(
                matter_watchers(matter),
                matter,
                kind="matter.complete",
                params={"dept": row.department},
                actor=actor,
                when=now,
            )
    return row


def referral_chase(*, actor: Actor, now: dt.datetime | None = None) -> list[Referral]:
    """The scheduled chase: every referral not yet answered past its (extended) due date is
    chased once, with an event on its matter's timeline. Safe to run again: chased ones are
    skipped."""
    if not is_system(actor):
        raise Forbidden(_("您不能进行此操作"))
    now = now or timezone.now()
    today = local_date(now)
    candidates = list(
        Referral.objects.filter(state__in=CHASED_STATES, chased_at__isnull=True).order_by(
            "matter_id", "pk"
        )
    )
    chased: list[Referral] = []
    for cand in candidates:
        if cand.current_due >= today:
            continue
        with transaction.atomic(durable=True):
            matter, row = _lock(cand.matter_id, cand.pk)
            if row is None or row.state not in CHASED_STATES or row.chased_at is not None:
                continue
            if row.current_due >= today or matter.state not in (S.REFERRED, S.WAITING):
                continue
            row.chased_at = now
            row.save(update_fields=["chased_at", "updated_at"])
            _move(
                matter,
                actor,
                A.CHASE,
                workflows.SYSTEM,
                now,
                note=said("chase", dept=row.department, due=row.current_due),
                data={"referral": row.pk, "department": row.department_id},
            )
            _audit(actor, "chase", matter, row)
            due = row.current_due
            matter_notify(
                department_handler_ids([row.department_id]),
                matter,
                kind="referral.chase",
                params={"due": due},
                key=f"referral:{row.pk}:chase:{due}",
                when=now,
            )
            chased.append(row)
    return chased
