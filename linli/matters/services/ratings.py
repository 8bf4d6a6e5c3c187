"""好差评: the raiser rates the handling of a done matter, a bad rating opens a rectification
(整改) with a deadline in working days and a return visit (回访), the rater then rates the
rectification; a handler may appeal a bad rating as mistaken or malicious and a supervisor of
the street above decides.

Rounds: round 0 rates the handling, round N ≥ 1 rates the N-th rectification. When a matter is
done, the round to rate is the number of rectifications it has had (all of them done then).

Confidentiality (国办发〔2019〕51号: the rater's identity is kept from the handler): the rating
row keeps the rater (to refuse a second rating, to tell them the rectification is done, and
for the supervisor deciding an appeal), but the timeline event of a rating has *no actor*
(``actor=None``, ``actor_kind="raiser"``) and its data names no person; notifications to the
handlers name none either. The audit row records the rater, as every audit row records its
actor: audit rows are read by operators only (the admin), never by handlers.

An upheld appeal excludes the rating from the rates (``Rating.excluded``). If that rating
opened a rectification that is still open, the rectification stays open: the transition table
has no step that takes a matter out of rectifying other than ``RECTIFY`` by staff or the
department, and a supervisor is neither — so the handler still closes it with a note and a
return visit (which then says why nothing needed putting right). The appeal's decision on
the timeline says so.

Each write: policy first (a matter one cannot see is not found), one durable transaction, the
matter row locked first and then the rating/rectification/appeal rows, the state re-checked
after the lock, a timeline event and an audit row in the same transaction, notices to the
people concerned. ``now`` back-dates a step (the demo's history)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.actors import Actor, is_system
from linli.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from linli.core.quarters import local_date
from linli.core.text import clean_text, parse_int
from linli.core.workdays import add_workdays
from linli.notifications.services import notify
from linli.people.policies import signed_in_user

from .. import policies, workflows
from ..choices import MatterAction, MatterLevel, MatterState
from ..locks import lock_matter
from ..models import (
    BAD_LEVELS,
    AppealReason,
    AppealState,
    Matter,
    Rating,
    RatingAppeal,
    RatingLevel,
    Rectification,
    RectificationState,
)
from ..selectors import calendar_for, matter_get_for_actor, matter_settings_for
from ..selectors_ratings import (
    can_decide,
    handled_by_department,
    handler_kind,
    rating_round,
    rectifier_kinds,
    street_of,
)
from ..texts import said
from .matters import (
    _case,
    _clean_text,
    _event,
    _user_or_none,
    building_leader_ids,
    community_staff_ids,
    department_handler_ids,
    matter_notify,
    street_supervisor_ids,
)

A = MatterAction
S = MatterState
MAX_COMMENT = 500
MAX_NOTE = 2000
MAX_APPEAL = 1000
SUPERVISOR = "supervisor"  # the capacity a supervisor acts in (not a transition-table actor)


def handler_ids(matter: Matter, rating: Rating) -> list[int]:
    """Who hears of a bad rating and its deadline: the community's staff, the building's
    leaders when it was settled at building level, the handling department's handlers."""
    ids = community_staff_ids(matter.community_id)
    if rating.handled_level == MatterLevel.BUILDING:
        ids += building_leader_ids(matter.place_id)
    if rating.department_id is not None:
        ids += department_handler_ids([rating.department_id])
    return list(dict.fromkeys(ids))


def _level(value: Any) -> int:
    level = parse_int(value)
    if level is None or level not in RatingLevel.values:
        raise ValidationFailed(_("请选择评价"))
    return level


# --- rating ----------------------------------------------------------------------------------


