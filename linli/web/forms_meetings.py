"""Forms for the meeting pages (小区议事会). They check the shape of the input; the services
check everything else (who, which state, which compound)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.matters.models import AgendaOutcome, Matter
from linli.places.models import Place
from linli.points.limits import MAX_POINTS
from linli.points.models import CatalogVersion

from .common.fields import BoundedIntegerField, NameField, TextField
from .common.forms import NoColonLabels

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class MatterChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title}（{obj.place.name} · {obj.case_number}）"


class CompoundChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class MeetingForm(NoColonLabels, forms.Form):
    compound = CompoundChoice(label=_("小区"), queryset=Place.objects.none())
    title = NameField(label=_("会议名称"), max_length=80)
    scheduled_at = forms.DateTimeField(
        label=_("时间"),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    location = NameField(label=_("地点"), max_length=80, required=False)
    matters = MatterChoices(
        label=_("议题（可稍后再加）"),
        queryset=Matter.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("只能选择该小区已受理或办理中的事项"),
    )

    def __init__(self, *args: Any, compounds: Any, matters: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = compounds  # type: ignore[attr-defined]
        self.fields["matters"].queryset = matters  # type: ignore[attr-defined]


class MotionForm(NoColonLabels, forms.Form):
    text = NameField(label=_("表决事项"), max_length=300)
    item = forms.TypedChoiceField(
        label=_("针对议题"), required=False, coerce=int, empty_value=None, choices=()
    )
    catalog_version = forms.ModelChoiceField(
        label=_("同时通过积分细则版本"),
        queryset=CatalogVersion.objects.none(),
        required=False,
        empty_label=_("（不涉及）"),
    )

    def __init__(self, *args: Any, items: Any, versions: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [  # type: ignore[attr-defined]
            ("", _("（不针对具体议题）")),
            *[(i.pk, f"{i.position}. {i.matter.title}") for i in items],
        ]
        self.fields["catalog_version"].queryset = versions  # type: ignore[attr-defined]


class DecideForm(NoColonLabels, forms.Form):
    outcome = forms.ChoiceField(label=_("决定"), choices=[c for c in AgendaOutcome.choices if c[0]])
    decision = TextField(
        label=_("决定内容（向居民公布）"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    points = BoundedIntegerField(
        label=_("建议被采纳的加分（留空按规则最低分）"),
        min_value=1,
        max_value=MAX_POINTS,
        required=False,
    )


class ReasonForm(NoColonLabels, forms.Form):
    reason = TextField(label=_("理由"), max_length=2000)


class MinutesForm(NoColonLabels, forms.Form):
    minutes = TextField(
        label=_("会议记录"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
