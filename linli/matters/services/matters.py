"""Writes for matters. Each one: policy first, one durable transaction, the matter row locked,
``transition()`` asked after the lock, stamped, with its timeline event and audit row in the
same transaction. Photos are checked and stored before any lock is taken."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.actors import Actor, is_system
from linli.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from linli.core.quarters import local_date
from linli.core.text import clean_text
from linli.core.uploads import (
    MATTER_PHOTO,
    upload_check_many,
    upload_discard,
    upload_store_many,
)
from linli.notifications.services import notify
from linli.people.choices import Role
from linli.people.models import Resident, RoleGrant, User
from linli.people.policies import acting_user
from linli.places.choices import PlaceKind
from linli.places.models import Place

from .. import policies, workflows
from ..choices import (
    FINISHED_STATES,
    MAX_BACKERS,
    MatterAction,
    MatterKind,
    MatterLevel,
    MatterSource,
    MatterState,
    next_level,
)
from ..locks import lock_matter, lock_matters, next_case_number
from ..models import Matter, MatterEvent, MatterFollower, MatterPhoto
from ..selectors import matter_get_for_actor
from ..texts import EVENTS, Said, said

A = MatterAction
S = MatterState
MAX_PHOTOS = 9
MAX_TITLE = 80
MAX_TEXT = 2000
MAX_NOTE = 1000
MAX_NAME = 32
# States whose entry stamps ``finished_at`` (the age stops counting).
STOPS_CLOCK = FINISHED_STATES | {S.DONE}


def _user_or_none(actor: Actor | None) -> User | None:
    return acting_user(actor)


def _event(
    matter: Matter,
    actor: Actor | None,
    action: str,
    *,
    kind: str = "",
    from_state: str = "",
    to_state: str = "",
    note: str | Said = "",
    data: dict[str, Any] | None = None,
    when: dt.datetime | None = None,
) -> MatterEvent:
    """Append a line to the matter's timeline. ``note`` is either what a person typed (kept
    as typed) or ``said(kind, **params)``: a line the system writes, stored as its kind and
    parameters and rendered in each reader's language."""
    note_kind, note_params = "", {}
    if isinstance(note, Said):
        note_kind, note_params = note.kind, note.params
        with translation.override(settings.LANGUAGE_CODE):
            note = EVENTS.render(note_kind, note_params) or ""
    return MatterEvent.objects.create(
        matter=matter,
        actor=_user_or_none(actor),
        actor_kind=kind,
        action=action,
        from_state=from_state,
        to_state=to_state or (matter.state if from_state else ""),
        level=matter.level,
        note_kind=note_kind,
        note_params=note_params,
        note=note,
        data=data or {},
        created_at=when or timezone.now(),
    )


def _follow(matter: Matter, actor: Actor) -> None:
    user = _user_or_none(actor)
    if user is not None:
        MatterFollower.objects.get_or_create(matter=matter, user=user)


def _clean_text(value: str, limit: int, message: str, *, multiline: bool = True) -> str:
    """Required text through the shared hygiene (``linli.core.text``)."""
    return clean_text(value, limit=limit, required=message, multiline=multiline)


def _case_number(community: Place, number: int, year: int) -> str:
    short = community.name.removesuffix("社区").removesuffix("村") or community.name
    return f"{short}-{year}-{number:04d}"


# --- who a step concerns (notifications) ------------------------------------------------------
#
# Services tell people inside their own transaction (``notify`` writes rows; the daily digest
# mails them later), never the actor themself. Texts are callables so each recipient reads
# them in their own language.


def matter_url(matter_id: int) -> str:
    """The matter page's path, resolved by its URL name at run time (matters does not import
    the web layer; the name is the contract)."""
    return reverse("web:matter_detail", args=[matter_id])


def _active_grants() -> Any:
    return RoleGrant.objects.filter(revoked_at__isnull=True, user__is_active=True)


