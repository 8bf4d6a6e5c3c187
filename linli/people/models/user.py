from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.phones import normalize_mobile


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, phone: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(phone=normalize_mobile(phone), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, phone: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(phone, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A sign-in: a mainland mobile number and a password (argon2).

    A person's roles are RoleGrants on places; a resident's record is ``resident``.
    ``is_staff`` only opens the Django admin for operators.
    """

    phone = models.CharField(_("手机号"), max_length=11, unique=True)
    name = models.CharField(_("姓名"), max_length=32)
    email = models.EmailField(_("电子邮箱"), blank=True, help_text=_("填写后每天收到一封提醒汇总"))
    is_active = models.BooleanField(_("可登录"), default=True)
    is_staff = models.BooleanField(_("可进入后台"), default=False)
    date_joined = models.DateTimeField(_("创建时间"), default=timezone.now)
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    language = models.CharField(_("界面语言"), max_length=8, blank=True)
    elder_mode = models.BooleanField(_("长辈版"), default=False)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["name"]

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")

    def __str__(self) -> str:
        return self.name or self.phone

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name
