"""Forms for the publication pages: a resident's objection, creating a quarter's draft, and
staff settling an objection (with the correction it makes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from linli.core.quarters import CHINA
from linli.places.models import Place
from linli.points.choices import AwardStatus
from linli.points.limits import MAX_POINTS
from linli.points.models import Award, Objection, Rule
from linli.points.services.publication import Correction
from linli.web.common.fields import BoundedIntegerField, TextField


class ObjectionForm(forms.Form):
    reason = TextField(
        label=gettext_lazy("异议理由"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("请写明哪里不对，例如哪一次加分有误、漏登了什么。"),
    )


class CreateForm(forms.Form):
    community = forms.ModelChoiceField(queryset=Place.objects.none(), label=gettext_lazy("社区"))
    year = BoundedIntegerField(label=gettext_lazy("年"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("季度"),
        choices=[(n, n) for n in range(1, 5)],
        coerce=int,
    )

    def __init__(self, *args: Any, communities: QuerySet[Place], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        community_field = self.fields["community"]
        assert isinstance(community_field, forms.ModelChoiceField)
        community_field.queryset = communities


def _award_label(award: Award) -> str:
    return f"{timezone.localtime(award.occurred_at):%Y-%m-%d} {award.rule.name} +{award.points}"


class SettleForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=gettext_lazy("处理结果"),
        choices=[("1", gettext_lazy("属实，更正")), ("0", gettext_lazy("不属实，不予更正"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    response = TextField(
        label=gettext_lazy("处理意见"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )
    reverse_award = forms.ModelChoiceField(
        queryset=Award.objects.none(),
        required=False,
        label=gettext_lazy("冲正这笔加分"),
    )
    rule = forms.ModelChoiceField(
        queryset=Rule.objects.none(), required=False, label=gettext_lazy("补加：规则")
    )
    points = BoundedIntegerField(
        required=False, min_value=1, max_value=MAX_POINTS, label=gettext_lazy("补加：分值")
    )
    occurred_on = forms.DateField(
        required=False,
        label=gettext_lazy("补加：发生日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("留空则记在本季度最后一天"),
    )

    def __init__(self, *args: Any, objection: Objection, **kwargs: Any) -> None:
        kwargs["prefix"] = f"o{objection.pk}"
        super().__init__(*args, **kwargs)
        award_field = self.fields["reverse_award"]
        rule_field = self.fields["rule"]
        assert isinstance(award_field, forms.ModelChoiceField)
        assert isinstance(rule_field, forms.ModelChoiceField)
        award_field.queryset = (
            Award.objects.filter(resident_id=objection.subject_id, status=AwardStatus.POSTED)
            .select_related("rule")
            .order_by("-occurred_at")
        )
        award_field.label_from_instance = _award_label  # type: ignore[method-assign,assignment]
        rule_field.queryset = Rule.objects.filter(
            community_id=objection.publication.community_id, active_until__isnull=True
        ).order_by("category", "key")

    def correction(self) -> Correction:
        data = self.cleaned_data
        day = data.get("occurred_on")
        return Correction(
            reverse_award=data.get("reverse_award"),
            rule=data.get("rule"),
            points=data.get("points"),
            occurred_at=dt.datetime.combine(day, dt.time(12), tzinfo=CHINA) if day else None,
        )
