from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.actors import Actor
from linli.core.errors import Conflict, ValidationFailed
from linli.core.text import clean_text
from linli.places.choices import PlaceKind
from linli.places.models import Place

from ..choices import ResidentGroup
from ..models import GroupMembership, Resident, Team, TeamMember
from ..policies import Action
from ._common import require


def _community_of(resident: Resident) -> Place:
    household = resident.household
    if household.community_id is None:
        raise ValidationFailed(_("该户不属于任何社区"))
    return Place.objects.get(pk=household.community_id)


def group_join(
    *, actor: Actor, resident: Resident, group: str, started_on: dt.date | None = None
) -> GroupMembership:
    if group not in ResidentGroup.values:
        raise ValidationFailed(_("未知的身份：%(g)s") % {"g": group})
    require(actor, Action.GROUP_MANAGE, resident.household)
    if not resident.is_current:
        raise ValidationFailed(_("已迁出的居民不能加入"))
    with transaction.atomic(durable=True):
        if GroupMembership.objects.filter(
            resident=resident, group=group, ended_on__isnull=True
        ).exists():
            raise Conflict(
                _("%(name)s 已是%(group)s")
                % {"name": resident.name, "group": ResidentGroup(group).label}
            )
        try:
            membership = GroupMembership.objects.create(
                resident=resident,
                group=group,
                community=_community_of(resident),
                started_on=started_on,
            )
        except IntegrityError as exc:
            raise Conflict(
                _("%(name)s 已是%(group)s")
                % {"name": resident.name, "group": ResidentGroup(group).label}
            ) from exc
        audit_record(
            actor=actor,
            action="group.join",
            target=membership,
            place_id=resident.household_id,
            data={"group": group},
        )
    return membership


def group_leave(*, actor: Actor, membership: GroupMembership, on: dt.date) -> GroupMembership:
    require(actor, Action.GROUP_MANAGE, membership.resident.household)
    with transaction.atomic(durable=True):
        locked = GroupMembership.objects.select_for_update().get(pk=membership.pk)
        if locked.ended_on is not None:
            raise Conflict(_("已经退出"))
        locked.ended_on = on
        locked.save(update_fields=["ended_on"])
        audit_record(
            actor=actor,
            action="group.leave",
            target=locked,
            place_id=membership.resident.household_id,
        )
    return locked


def team_create(*, actor: Actor, community: Place, name: str, description: str = "") -> Team:
    if community.kind != PlaceKind.COMMUNITY:
        raise ValidationFailed(_("队伍必须属于一个社区"))
    require(actor, Action.GROUP_MANAGE, community)
    name = clean_text(name, limit=64, required=_("队名不能为空，且不超过 64 个字"), label=_("队名"))
    description = clean_text(description, limit=200, label=_("简介"))
    with transaction.atomic(durable=True):
        try:
            team = Team.objects.create(community=community, name=name, description=description)
        except IntegrityError as exc:
            raise Conflict(_("已有同名队伍“%(name)s”") % {"name": name}) from exc
        audit_record(actor=actor, action="team.create", target=team, place_id=community.pk)
    return team


def team_member_add(
    *,
    actor: Actor,
    team: Team,
    resident: Resident,
    is_leader: bool = False,
    joined_on: dt.date | None = None,
) -> TeamMember:
    require(actor, Action.GROUP_MANAGE, resident.household)
    if resident.household.community_id != team.community_id:
        raise ValidationFailed(_("只能加入本社区的队伍"))
    with transaction.atomic(durable=True):
        try:
            member = TeamMember.objects.create(
                team=team, resident=resident, is_leader=is_leader, joined_on=joined_on
            )
        except IntegrityError as exc:
            raise Conflict(_("%(name)s 已在队伍中") % {"name": resident.name}) from exc
        audit_record(
            actor=actor,
            action="team.member_add",
            target=member,
            place_id=team.community_id,
            data={"leader": is_leader},
        )
    return member
