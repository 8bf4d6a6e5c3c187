from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.actors import Actor
from linli.core.errors import Conflict, ValidationFailed
from linli.core.text import clean_text
from linli.places.choices import PlaceKind
from linli.places.models import Place

from ..choices import ROLE_PLACE_KINDS, Role
from ..models import Department, RoleGrant, User
from ..policies import Action, forget_grants
from ._common import require


def role_grant(
    *, actor: Actor, user: User, role: str, place: Place, department: Department | None = None
) -> RoleGrant:
    if role not in Role.values:
        raise ValidationFailed(_("未知的角色：%(r)s") % {"r": role})
    if place.kind not in ROLE_PLACE_KINDS[role]:
        raise ValidationFailed(
            _("%(role)s 不能授予在%(kind)s上")
            % {"role": Role(role).label, "kind": PlaceKind(place.kind).label}
        )
    if role == Role.DEPARTMENT_HANDLER and department is None:
        raise ValidationFailed(_("部门经办人必须指定部门"))
    require(actor, Action.ROLE_GRANT, place)
    with transaction.atomic(durable=True):
        try:
            grant = RoleGrant.objects.create(
                user=user,
                role=role,
                place=place,
                department=department,
                granted_by=actor if isinstance(actor, User) else None,
            )
        except IntegrityError as exc:
            raise Conflict(
                _("%(user)s 已在%(place)s担任%(role)s")
                % {"user": user.name, "place": place.name, "role": Role(role).label}
            ) from exc
        audit_record(
            actor=actor,
            action="role.grant",
            target=grant,
            place_id=place.pk,
            data={"role": role, "user": user.pk},
        )
    forget_grants(user)
    return grant


def role_revoke(*, actor: Actor, grant: RoleGrant) -> RoleGrant:
    require(actor, Action.ROLE_GRANT, grant.place)
    with transaction.atomic(durable=True):
        locked = RoleGrant.objects.select_for_update().get(pk=grant.pk)
        if locked.revoked_at is not None:
            raise Conflict(_("该授权已撤销"))
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="role.revoke", target=locked, place_id=locked.place_id)
    forget_grants(grant.user)
    return locked


def department_create(*, actor: Actor, place: Place, name: str, short_name: str = "") -> Department:
    if place.kind not in (PlaceKind.CITY, PlaceKind.DISTRICT, PlaceKind.STREET):
        raise ValidationFailed(_("部门只能属于市、区或街道"))
    require(actor, Action.ROLE_GRANT, place)
    name = clean_text(name, limit=64, required=_("请填写部门名称"), label=_("部门"))
    short_name = clean_text(short_name, limit=16, label=_("简称"))
    with transaction.atomic(durable=True):
        try:
            dept = Department.objects.create(place=place, name=name, short_name=short_name)
        except IntegrityError as exc:
            raise Conflict(_("已有同名部门")) from exc
        audit_record(actor=actor, action="department.create", target=dept, place_id=place.pk)
    return dept
