"""Forms for a community's matter settings and its calendar overrides. Ranges are the
service's (``matters.services.community_settings.RANGES``): the form shows them as hints and
the browser's min/max, and the service's refusal is put on the field it concerns."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.core.text import SMALLINT_MAX
from linli.matters.models import MatterSettings
from linli.matters.services.community_settings import MAX_NOTE, RANGES

from .common.fields import BoundedIntegerField, NameField
from .common.forms import NoColonLabels

HELP = {
    "quorum_percent": _(
        "出席人数超过应到人数的这个百分比才能开会表决；法律要求过半数（50），最高 99。"
    ),
    "secret_ballot": _("勾选后，议事会表决不显示谁投了什么票。"),
    "rectification_days": _("差评后整改的期限，2 到 15 个工作日。"),
    "flag_days": _("街道督办答复“办不成事”的期限，1 到 30 个工作日。"),
    "reminder_days": _("到期前几个工作日提醒经办人；0 表示不提醒。"),
}


class MatterSettingsForm(NoColonLabels, forms.Form):
    quorum_percent = BoundedIntegerField(max_value=SMALLINT_MAX)
    secret_ballot = forms.BooleanField(required=False)
    consultation_days = BoundedIntegerField(max_value=SMALLINT_MAX)
    help_days = BoundedIntegerField(max_value=SMALLINT_MAX)
    suggestion_days = BoundedIntegerField(max_value=SMALLINT_MAX)
    complaint_days = BoundedIntegerField(max_value=SMALLINT_MAX)
    rectification_days = BoundedIntegerField(max_value=SMALLINT_MAX)
    flag_days = BoundedIntegerField(max_value=SMALLINT_MAX)
    reminder_days = BoundedIntegerField(max_value=SMALLINT_MAX)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            model_field = MatterSettings._meta.get_field(name)
            field.label = model_field.verbose_name  # type: ignore[union-attr]
            if name in RANGES:
                low, high, message = RANGES[name]
                field.widget.attrs.update({"min": low, "max": high, "inputmode": "numeric"})
                field.error_messages["required"] = str(message)
                field.error_messages["invalid"] = str(message)
                field.help_text = HELP.get(name, "") or message
            else:
                field.help_text = HELP.get(name, "")


class CalendarDayForm(NoColonLabels, forms.Form):
    OFF, WORK = "off", "work"
    day = forms.DateField(
        label=_("日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("请填写日期"), "invalid": _("日期格式不正确")},
    )
    kind = forms.ChoiceField(
        label=_("调整为"),
        choices=[(OFF, _("放假")), (WORK, _("调休上班"))],
        widget=forms.RadioSelect,
        initial=OFF,
    )
    note = NameField(
        label=_("说明"),
        required=False,
        max_length=MAX_NOTE,
        help_text=_("例如：国务院办公厅关于某年部分节假日安排的通知"),
    )
    everywhere = forms.BooleanField(
        label=_("适用于所有社区（全局）"), required=False, initial=False
    )

    def __init__(self, *args: Any, can_global: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not can_global:
            del self.fields["everywhere"]