def matter_watchers(matter: Matter) -> list[int]:
    """The raiser (the resident it was raised for, too) and the matter's followers."""
    ids = list(
        MatterFollower.objects.filter(matter_id=matter.pk)
        .order_by("pk")
        .values_list("user_id", flat=True)
    )
    if matter.raised_by_id is not None:
        ids.insert(0, matter.raised_by_id)
    if matter.resident_id is not None:
        ids.extend(
            Resident.objects.filter(pk=matter.resident_id, user__isnull=False).values_list(
                "user_id", flat=True
            )
        )
    return list(dict.fromkeys(i for i in ids if i is not None))


def building_leader_ids(building_id: int | None) -> list[int]:
    if building_id is None:
        return []
    return list(
        _active_grants()
        .filter(role=Role.BUILDING_LEADER, place_id=building_id)
        .values_list("user_id", flat=True)
        .distinct()
    )


def community_staff_ids(community_id: int | None) -> list[int]:
    """The community's staff and secretaries (not operators: they run the system)."""
    if community_id is None:
        return []
    return list(
        _active_grants()
        .filter(role__in=[Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY], place_id=community_id)
        .values_list("user_id", flat=True)
        .distinct()
    )


def department_handler_ids(department_ids: Sequence[int]) -> list[int]:
    """The handlers (部门经办人) of these departments."""
    if not department_ids:
        return []
    return list(
        _active_grants()
        .filter(role=Role.DEPARTMENT_HANDLER, department_id__in=list(department_ids))
        .values_list("user_id", flat=True)
        .distinct()
    )


def street_supervisor_ids(street: Place) -> list[int]:
    """Supervisors on the street or on a district or city above it."""
    places = [p for p in (street.pk, street.district_id, street.city_id) if p is not None]
    return list(
        _active_grants()
        .filter(role=Role.SUPERVISOR, place_id__in=places)
        .values_list("user_id", flat=True)
        .distinct()
    )


def _case(matter: Matter) -> dict[str, str]:
    return {"case": matter.case_number, "title": matter.title}


def matter_notify(
    users: Sequence[int],
    matter: Matter,
    *,
    kind: str,
    params: dict[str, Any] | None = None,
    actor: Actor | None = None,
    key: str = "",
    when: dt.datetime | None = None,
) -> int:
    """Tell ``users`` about a step on ``matter`` (linking to its page), never the actor: a
    notice of ``kind`` (``matters.texts.NOTICES``) with the matter's case and title and
    ``params``."""
    return notify(
        users,
        kind=kind,
        params={**_case(matter), **(params or {})},
        url=matter_url(matter.pk),
        key=key,
        exclude=_user_or_none(actor),
        when=when,
    )


# What the raiser and followers are told when their matter changes state (by the step taken):
# the notice's kind is ``matter.<action>``; these steps' notices take parameters.
STEP_NOTICES = {A.ACCEPT, A.SETTLE, A.ESCALATE, A.DECIDE, A.DECLINE, A.REOPEN, A.CLOSE, A.WITHDRAW}


def _step_params(matter: Matter, action: str, note: str) -> dict[str, Any]:
    if action == A.ESCALATE:
        return {"level": matter.level}
    if action == A.DECLINE:
        return {"reason": note}
    return {}


def _tell_step(
    matter: Matter, actor: Actor, action: str, note: str, when: dt.datetime | None
) -> None:
    """Inside the step's transaction: the raiser and followers hear of it; when a matter is
    carried up to the compound or the community, that level's handlers (the community's
    staff) hear of it too."""
    if action not in STEP_NOTICES:
        return
    matter_notify(
        matter_watchers(matter),
        matter,
        kind=f"matter.{action}",
        params=_step_params(matter, action, note),
        actor=actor,
        when=when,
    )
    if action == A.ESCALATE:
        matter_notify(
            community_staff_ids(matter.community_id),
            matter,
            kind="matter.escalated",
            params={"level": matter.level},
            actor=actor,
            when=when,
        )