def rating_give(
    *,
    actor: Actor,
    matter: Matter,
    level: int,
    comment: str = "",
    now: dt.datetime | None = None,
) -> Rating:
    """The raiser rates a done matter, once per round. Good and neutral levels: RATE (→ rated);
    the two lowest: RATE_BAD (→ rectifying) and a rectification due in the community's
    working days (``MatterSettings.rectification_days`` on its calendar). The event has no
    actor: the handlers never learn who rated."""
    now = now or timezone.now()
    level = _level(level)
    comment = clean_text(comment, limit=MAX_COMMENT, multiline=True)
    seen = matter_get_for_actor(actor, matter.pk)
    if workflows.RAISER not in policies.actor_kinds(actor, seen):
        raise Forbidden(_("只有提出这件事的居民可以评价"))
    rater = signed_in_user(actor)
    bad = level in BAD_LEVELS
    action = A.RATE_BAD if bad else A.RATE
    with transaction.atomic(durable=True):
        locked = lock_matter(seen.pk)
        mine = Rating.objects.filter(matter=locked, rater=rater)
        if locked.state != S.DONE:
            if locked.state in (S.RATED, S.RECTIFYING) and mine.exists():
                raise Conflict(_("您已经评价过了，谢谢"))
            raise Conflict(_("事项办结后才能评价"))
        round_ = rating_round(locked)
        if mine.filter(round=round_).exists():
            raise Conflict(_("您已经评价过了，谢谢"))
        before = locked.state
        target, kind = workflows.transition_any(
            before, action, policies.actor_kinds(actor, locked) & {workflows.RAISER}
        )
        try:
            with transaction.atomic():
                rating = Rating.objects.create(
                    matter=locked,
                    rater=rater,
                    round=round_,
                    level=level,
                    comment=comment,
                    handled_level=locked.level,
                    department_id=handled_by_department(locked),
                    created_at=now,
                )
        except IntegrityError:
            raise Conflict(_("您已经评价过了，谢谢")) from None
        locked.state = target
        locked.save()
        said_kind = "rate" if round_ == 0 else "rate.round"
        said_params: dict[str, Any] = (
            {"level": level} if round_ == 0 else {"n": round_, "level": level}
        )
        data: dict[str, Any] = {"round": round_, "level": level}
        rectification = None
        if bad:
            settings = matter_settings_for(locked.community_id)
            due = add_workdays(
                local_date(now),
                int(settings.rectification_days),
                calendar=calendar_for(locked.community_id),
            )
            rectification = Rectification.objects.create(
                matter=locked, rating=rating, round=round_ + 1, due_on=due, created_at=now
            )
            said_kind += ".rectify" if round_ == 0 else "_rectify"
            said_params["due"] = due
            data.update({"rectification": rectification.pk, "due_on": due.isoformat()})
        # No actor on the event: the rating must not name the rater to the handlers.
        note = said(said_kind, **said_params)
        _event(locked, None, action, kind=kind, from_state=before, note=note, data=data, when=now)
        audit_record(
            actor=actor,
            action=f"matters.{action}",
            target=locked,
            place_id=locked.place_id,
            data={"rating": rating.pk, "round": round_, "level": level},
        )
        if rectification is not None:
            due_text = rectification.due_on.isoformat()
            matter_notify(
                handler_ids(locked, rating),
                locked,
                kind="rating.bad",
                params={"level": level, "due": due_text},
                actor=actor,
                when=now,
            )
    matter.refresh_from_db()
    return rating


# --- rectification ---------------------------------------------------------------------------


def _rectification(actor: Actor, rectification: Rectification) -> tuple[Matter, Rectification]:
    found = (
        Rectification.objects.filter(pk=rectification.pk).select_related("rating").first()
        if rectification.pk
        else None
    )
    if found is None:
        raise NotFound(_("找不到该整改"))
    seen = matter_get_for_actor(actor, found.matter_id)
    return seen, found


def _lock_rectification(matter_id: int, pk: int) -> tuple[Matter, Rectification]:
    locked = lock_matter(matter_id)
    row = Rectification.objects.select_for_update().select_related("rating").get(pk=pk)
    return locked, row


