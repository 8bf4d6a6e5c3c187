"""Registering a resident by hand (the Excel import has its own page)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.people.choices import Gender
from linli.places.models import Place
from linli.web.common.fields import BoundedIntegerField, NameField
from linli.web.common.forms import NoColonLabels


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