def _tell_raised(matter: Matter, actor: Actor, when: dt.datetime | None) -> None:
    """A new matter: its building's leaders hear of one raised at building level, the
    community's staff of one raised at compound level."""
    if matter.level == MatterLevel.BUILDING:
        users = building_leader_ids(matter.place_id)
    else:
        users = community_staff_ids(matter.community_id)
    matter_notify(
        users,
        matter,
        kind="matter.raised",
        params={"place": matter.place.name},
        actor=actor,
        when=when,
    )


# --- raising ---------------------------------------------------------------------------------


def matter_raise(
    *,
    actor: Actor,
    place: Place,
    kind: str,
    title: str,
    description: str = "",
    source: str = MatterSource.RESIDENT,
    on_behalf_of_name: str = "",
    backers: int = 1,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    photos: Sequence[Any] = (),
    when: dt.datetime | None = None,
) -> Matter:
    """Raise a matter at a building or compound: a resident for their own, a building leader
    on residents' behalf (how many back it, who asked), staff from the 微议事 group or a
    visit. The raiser follows it. Its level is the place's (building or compound)."""
    if place.kind not in (PlaceKind.BUILDING, PlaceKind.COMPOUND) or place.community_id is None:
        raise ValidationFailed(_("请选择楼栋或小区"))
    own = policies.own_residents(actor)
    resident = next(
        (
            r
            for r in own
            if r.household.building_id == place.pk or r.household.compound_id == place.pk
        ),
        None,
    )
    if source == MatterSource.RESIDENT:
        if resident is None and not is_system(actor):
            raise NotFound(_("只能为自己所在的楼栋或小区提出事项"))
    elif source == MatterSource.LEADER:
        building_ok = policies.can(actor, policies.MatterAction.RAISE_FOR, place)
        compound_ok = place.kind == PlaceKind.COMPOUND and any(
            b.compound_id == place.pk
            for b in policies.places_for(actor, policies.MatterAction.RAISE_FOR)
        )
        if not (building_ok or compound_ok or is_system(actor)):
            raise NotFound(_("只能为自己负责的楼栋代居民提出事项"))
        resident = None
    elif source in (MatterSource.GROUP, MatterSource.VISIT):
        if not policies.can(actor, policies.MatterAction.ENTER, place):
            raise NotFound(_("找不到该地点"))
        resident = None
    else:
        raise ValidationFailed(_("来源不正确"))
    if kind not in MatterKind.values:
        raise ValidationFailed(_("请选择类型"))
    title = _clean_text(title, MAX_TITLE, _("请填写标题"), multiline=False)
    description = clean_text(description, limit=MAX_TEXT, multiline=True, label=_("内容"))
    on_behalf_of_name = clean_text(on_behalf_of_name, limit=MAX_NAME, label=_("代谁反映"))
    if not isinstance(backers, int) or isinstance(backers, bool) or not 1 <= backers <= MAX_BACKERS:
        raise ValidationFailed(_("附议居民数必须是正整数"))
    for value, low, high in ((latitude, -90, 90), (longitude, -180, 180)):
        if value is None:
            continue
        if not (
            isinstance(value, Decimal | int)
            and Decimal(value).is_finite()
            and Decimal(low) <= Decimal(value) <= Decimal(high)
        ):
            raise ValidationFailed(_("位置不正确"))
    files = upload_check_many(photos, kind=MATTER_PHOTO, limit=MAX_PHOTOS, field="photos")
    now = when or timezone.now()
    stored = upload_store_many(files, kind=MATTER_PHOTO)
    try:
        with transaction.atomic(durable=True):
            community = Place.objects.get(pk=place.community_id)
            year = local_date(now).year
            number = next_case_number(community.pk, year)
            matter = Matter.objects.create(
                community=community,
                place=place,
                case_number=_case_number(community, number, year),
                kind=kind,
                title=title,
                description=description,
                latitude=latitude,
                longitude=longitude,
                source=source,
                raised_by=_user_or_none(actor),
                on_behalf_of_name=on_behalf_of_name,
                backers=backers,
                resident=resident,
                level=MatterLevel.BUILDING
                if place.kind == PlaceKind.BUILDING
                else MatterLevel.COMPOUND,
                state=S.RAISED,
                raised_at=now,
            )
            MatterPhoto.objects.bulk_create(MatterPhoto(matter=matter, image=n) for n in stored)
            _follow(matter, actor)
            _event(
                matter,
                actor,
                A.RAISE,
                kind=workflows.RAISER if source == MatterSource.RESIDENT else "",
                to_state=S.RAISED,
                note=on_behalf_of_name and said("raise.behalf", name=on_behalf_of_name),
                data={"source": source, "backers": backers, "photos": len(stored)},
                when=now,
            )
            audit_record(
                actor=actor,
                action="matters.raise",
                target=matter,
                place_id=place.pk,
                data={"case": matter.case_number, "source": source},
            )
            _tell_raised(matter, actor, now)
            return matter
    except BaseException:
        upload_discard(stored)
        raise


