from __future__ import annotations

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.actors import Actor
from linli.core.errors import Conflict, NotFound, ValidationFailed

from ..locks import lock_resident, lock_user
from ..models import Resident, User
from ..policies import Action
from ._common import require

# Letters and digits that older residents do not confuse when reading them aloud (no 0/O, 1/l).
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def temporary_password(length: int = 10) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def account_create(
    *, actor: Actor, resident: Resident, password: str | None = None
) -> tuple[User, str]:
    """Give a resident a sign-in with their mobile number. Returns the user and the password
    to hand over (a temporary one, to be changed at first sign-in, unless one is given)."""
    require(actor, Action.ACCOUNT_MANAGE, resident.household)
    if not resident.phone:
        raise ValidationFailed(_("该居民没有登记手机号，无法开通账号"))
    if not resident.is_current:
        raise ValidationFailed(_("已迁出的居民不能开通账号"))
    temp = password is None
    secret = password or temporary_password()
    if not temp:
        try:
            validate_password(secret)
        except ValidationError as exc:
            raise ValidationFailed(" ".join(exc.messages)) from exc
    with transaction.atomic(durable=True):
        locked = lock_resident(resident.pk)
        if locked.user_id is not None:
            raise Conflict(_("该居民已有账号"))
        user = User.objects.filter(phone=locked.phone).first()
        if user is not None and hasattr(user, "resident"):
            raise Conflict(_("手机号 %(phone)s 已是另一位居民的账号") % {"phone": locked.phone})
        if user is None:
            user = User.objects.create_user(locked.phone, None, name=locked.name)
        user.set_password(secret)
        user.must_change_password = temp
        user.save()
        locked.user = user
        locked.save(update_fields=["user", "updated_at"])
        audit_record(
            actor=actor,
            action="account.create",
            target=user,
            place_id=locked.household_id,
            data={"resident": locked.pk},
        )
    return user, secret


def account_reset_password(*, actor: Actor, user: User) -> str:
    """Staff reset a resident's password; returns a temporary one and lifts any lockout."""
    resident = Resident.objects.filter(user=user).select_related("household").first()
    if resident is None:
        raise NotFound(_("找不到该对象，或您无权操作"))
    require(actor, Action.ACCOUNT_MANAGE, resident.household)
    secret = temporary_password()
    with transaction.atomic(durable=True):
        locked = lock_user(user.pk)
        locked.set_password(secret)
        locked.must_change_password = True
        locked.save(update_fields=["password", "must_change_password"])
        audit_record(
            actor=actor,
            action="account.reset_password",
            target=locked,
            place_id=resident.household_id,
        )
    from axes.utils import reset as axes_reset

    axes_reset(username=user.phone)
    return secret


def user_set_preferences(
    *, user: User, language: str | None = None, elder_mode: bool | None = None
) -> User:
    fields = []
    if language is not None:
        user.language = language
        fields.append("language")
    if elder_mode is not None:
        user.elder_mode = elder_mode
        fields.append("elder_mode")
    if fields:
        user.save(update_fields=fields)
    return user
