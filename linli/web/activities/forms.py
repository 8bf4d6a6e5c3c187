"""Forms for the activities and volunteer-record pages. They only parse input; every rule is
checked again by the activities services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from linli.activities.choices import PointsBasis
from linli.activities.geo import RADIUS_DEFAULT_M, RADIUS_MAX_M, RADIUS_MIN_M, clean_checkin
from linli.core.errors import ValidationFailed
from linli.people.models import Team
from linli.places.choices import PlaceKind
from linli.places.models import Place
from linli.points.limits import MAX_POINTS
from linli.points.models import Rule
from linli.web.common.fields import BoundedIntegerField, NameField, TextField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


CHECKIN_FIELDS = ("checkin_required", "checkin_lat", "checkin_lng", "checkin_radius_m")


def clean_checkin_fields(form: forms.Form, data: dict[str, Any]) -> None:
    """``data["checkin"]``: (lat, lng, radius) as the domain checks them, or all None when
    no position is asked for. The map fills latitude and longitude; the radius defaults."""
    if not data.get("checkin_required"):
        data["checkin"] = (None, None, None)
        return
    radius = data.get("checkin_radius_m") or RADIUS_DEFAULT_M
    try:
        data["checkin"] = clean_checkin(data.get("checkin_lat"), data.get("checkin_lng"), radius)
    except ValidationFailed as exc:
        form.add_error("checkin_lat", str(exc))


class CheckinForm(forms.Form):
    """The organiser's screen: ask for the phone's position near a point, or stop asking."""

    checkin_required = forms.BooleanField(
        label=_("要求在活动地点附近扫码（防止转发二维码代签）"), required=False
    )
    checkin_lat = forms.CharField(label=_("纬度"), required=False, max_length=32)
    checkin_lng = forms.CharField(label=_("经度"), required=False, max_length=32)
    checkin_radius_m = BoundedIntegerField(
        label=_("签到范围（米）"),
        required=False,
        min_value=RADIUS_MIN_M,
        max_value=RADIUS_MAX_M,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 10}),
    )

    def main_fields(self) -> list[forms.BoundField]:
        """The fields other than the check-in ones (which the page renders with a map)."""
        return [f for f in self if f.name not in CHECKIN_FIELDS]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        clean_checkin_fields(self, data)
        return data


class ActivityForm(CheckinForm):
    title = NameField(label=_("活动名称"), max_length=80)
    description = TextField(
        label=_("活动内容"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    place = forms.ModelChoiceField(
        label=pgettext_lazy("one place", "地点"), queryset=Place.objects.none()
    )
    team = forms.ModelChoiceField(
        label=_("队伍"), queryset=Team.objects.none(), required=False, empty_label=_("不限队伍")
    )
    team_only = forms.BooleanField(label=_("仅限队员报名"), required=False)
    day = forms.DateField(label=_("日期"), widget=DATE)
    start_time = forms.TimeField(label=_("开始时间"), widget=TIME)
    end_time = forms.TimeField(label=_("结束时间"), widget=TIME)
    capacity = BoundedIntegerField(label=_("名额"), min_value=1, max_value=1000, initial=10)
    signup_required = forms.BooleanField(label=_("须先报名才能签到"), required=False, initial=True)
    needs_approval = forms.BooleanField(label=_("报名须组织者审核"), required=False)
    rule = forms.ModelChoiceField(
        label=_("积分规则"),
        queryset=Rule.objects.none(),
        required=False,
        empty_label=_("不计积分，只记时长"),
    )
    points_basis = forms.ChoiceField(
        label=_("计分方式"), choices=PointsBasis.choices, initial=PointsBasis.PER_ACTIVITY
    )
    points = BoundedIntegerField(
        label=_("分值"),
        min_value=0,
        max_value=MAX_POINTS,
        required=False,
        help_text=_("按次计分：每次的分值（固定分值的规则可不填）；按小时计分：每小时的分值"),
    )
    repeat_weekly = forms.BooleanField(label=_("每周重复"), required=False)
    repeat_until = forms.DateField(
        label=_("重复到（含）"), required=False, widget=DATE, help_text=_("最长一年")
    )

    def __init__(
        self,
        *args: Any,
        community: Place,
        teams: list[Team],
        rules: list[Rule],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        place_field: Any = self.fields["place"]
        place_field.queryset = (
            Place.objects.filter(community=community)
            .filter(kind__in=[PlaceKind.COMMUNITY, PlaceKind.COMPOUND, PlaceKind.BUILDING])
            .order_by("compound_id", "building_id", "pk")
        )
        place_field.label_from_instance = lambda p: (
            p.full_name() if p.pk != community.pk else p.name
        )
        team_field: Any = self.fields["team"]
        team_field.queryset = Team.objects.filter(pk__in=[t.pk for t in teams]).order_by("name")
        rule_field: Any = self.fields["rule"]
        rule_field.queryset = Rule.objects.filter(pk__in=[r.pk for r in rules]).order_by(
            "category", "key"
        )
        rule_field.label_from_instance = lambda r: (
            gettext("%(name)s（%(n)d 分）") % {"name": r.name, "n": r.points_min}
            if r.is_fixed
            else gettext("%(name)s（%(a)d–%(b)d 分）")
            % {"name": r.name, "a": r.points_min, "b": r.points_max}
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("repeat_weekly") and not data.get("repeat_until"):
            self.add_error("repeat_until", _("每周重复时请填写重复到哪一天"))
        return data


def _half_hours(value: Decimal | None, field: str, form: forms.Form) -> int | None:
    if value is None:
        return None
    doubled = value * 2
    if doubled != doubled.to_integral_value():
        form.add_error(field, _("时长以半小时为单位，请填写 0.5 的整数倍"))
        return None
    return int(doubled)


class HoursAddForm(forms.Form):
    served_on = forms.DateField(label=_("服务日期"), widget=DATE)
    title = NameField(label=_("服务内容"), max_length=120)
    hours = forms.DecimalField(
        label=_("时长（小时）"), min_value=Decimal("0.5"), max_value=24, decimal_places=1
    )
    evidence_note = TextField(
        label=_("凭证说明"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("如：纸质签到表（存档位置）、活动照片、组织者证明"),
    )
    evidence_file = forms.FileField(
        label=_("凭证文件（可选）"),
        required=False,
        help_text=_("照片或 PDF，不超过 10 MB"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["half_hours"] = _half_hours(data.get("hours"), "hours", self)
        return data


class CorrectionForm(forms.Form):
    text = TextField(
        label=_("需要更正的内容"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("写明日期、活动和应有的时长，如：3月3日巡逻忘记签退，实际服务到21:30"),
    )
    activity = BoundedIntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class SettleForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("更正")), ("reject", _("不予更正"))])
    hours = forms.DecimalField(
        label=_("更正时长（小时，可为负）"),
        required=False,
        min_value=-24,
        max_value=24,
        decimal_places=1,
    )
    answer = NameField(label=_("处理意见"), max_length=300, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["half_hours"] = _half_hours(data.get("hours"), "hours", self)
        if data.get("decision") == "accept" and data.get("half_hours") in (None, 0):
            self.add_error("hours", _("请填写更正的时长"))
        return data


class SettingsForm(forms.Form):
    min_share_percent = BoundedIntegerField(
        label=_("计入时长的最低出勤比例（%）"), min_value=1, max_value=100
    )
    signin_open_minutes = BoundedIntegerField(
        label=_("提前签到（分钟）"), min_value=0, max_value=240
    )