def matter_follow(*, actor: Actor, matter: Matter, follow: bool = True) -> None:
    """Follow (or stop following) a matter one can see."""
    matter = matter_get_for_actor(actor, matter.pk)
    user = _user_or_none(actor)
    if user is None:
        raise NotFound(_("找不到该事项"))
    if follow:
        _follow(matter, user)
    else:
        MatterFollower.objects.filter(matter=matter, user=user).delete()


# --- the steps of the workflow ----------------------------------------------------------------


def _step(
    *,
    actor: Actor,
    matter: Matter,
    action: str,
    note: str = "",
    data: dict[str, Any] | None = None,
    check: Callable[[Matter, str], None] | None = None,
    apply: Callable[[Matter, str], None] | None = None,
    when: dt.datetime | None = None,
) -> Matter:
    """One transition: policy (see it, act on it in some capacity), then under the row lock:
    the table, the step's own checks, the change, the event and the audit row."""
    note = clean_text(note, limit=MAX_TEXT, multiline=True)
    seen = matter_get_for_actor(actor, matter.pk)
    if not policies.actor_kinds(actor, seen):
        raise Forbidden(_("您不能进行此操作"))
    with transaction.atomic(durable=True):
        locked = lock_matter(seen.pk)
        before = locked.state
        target, kind = workflows.transition_any(before, action, policies.actor_kinds(actor, locked))
        if check is not None:
            check(locked, kind)
        locked.state = target
        if apply is not None:
            apply(locked, kind)
        if target in STOPS_CLOCK:
            locked.finished_at = locked.finished_at or when or timezone.now()
        elif target == S.REOPENED:
            locked.finished_at = None
        locked.save()
        _event(locked, actor, action, kind=kind, from_state=before, note=note, data=data, when=when)
        audit_record(
            actor=actor,
            action=f"matters.{action}",
            target=locked,
            place_id=locked.place_id,
            data={"from": before, "to": target, "level": locked.level, **(data or {})},
        )
        _tell_step(locked, actor, action, note, when)
    matter.refresh_from_db()
    return locked


def matter_accept(
    *, actor: Actor, matter: Matter, note: str = "", when: dt.datetime | None = None
) -> Matter:
    """The building leader (at building level) or staff take the matter in hand (``when``:
    back-dating for the demo's history)."""
    return _step(actor=actor, matter=matter, action=A.ACCEPT, note=note, when=when)


def matter_settle(*, actor: Actor, matter: Matter, note: str) -> Matter:
    """Settled at its level — 小事不出楼栋: the leader says how, and it is done."""
    note = _clean_text(note, MAX_NOTE, _("请说明是怎么办结的"))
    return _step(actor=actor, matter=matter, action=A.SETTLE, note=note)


