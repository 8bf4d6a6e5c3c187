"""办不成事: any resident who can see a matter may say it "could not get done". The flag goes
to the supervisors of the street above the matter's community, who must answer by a due date
in working days (``MatterSettings.flag_days`` on the community's calendar).

Flagging is a complaint about the handlers, so the flagger is kept from them: the timeline
event of a flag has no actor (``actor_kind="resident"``) and names nobody; the supervisors see
who flagged (they answer them), the flagger sees their own flags. One open flag per person per
matter (a unique constraint backs it); after an answer the same person may flag again.

Each write: policy first, one durable transaction, the matter row locked and then the flag,
the state re-checked after the lock, a timeline event and an audit row in the same
transaction, notices to those concerned. ``now`` back-dates a step (the demo's history)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.actors import Actor, is_system
from linli.core.errors import Conflict, Forbidden, NotFound
from linli.core.quarters import local_date
from linli.core.workdays import add_workdays
from linli.notifications.services import notify
from linli.people import policies as people_policies

from .. import policies, workflows
from ..choices import MatterAction, MatterState
from ..locks import lock_matter
from ..models import Flag, FlagState, Matter
from ..selectors import calendar_for, matter_get_for_actor, matter_settings_for
from ..selectors_ratings import SUPERVISORS, street_of
from ..texts import said
from .matters import _case, _clean_text, _event, _user_or_none, matter_notify, street_supervisor_ids
from .ratings import SUPERVISOR

A = MatterAction
MAX_TEXT = 1000
RESIDENT = "resident"  # the capacity a flagger acts in (any resident who sees the matter)


def can_flag(actor: Actor, matter: Matter) -> bool:
    """A resident (someone with a current resident row) who can see the matter; not a merged
    one (flag the matter it was merged into)."""
    return (
        bool(policies.own_residents(actor))
        and matter.state != MatterState.MERGED
        and policies.can_see(actor, matter)
    )


def can_answer(actor: Actor, flag: Flag) -> bool:
    """A supervisor whose grant covers the flag's street (or the system)."""
    return is_system(actor) or people_policies.can_roles(actor, SUPERVISORS, flag.street)


def _queue_url() -> str:
    return reverse("web:flag_queue")


def flag_raise(*, actor: Actor, matter: Matter, text: str, now: dt.datetime | None = None) -> Flag:
    """A resident who can see ``matter`` flags it as 办不成事, with what is stuck. It goes to
    the supervisors of the street above, due in ``flag_days`` working days."""
    now = now or timezone.now()
    text = _clean_text(text, MAX_TEXT, _("请说说这件事哪里办不成"))
    seen = matter_get_for_actor(actor, matter.pk)
    if not policies.own_residents(actor):
        raise Forbidden(_("只有居民可以反映办不成事"))
    flagger = people_policies.signed_in_user(actor)
    if seen.state == MatterState.MERGED:
        raise Conflict(_("该事项已合并，请到合并后的事项反映"))
    street = street_of(seen)
    if street is None:
        raise Conflict(_("找不到该事项所属的街道"))
    with transaction.atomic(durable=True):
        locked = lock_matter(seen.pk)
        if Flag.objects.filter(matter=locked, flagged_by=flagger, state=FlagState.OPEN).exists():
            raise Conflict(_("您已经反映过这件事，街道正在处理，请耐心等待答复"))
        settings = matter_settings_for(locked.community_id)
        due = add_workdays(
            local_date(now), int(settings.flag_days), calendar=calendar_for(locked.community_id)
        )
        try:
            with transaction.atomic():
                flag = Flag.objects.create(
                    matter=locked,
                    street=street,
                    flagged_by=flagger,
                    text=text,
                    due_on=due,
                    created_at=now,
                )
        except IntegrityError:
            raise Conflict(_("您已经反映过这件事，街道正在处理，请耐心等待答复")) from None
        # No actor on the event: the handlers do not learn who flagged them.
        _event(
            locked,
            None,
            A.FLAG,
            kind=RESIDENT,
            note=said("flag", street=street.name, due=due),
            data={"flag": flag.pk, "street": street.pk, "due_on": due.isoformat()},
            when=now,
        )
        audit_record(
            actor=actor,
            action="matters.flag",
            target=locked,
            place_id=locked.place_id,
            data={"flag": flag.pk, "street": street.pk},
        )
        due_text = due.isoformat()
        notify(
            street_supervisor_ids(street),
            kind="flag.raised",
            params={**_case(locked), "due": due_text},
            url=_queue_url(),
            exclude=_user_or_none(actor),
            when=now,
        )
    matter.refresh_from_db()
    return flag


def flag_answer(*, actor: Actor, flag: Flag, answer: str, now: dt.datetime | None = None) -> Flag:
    """A supervisor whose grant covers the flag's street answers it (on the timeline; the
    flagger hears of it). Others who see the matter are refused; others are not found."""
    now = now or timezone.now()
    answer = _clean_text(answer, MAX_TEXT, _("请填写答复内容"))
    found = Flag.objects.filter(pk=flag.pk).select_related("street").first() if flag.pk else None
    if found is None:
        raise NotFound(_("找不到该反映"))
    matter_get_for_actor(actor, found.matter_id)
    if not can_answer(actor, found):
        raise Forbidden(_("只有街道督办可以答复办不成事"))
    with transaction.atomic(durable=True):
        locked = lock_matter(found.matter_id)
        row = Flag.objects.select_for_update().get(pk=found.pk)
        if row.state != FlagState.OPEN:
            raise Conflict(_("这条反映已经答复过了"))
        row.state = FlagState.ANSWERED
        row.answer = answer
        row.answered_by = _user_or_none(actor)
        row.answered_at = now
        row.save()
        _event(
            locked,
            actor,
            A.FLAG_ANSWER,
            kind=SUPERVISOR if not is_system(actor) else workflows.SYSTEM,
            note=said("flag_answer", answer=answer),
            data={"flag": row.pk},
            when=now,
        )
        audit_record(
            actor=actor,
            action="matters.flag_answer",
            target=locked,
            place_id=locked.place_id,
            data={"flag": row.pk},
        )
        matter_notify(
            [row.flagged_by_id],
            locked,
            kind="flag.answered",
            actor=actor,
            when=now,
        )
    return row
