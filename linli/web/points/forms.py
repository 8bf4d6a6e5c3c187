"""Forms for the points pages: the award, rejecting a proposal, reversing an award, and a rule
of the catalogue. They check the shape of the input; the points services check the rest."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.points.choices import Awarders, Evidence, RuleCategory
from linli.points.limits import MAX_CAP, MAX_POINTS
from linli.points.models import CatalogVersion, Rule
from linli.web.common.fields import BoundedIntegerField, NameField, TextField
from linli.web.common.forms import NoColonLabels


class AwardForm(NoColonLabels, forms.Form):
    resident = BoundedIntegerField(min_value=1, widget=forms.HiddenInput)
    rule = forms.ModelChoiceField(
        label=_("规则"),
        queryset=Rule.objects.none(),
        error_messages={"invalid_choice": _("请从列表中选择可用的规则")},
    )
    points = BoundedIntegerField(
        label=_("积分"),
        min_value=1,
        max_value=MAX_POINTS,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": _("分值必须是正整数（不能有小数）"),
            "min_value": _("分值必须是正整数"),
            "max_value": _("分值不能超过 %(limit_value)s 分"),
        },
    )
    evidence_note = TextField(
        label=_("事由与凭证"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    evidence_file = forms.FileField(label=_("照片"), required=False)
    idempotency_key = NameField(widget=forms.HiddenInput, max_length=120)
    # Asked for when the same person gave the same resident points a few minutes ago.
    confirm_repeat = forms.BooleanField(label=_("确认再加一次（这是另一件事）"), required=False)

    def __init__(self, *args: Any, rules: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if rules is not None:
            self.fields["rule"].queryset = rules  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)


class RejectForm(NoColonLabels, forms.Form):
    reason = NameField(label=_("驳回理由"), max_length=200)


class ReverseForm(NoColonLabels, forms.Form):
    reason = NameField(label=_("冲正理由"), max_length=200)


class RuleForm(NoColonLabels, forms.Form):
    """A rule, under an existing catalogue version or a new one with its adopting decision."""

    version = forms.ModelChoiceField(
        label=_("细则版本"),
        queryset=CatalogVersion.objects.none(),
        required=False,
        empty_label=_("新版本（填写下面的决定）"),
    )
    decision = NameField(
        label=_("通过新版本的决定"),
        max_length=300,
        required=False,
        help_text=_("例如：2024年1月居民代表会议表决通过（到会 150 人，赞成 142 人）"),
    )
    decided_on = forms.DateField(
        label=_("决定日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    key = forms.SlugField(label=_("编号（英文字母、数字）"), max_length=40)
    name = NameField(label=_("名称"), max_length=60)
    category = forms.ChoiceField(label=_("类别"), choices=RuleCategory.choices)
    description = NameField(label=_("说明"), max_length=300, required=False)
    points_min = BoundedIntegerField(label=_("最低分"), min_value=1, max_value=MAX_POINTS)
    points_max = BoundedIntegerField(
        label=_("最高分（固定分值可不填）"), min_value=1, max_value=MAX_POINTS, required=False
    )
    cap_day = BoundedIntegerField(
        label=_("每人每日上限"), min_value=1, max_value=MAX_CAP, required=False
    )
    cap_month = BoundedIntegerField(
        label=_("每人每月上限"), min_value=1, max_value=MAX_CAP, required=False
    )
    cap_quarter = BoundedIntegerField(
        label=_("每人每季度上限"), min_value=1, max_value=MAX_CAP, required=False
    )
    awarders = forms.ChoiceField(label=_("谁可加分"), choices=Awarders.choices)
    evidence = forms.ChoiceField(label=_("所需凭证"), choices=Evidence.choices)
    active_from = forms.DateField(
        label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    active_until = forms.DateField(
        label=_("失效日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, versions: Any = None, revising: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if versions is not None:
            self.fields["version"].queryset = versions  # type: ignore[attr-defined]
        if revising:
            self.fields["key"].disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("version") and not (data.get("decision") and data.get("decided_on")):
            raise forms.ValidationError(_("请选择细则版本，或填写通过新版本的决定和日期"))
        return data