def matter_escalate(*, actor: Actor, matter: Matter, reason: str) -> Matter:
    """Carry the matter up one level (building → compound → community), with a reason."""
    reason = _clean_text(reason, MAX_NOTE, _("上报需要说明理由"))
    levels: dict[str, str] = {}

    def check(m: Matter, kind: str) -> None:
        up = next_level(m.level)
        if up is None:
            raise Conflict(_("事项已在社区，不能再上报，请由社区决定或转办部门"))
        levels.update({"from_level": m.level, "to_level": up})

    def apply(m: Matter, kind: str) -> None:
        m.level = levels["to_level"]

    return _step(
        actor=actor,
        matter=matter,
        action=A.ESCALATE,
        note=reason,
        data=levels,
        check=check,
        apply=apply,
    )


def matter_decline(*, actor: Actor, matter: Matter, reason: str) -> Matter:
    reason = _clean_text(reason, MAX_NOTE, _("不予受理需要说明理由"))
    return _step(actor=actor, matter=matter, action=A.DECLINE, note=reason)


def matter_reopen(*, actor: Actor, matter: Matter, reason: str) -> Matter:
    reason = _clean_text(reason, MAX_NOTE, _("请说明为什么重新打开"))
    return _step(actor=actor, matter=matter, action=A.REOPEN, note=reason)


def matter_close(*, actor: Actor, matter: Matter, note: str = "") -> Matter:
    return _step(actor=actor, matter=matter, action=A.CLOSE, note=note)


def matter_withdraw(*, actor: Actor, matter: Matter, note: str = "") -> Matter:
    return _step(actor=actor, matter=matter, action=A.WITHDRAW, note=note)


def matter_decide(
    *, actor: Actor, matter: Matter, decision: str, adopted: bool = False, points: int | None = None
) -> Matter:
    """社区决事: staff decide a matter at community level; the decision is published on its
    timeline. A suggestion adopted by the decision awards its proposer (see
    ``matter_award_adopted``), once."""
    decision = _clean_text(decision, MAX_TEXT, _("请填写决定内容"))
    if adopted and matter.kind != MatterKind.SUGGESTION:
        raise ValidationFailed(_("只有建议可以被采纳"))

    def check(m: Matter, kind: str) -> None:
        if m.level != MatterLevel.COMMUNITY:
            raise Conflict(_("社区决定前，事项需先上报到社区"))

    def apply(m: Matter, kind: str) -> None:
        m.decision = decision

    decided = _step(
        actor=actor,
        matter=matter,
        action=A.DECIDE,
        note=decision,
        data={"adopted": adopted},
        check=check,
        apply=apply,
    )
    if adopted:
        matter_award_adopted(actor=actor, matter=decided, points=points)
    return decided


