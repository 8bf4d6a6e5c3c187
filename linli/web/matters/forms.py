"""Forms for the matters area. They check the shape of the input; the services check the
rest (who, which state, which compound, once).

- Meetings (小区议事会): calling one, a motion, a decision, the minutes, a reason.
- 好差评 and 办不成事: the rating, rectification, return visit, appeal and its decision, a
  flag and its answer.
- The board's filters (GET): a place, a department (for handlers), and a period — a preset
  (a calendar year "2026" or quarter "2026Q3") or custom dates.
- A community's matter settings and its calendar overrides. Ranges are the service's
  (``matters.services.community_settings.RANGES``): the form shows them as hints and the
  browser's min/max, and the service's refusal is put on the field it concerns.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from linli.core.quarters import quarter_of
from linli.core.text import SMALLINT_MAX
from linli.matters.models import AgendaOutcome, AppealReason, Matter, MatterSettings, RatingLevel
from linli.matters.selectors_boards import MAX_PERIOD_DAYS
from linli.matters.services.community_settings import MAX_NOTE, RANGES
from linli.places.models import Place
from linli.points.limits import MAX_POINTS
from linli.points.models import CatalogVersion
from linli.web.common.fields import BoundedIntegerField, NameField, TextField
from linli.web.common.forms import NoColonLabels

# --- meetings ----------------------------------------------------------------------------------

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
    location = NameField(label=pgettext_lazy("location", "地点"), max_length=80, required=False)
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


# --- ratings and 办不成事 ------------------------------------------------------------------

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


# --- the board's filters -----------------------------------------------------------------------

CUSTOM = "custom"
FIRST_YEAR = 2000
LAST_YEAR = 2100
_PRESET = re.compile(r"^(?P<year>\d{4})(?:Q(?P<q>[1-4]))?$")


@dataclass(frozen=True)
class Period:
    key: str  # "2026", "2026Q3" or "custom"
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        m = _PRESET.match(self.key)
        if m and m["q"]:
            return gettext("%(year)s 年第 %(quarter)s 季度") % {
                "year": m["year"],
                "quarter": m["q"],
            }
        if m:
            return gettext("%(year)s 年") % {"year": m["year"]}
        return gettext("%(start)s 至 %(end)s") % {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


def preset(key: str) -> Period | None:
    """The period a preset names ("2026": the year; "2026Q3": the calendar quarter)."""
    m = _PRESET.match(key)
    if not m or not FIRST_YEAR <= int(m["year"]) <= LAST_YEAR:
        return None
    year = int(m["year"])
    if m["q"]:
        first = dt.date(year, 3 * int(m["q"]) - 2, 1)
        q = quarter_of(first)
        return Period(key, q.start, q.end - dt.timedelta(days=1))
    return Period(key, dt.date(year, 1, 1), dt.date(year, 12, 31))


def default_period(today: dt.date) -> Period:
    """This year."""
    found = preset(str(today.year))
    assert found is not None
    return found


def preset_choices(today: dt.date) -> list[tuple[str, str]]:
    """This year and last, and the quarters of both up to the current one, newest first."""
    out: list[tuple[str, str]] = []
    current = quarter_of(today)
    for year in (today.year, today.year - 1):
        out.append((str(year), gettext("%(year)s 年") % {"year": year}))
        for q in range(4, 0, -1):
            if year == today.year and q > current.number:
                continue
            out.append(
                (
                    f"{year}Q{q}",
                    gettext("%(year)s 年第 %(quarter)s 季度") % {"year": year, "quarter": q},
                )
            )
    out.append((CUSTOM, gettext("自定义日期")))
    return out


class BoardFilterForm(NoColonLabels, forms.Form):
    place = BoundedIntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    department = BoundedIntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    period = NameField(label=gettext_lazy("期间"), required=False, max_length=12)
    start = forms.DateField(
        label=gettext_lazy("开始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=gettext_lazy("结束日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["period"].widget = forms.Select(choices=preset_choices(today))

    def clean_period(self) -> str:
        key = (self.cleaned_data.get("period") or "").strip()
        if key and key != CUSTOM and preset(key) is None:
            raise forms.ValidationError(gettext("请选择期间"))
        return key

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        key = data.get("period") or ""
        start, end = data.get("start"), data.get("end")
        if key == CUSTOM or (not key and (start or end)):
            if start is None or end is None:
                raise forms.ValidationError(gettext("自定义期间需要开始日期和结束日期"))
            if end < start:
                raise forms.ValidationError(gettext("结束日期不能早于开始日期"))
            if start.year < FIRST_YEAR or end.year > LAST_YEAR:
                raise forms.ValidationError(
                    gettext("日期需在 %(first)s 年至 %(last)s 年之间")
                    % {"first": FIRST_YEAR, "last": LAST_YEAR}
                )
            if (end - start).days + 1 > MAX_PERIOD_DAYS:
                raise forms.ValidationError(gettext("期间最长五年"))
            data["period"] = CUSTOM
        return data

    def chosen_period(self) -> Period:
        """The period asked for, or this year when none was (or the form is invalid)."""
        if not self.is_bound or not self.is_valid():
            return default_period(self.today)
        key = self.cleaned_data.get("period") or ""
        if key == CUSTOM:
            return Period(CUSTOM, self.cleaned_data["start"], self.cleaned_data["end"])
        return (preset(key) if key else None) or default_period(self.today)


# --- matter settings and the calendar ----------------------------------------------------------

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
