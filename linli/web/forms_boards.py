"""The board's filters (GET): a place, a department (for handlers), and a period — a preset
(a calendar year "2026" or quarter "2026Q3") or custom dates."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core.quarters import quarter_of
from linli.matters.selectors_boards import MAX_PERIOD_DAYS
from linli.web.common.fields import BoundedIntegerField, NameField
from linli.web.common.forms import NoColonLabels

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
            return _("%(year)s 年第 %(quarter)s 季度") % {"year": m["year"], "quarter": m["q"]}
        if m:
            return _("%(year)s 年") % {"year": m["year"]}
        return _("%(start)s 至 %(end)s") % {
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
        out.append((str(year), _("%(year)s 年") % {"year": year}))
        for q in range(4, 0, -1):
            if year == today.year and q > current.number:
                continue
            out.append(
                (f"{year}Q{q}", _("%(year)s 年第 %(quarter)s 季度") % {"year": year, "quarter": q})
            )
    out.append((CUSTOM, _("自定义日期")))
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
            raise forms.ValidationError(_("请选择期间"))
        return key

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        key = data.get("period") or ""
        start, end = data.get("start"), data.get("end")
        if key == CUSTOM or (not key and (start or end)):
            if start is None or end is None:
                raise forms.ValidationError(_("自定义期间需要开始日期和结束日期"))
            if end < start:
                raise forms.ValidationError(_("结束日期不能早于开始日期"))
            if start.year < FIRST_YEAR or end.year > LAST_YEAR:
                raise forms.ValidationError(
                    _("日期需在 %(first)s 年至 %(last)s 年之间")
                    % {"first": FIRST_YEAR, "last": LAST_YEAR}
                )
            if (end - start).days + 1 > MAX_PERIOD_DAYS:
                raise forms.ValidationError(_("期间最长五年"))
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
