"""The sign-in form: a mainland mobile number and a password."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from linli.core.errors import ValidationFailed
from linli.core.phones import normalize_mobile
from linli.web.common.forms import NoColonLabels


class PhoneLoginForm(NoColonLabels, AuthenticationForm):
    username = forms.CharField(
        label=_("手机号"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autofocus": True, "inputmode": "tel", "autocomplete": "username"}
        ),
    )
    error_messages = {
        "invalid_login": _("手机号或密码不正确。"),
        "inactive": _("该账号已停用。"),
    }

    def clean_username(self) -> str:
        raw = self.cleaned_data.get("username", "")
        try:
            return normalize_mobile(raw)
        except ValidationFailed:
            # Same answer as a wrong password: do not reveal which numbers have accounts.
            return str(raw).strip()