def rectification_done(
    *,
    actor: Actor,
    rectification: Rectification,
    note: str,
    return_visit: str = "",
    now: dt.datetime | None = None,
) -> Rectification:
    """Staff of the community or the handling department's handler report the rectification
    done, with what was put right and the return visit (required here unless one was recorded
    already): RECTIFY (→ done). The rater is asked to rate the rectification (next round)."""
    now = now or timezone.now()
    note = _clean_text(note, MAX_NOTE, _("请说明整改情况"))
    return_visit = clean_text(return_visit, limit=MAX_NOTE, multiline=True)
    seen, found = _rectification(actor, rectification)
    if not rectifier_kinds(actor, seen, found):
        raise Forbidden(_("只有社区工作人员或承办部门可以整改"))
    with transaction.atomic(durable=True):
        locked, row = _lock_rectification(seen.pk, found.pk)
        if row.state != RectificationState.OPEN:
            raise Conflict(_("这次整改已经完成"))
        if not return_visit and not row.return_visit:
            raise ValidationFailed(_("请填写回访记录"))
        before = locked.state
        target, kind = workflows.transition_any(
            before, A.RECTIFY, rectifier_kinds(actor, locked, row)
        )
        visited = bool(return_visit)
        if visited:
            row.return_visit = _join(row.return_visit, return_visit)
        row.state = RectificationState.DONE
        row.note = note
        row.done_by = _user_or_none(actor)
        row.done_at = now
        row.save()
        locked.state = target
        locked.save()
        data = {"rectification": row.pk, "round": row.round}
        _event(
            locked,
            actor,
            A.RECTIFY,
            kind=kind,
            from_state=before,
            note=said("rectify", note=note),
            data=data,
            when=now,
        )
        if visited:
            _event(
                locked,
                actor,
                A.RETURN_VISIT,
                kind=kind,
                note=said("return_visit", text=return_visit),
                data=data,
                when=now,
            )
        audit_record(
            actor=actor,
            action="matters.rectify",
            target=locked,
            place_id=locked.place_id,
            data={"from": before, "to": target, **data},
        )
        matter_notify(
            [row.rating.rater_id],
            locked,
            kind="rating.rectified",
            actor=actor,
            when=now,
        )
    return row


def _join(before: str, more: str) -> str:
    return f"{before}\n{more}" if before else more


def rectification_visit(
    *,
    actor: Actor,
    rectification: Rectification,
    text: str,
    now: dt.datetime | None = None,
) -> Rectification:
    """Record a return visit (回访) on its own — before the rectification is reported done,
    or afterwards as a further visit. No state change; a RETURN_VISIT event."""
    now = now or timezone.now()
    text = _clean_text(text, MAX_NOTE, _("请填写回访记录"))
    seen, found = _rectification(actor, rectification)
    if not rectifier_kinds(actor, seen, found):
        raise Forbidden(_("只有社区工作人员或承办部门可以回访"))
    with transaction.atomic(durable=True):
        locked, row = _lock_rectification(seen.pk, found.pk)
        kinds = rectifier_kinds(actor, locked, row)
        kind = next(
            (k for k in (workflows.STAFF, workflows.DEPARTMENT) if k in kinds), workflows.SYSTEM
        )
        row.return_visit = _join(row.return_visit, text)
        row.save(update_fields=["return_visit"])
        data = {"rectification": row.pk, "round": row.round}
        _event(
            locked,
            actor,
            A.RETURN_VISIT,
            kind=kind,
            note=said("return_visit", text=text),
            data=data,
            when=now,
        )
        audit_record(
            actor=actor,
            action="matters.return_visit",
            target=locked,
            place_id=locked.place_id,
            data=data,
        )
    return row


# --- appeals ---------------------------------------------------------------------------------


