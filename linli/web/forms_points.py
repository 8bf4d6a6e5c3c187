from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.points.limits import MAX_POINTS
from linli.points.models import Rule
from linli.web.common.fields import BoundedIntegerField, NameField, TextField
from linli.web.common.forms import NoColonLabels


class AwardForm(NoColonLabels, forms.Form):
    resident = BoundedIntegerField(min_value=1, widget=forms.HiddenInput)
    rule = forms.ModelChoiceField(label=_("规则"), queryset=Rule.objects.none())
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
