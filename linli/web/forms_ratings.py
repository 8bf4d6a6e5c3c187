"""Forms for 好差评 and 办不成事: the field checks a page can make; the rules (who, when, once)
are the services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.matters.models import AppealReason, RatingLevel

from .common.fields import TextField

TEXTAREA = {"rows": 3}


class RatingForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("您对办理结果满意吗？"),
        choices=[(lv.value, lv.label) for lv in sorted(RatingLevel, reverse=True)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择一项评价")},
    )
    comment = TextField(
        label=_("想说的话（可以不填）"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs=TEXTAREA),
    )


class RectificationForm(forms.Form):
    note = TextField(
        label=_("整改情况"),
        max_length=2000,
        widget=forms.Textarea(attrs=TEXTAREA),
        error_messages={"required": _("请说明整改情况")},
    )
    return_visit = TextField(
        label=_("回访记录"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("已单独记录过回访的，可以不填"),
    )


class VisitForm(forms.Form):
    text = TextField(
        label=_("回访记录"),
        max_length=2000,
        widget=forms.Textarea(attrs=TEXTAREA),
        error_messages={"required": _("请填写回访记录")},
    )


class AppealForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("申诉理由"),
        choices=AppealReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择申诉理由")},
    )
    text = TextField(
        label=_("说明"),
        max_length=1000,
        widget=forms.Textarea(attrs=TEXTAREA),
        error_messages={"required": _("请说明申诉的理由")},
    )


class AppealDecideForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("裁定结果"),
        choices=[("upheld", _("申诉成立（该评价不计入满意度）")), ("dismissed", _("申诉不成立"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择裁定结果")},
    )
    decision = TextField(
        label=_("裁定意见"),
        max_length=1000,
        widget=forms.Textarea(attrs=TEXTAREA),
        error_messages={"required": _("请填写裁定意见")},
    )


class FlagForm(forms.Form):
    text = TextField(
        label=_("哪里办不成？"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("比如：反映了很久没人管、说办好了其实没办好。街道督办会看到并答复您。"),
        error_messages={"required": _("请说说这件事哪里办不成")},
    )


class FlagAnswerForm(forms.Form):
    answer = TextField(
        label=_("答复"),
        max_length=1000,
        widget=forms.Textarea(attrs=TEXTAREA),
        error_messages={"required": _("请填写答复内容")},
    )


def first_error(form: forms.Form) -> str:
    """The first error of a bound, invalid form, as one line for messages.error."""
    for errors in form.errors.values():
        for e in errors:
            return str(e)
    return str(_("填写有误"))
