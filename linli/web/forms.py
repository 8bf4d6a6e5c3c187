from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from linli.core.errors import ValidationFailed
from linli.core.phones import normalize_mobile
from linli.people.choices import Gender
from linli.places.models import Place
from linli.web.fields import BoundedIntegerField, NameField


def add_domain_error(form: forms.Form, exc: Exception) -> None:
    """Show a service's refusal on the form: on the field it names (a photo that is not an
    image, under the photo input) when the form has that field, else above the form."""
    fields = [f for f in getattr(exc, "errors", {}) or {} if f in form.fields]
    form.add_error(fields[0] if fields else None, str(exc))


class NoColonLabels:
    """Labels render as “姓名”, not “姓名:” — the templates lay labels out on their own line."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


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


class ResidentForm(NoColonLabels, forms.Form):
    name = NameField(label=_("姓名"), max_length=32)
    phone = NameField(
        label=_("手机号"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    gender = forms.ChoiceField(label=_("性别"), choices=Gender.choices, required=False)
    birth_year = BoundedIntegerField(
        label=_("出生年份"), required=False, min_value=1900, max_value=2100
    )
    building: forms.ModelChoiceField[Place] = forms.ModelChoiceField(
        label=_("楼栋"), queryset=Place.objects.none()
    )
    unit = NameField(label=_("单元"), max_length=16, required=False)
    room = NameField(label=_("房号"), max_length=16)
    moved_in = forms.DateField(
        label=_("入住日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, buildings: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = buildings  # type: ignore[attr-defined]
        self.fields["building"].label_from_instance = (  # type: ignore[attr-defined]
            lambda b: f"{b.compound.name if b.compound else ''} {b.name}".strip()
        )