def appeal_file(
    *,
    actor: Actor,
    rating: Rating,
    reason: str,
    text: str,
    now: dt.datetime | None = None,
) -> RatingAppeal:
    """A handler (staff of the community, the leader of the building where it was settled,
    the department's handler) appeals a bad rating as mistaken or malicious, once per rating.
    A supervisor of the street above decides (``appeal_decide``)."""
    now = now or timezone.now()
    if reason not in AppealReason.values:
        raise ValidationFailed(_("请选择申诉理由"))
    text = _clean_text(text, MAX_APPEAL, _("请说明申诉的理由"))
    found = Rating.objects.filter(pk=rating.pk).first() if rating.pk else None
    if found is None:
        raise NotFound(_("找不到该评价"))
    seen = matter_get_for_actor(actor, found.matter_id)
    kind = handler_kind(actor, seen, found)
    if not kind:
        raise Forbidden(_("只有办理这件事的工作人员可以申诉"))
    appellant = signed_in_user(actor)
    if not found.is_bad:
        raise ValidationFailed(_("只能对差评提出申诉"))
    with transaction.atomic(durable=True):
        locked = lock_matter(seen.pk)
        row = Rating.objects.select_for_update().get(pk=found.pk)
        if RatingAppeal.objects.filter(rating=row).exists():
            raise Conflict(_("这条评价已经申诉过了"))
        try:
            with transaction.atomic():
                appeal = RatingAppeal.objects.create(
                    rating=row,
                    appellant=appellant,
                    reason=reason,
                    text=text,
                    created_at=now,
                )
        except IntegrityError:
            raise Conflict(_("这条评价已经申诉过了")) from None
        # The appeal's text stays on the appeal (it may speak of the rater); the timeline says
        # only that there is one.
        _event(
            locked,
            actor,
            A.APPEAL,
            kind=kind,
            note=said("appeal", reason=reason),
            data={"appeal": appeal.pk, "reason": reason, "round": row.round},
            when=now,
        )
        audit_record(
            actor=actor,
            action="matters.appeal",
            target=locked,
            place_id=locked.place_id,
            data={"appeal": appeal.pk, "rating": row.pk, "reason": reason},
        )
        street = street_of(locked)
        if street is not None:
            notify(
                street_supervisor_ids(street),
                kind="rating.appeal",
                params={**_case(locked), "reason": reason},
                url=reverse("web:appeal_queue"),
                exclude=_user_or_none(actor),
                when=now,
            )
    return appeal


def appeal_decide(
    *,
    actor: Actor,
    appeal: RatingAppeal,
    upheld: bool,
    decision: str,
    now: dt.datetime | None = None,
) -> RatingAppeal:
    """A supervisor whose places cover the matter decides a pending appeal: upheld → the rating
    is excluded from the rates; dismissed → it stays. A supervisor elsewhere does not find it.
    An open rectification the rating opened stays open (see the module's docstring)."""
    now = now or timezone.now()
    if not isinstance(upheld, bool):
        raise ValidationFailed(_("请选择裁定结果"))
    decision = _clean_text(decision, MAX_APPEAL, _("请填写裁定意见"))
    found = (
        RatingAppeal.objects.filter(pk=appeal.pk).select_related("rating").first()
        if appeal.pk
        else None
    )
    if found is None:
        raise NotFound(_("找不到该申诉"))
    seen = matter_get_for_actor(actor, found.rating.matter_id)
    if not can_decide(actor, seen):
        # They see the matter (else: not found above) but do not oversee it.
        raise Forbidden(_("只有街道督办可以裁定申诉"))
    with transaction.atomic(durable=True):
        locked = lock_matter(seen.pk)
        rating = Rating.objects.select_for_update().get(pk=found.rating_id)
        row = RatingAppeal.objects.select_for_update().get(pk=found.pk)
        if row.state != AppealState.PENDING:
            raise Conflict(_("这条申诉已经裁定过了"))
        row.state = AppealState.UPHELD if upheld else AppealState.DISMISSED
        row.decided_by = _user_or_none(actor)
        row.decision = decision
        row.decided_at = now
        row.save()
        still_open = False
        if upheld:
            rating.excluded = True
            rating.save(update_fields=["excluded"])
            still_open = Rectification.objects.filter(
                rating=rating, state=RectificationState.OPEN
            ).exists()
        if not upheld:
            note = said("appeal_decided.rejected")
        elif still_open:
            note = said("appeal_decided.upheld_open")
        else:
            note = said("appeal_decided.upheld")
        _event(
            locked,
            actor,
            A.APPEAL_DECIDED,
            kind=SUPERVISOR if not is_system(actor) else workflows.SYSTEM,
            note=note,
            data={"appeal": row.pk, "state": row.state, "round": rating.round},
            when=now,
        )
        audit_record(
            actor=actor,
            action="matters.appeal_decide",
            target=locked,
            place_id=locked.place_id,
            data={"appeal": row.pk, "rating": rating.pk, "state": row.state},
        )
        matter_notify(
            [row.appellant_id],
            locked,
            kind="rating.appeal_decided",
            params={"state": row.state},
            actor=actor,
            when=now,
        )
        if upheld:
            matter_notify(
                [rating.rater_id],
                locked,
                kind="rating.excluded",
                actor=actor,
                when=now,
            )
    return row