def matter_award_adopted(*, actor: Actor, matter: Matter, points: int | None = None) -> Any:
    """Award the proposer of an adopted suggestion through the community's active rule of
    category 建言献策, with the matter as its source: at most once (the ledger's source key
    and a fixed idempotency key), safe to retry. Without a rule or a resident proposer, or
    when the ledger refuses, the timeline says so instead. Returns the award or None."""
    from linli.points.choices import RuleCategory
    from linli.points.models import Award, Rule
    from linli.points.services import points_award

    matter = matter_get_for_actor(actor, matter.pk)
    if not policies.can(actor, policies.MatterAction.MANAGE, matter.place):
        raise NotFound(_("找不到该事项"))
    if matter.kind != MatterKind.SUGGESTION or matter.state not in (S.DECIDED, S.DONE, S.RATED):
        raise Conflict(_("只有已决定采纳的建议才能加分"))
    existing = Award.objects.filter(source_type="matter", source_id=str(matter.pk)).first()
    if existing is not None:
        return existing
    today = local_date(timezone.now())
    rule = (
        Rule.objects.filter(
            community_id=matter.community_id,
            category=RuleCategory.SUGGESTION,
            active_from__lte=today,
        )
        .exclude(active_until__lt=today)
        .order_by("-active_from", "-pk")
        .first()
    )
    reason = said("award_skipped.no_rule")
    award = None
    if rule is None:
        pass
    elif matter.resident is None:
        reason = said("award_skipped.not_resident")
    else:
        try:
            award = points_award(
                actor=actor,
                resident=matter.resident,
                rule=rule,
                points=points or rule.points_min,
                idempotency_key=f"matter-adopted:{matter.pk}",
                evidence_note=_("建议被采纳：%(case)s") % {"case": matter.case_number},
                source_type="matter",
                source_id=str(matter.pk),
            )
        except DomainError as exc:
            reason = said("award_skipped", why=exc.message)
    with transaction.atomic(durable=True):
        locked = lock_matter(matter.pk)
        if award is not None:
            if not locked.events.filter(action=A.AWARD).exists():
                _event(
                    locked,
                    actor,
                    A.AWARD,
                    kind=workflows.STAFF,
                    note=said("award", points=award.points),
                    data={"award": award.pk, "rule": rule.key if rule else ""},
                )
        else:
            last = locked.events.order_by("-id").first()
            seen_last = (last.action, last.note_kind, last.note_params) if last else None
            if seen_last != (A.AWARD_SKIPPED, reason.kind, reason.params):
                _event(locked, actor, A.AWARD_SKIPPED, kind=workflows.STAFF, note=reason)
    return award


def matter_merge(*, actor: Actor, matter: Matter, into: Matter, note: str = "") -> Matter:
    """Staff merge a duplicate into a survivor in the same community: the duplicate points to
    the survivor, its followers follow the survivor, its backers count there."""
    note = clean_text(note, limit=MAX_NOTE, multiline=True)
    seen = matter_get_for_actor(actor, matter.pk)
    survivor = matter_get_for_actor(actor, into.pk)
    if seen.pk == survivor.pk:
        raise ValidationFailed(_("不能把事项合并到它自己"))
    if not policies.can(actor, policies.MatterAction.MANAGE, seen.place):
        raise Forbidden(_("您不能进行此操作"))
    with transaction.atomic(durable=True):
        rows = lock_matters(seen.pk, survivor.pk)
        dup, keep = rows[seen.pk], rows[survivor.pk]
        if dup.community_id != keep.community_id:
            raise ValidationFailed(_("只能合并同一社区的事项"))
        if keep.state in FINISHED_STATES:
            raise Conflict(_("不能合并到已关闭、已合并或不予受理的事项"))
        before = dup.state
        target, kind = workflows.transition_any(before, A.MERGE, policies.actor_kinds(actor, dup))
        dup.state = target
        dup.merged_into = keep
        dup.finished_at = timezone.now()
        dup.save()
        told = matter_watchers(dup)
        moved = 0
        for f in list(MatterFollower.objects.filter(matter=dup)):
            _obj, created = MatterFollower.objects.get_or_create(matter=keep, user_id=f.user_id)
            moved += int(created)
            f.delete()
        keep.backers += dup.backers
        keep.save(update_fields=["backers", "updated_at"])
        _event(
            dup,
            actor,
            A.MERGE,
            kind=kind,
            from_state=before,
            note=note or said("merge", case=keep.case_number),
            data={"into": keep.pk, "case": keep.case_number},
        )
        _event(
            keep,
            actor,
            A.MERGED_IN,
            kind=kind,
            note=said("merged_in", case=dup.case_number),
            data={"from": dup.pk, "case": dup.case_number, "followers": moved},
        )
        audit_record(
            actor=actor,
            action="matters.merge",
            target=dup,
            place_id=dup.place_id,
            data={"into": keep.pk, "followers": moved},
        )
        matter_notify(
            told,
            keep,
            kind="matter.merge",
            params={**_case(dup), "into": keep.case_number, "into_title": keep.title},
            actor=actor,
        )
    matter.refresh_from_db()
    return dup
