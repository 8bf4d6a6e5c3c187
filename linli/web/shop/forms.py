"""Forms for the reward shop: redeeming (with its idempotency key), a reward, a sponsor and a
sponsor's pledge. They check the shape of the input; the shop services check the rest."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from linli.people.choices import Role
from linli.people.models import User
from linli.places.models import Place
from linli.points.choices import RewardKind, SponsorKind
from linli.points.limits import MAX_PER_RESIDENT, MAX_POINTS, MAX_QUANTITY, MAX_STOCK
from linli.points.models import Sponsor
from linli.web.common.fields import BoundedIntegerField, NameField, TextField
from linli.web.common.forms import NoColonLabels


class RedeemForm(NoColonLabels, forms.Form):
    quantity = BoundedIntegerField(
        label=gettext_lazy("数量"),
        min_value=1,
        max_value=MAX_QUANTITY,
        initial=1,
        error_messages={
            "invalid": gettext_lazy("数量请填写整数，如 1、2"),
            "min_value": gettext_lazy("数量至少是 1"),
            "max_value": gettext_lazy("一次最多兑换 %(limit_value)s 件"),
        },
    )
    idempotency_key = NameField(widget=forms.HiddenInput, max_length=120)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)


class RewardForm(NoColonLabels, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=RewardKind.choices)
    name = NameField(label=gettext_lazy("名称"), max_length=60)
    description = TextField(
        label=gettext_lazy("说明"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    price = BoundedIntegerField(label=gettext_lazy("所需积分"), min_value=1, max_value=MAX_POINTS)
    stock = BoundedIntegerField(label=gettext_lazy("库存/名额"), min_value=0, max_value=MAX_STOCK)
    per_resident_limit = BoundedIntegerField(
        label=gettext_lazy("每人每季度限兑"),
        min_value=1,
        max_value=MAX_PER_RESIDENT,
        required=False,
        help_text=gettext_lazy("留空表示不限"),
    )
    sponsor = forms.ModelChoiceField(
        label=gettext_lazy("赞助方"), queryset=Sponsor.objects.none(), required=False
    )
    photo = forms.FileField(
        label=gettext_lazy("图片"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    active = forms.BooleanField(label=gettext_lazy("上架"), required=False, initial=True)

    def __init__(self, *args: Any, sponsors: QuerySet[Sponsor], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["sponsor"].queryset = sponsors  # type: ignore[attr-defined]


class SponsorForm(NoColonLabels, forms.Form):
    name = NameField(label=gettext_lazy("名称"), max_length=80)
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=SponsorKind.choices)
    contact_name = NameField(label=gettext_lazy("联系人"), max_length=32, required=False)
    contact_phone = NameField(label=gettext_lazy("联系电话"), max_length=20, required=False)
    address = NameField(label=gettext_lazy("地址"), max_length=120, required=False)
    user = forms.ModelChoiceField(
        label=gettext_lazy("商家账号"),
        queryset=User.objects.none(),
        required=False,
        help_text=gettext_lazy("有“辖区企业”角色的账号，用来确认服务兑换码"),
    )
    thanks_public = forms.BooleanField(
        label=gettext_lazy("在感谢名单中公开"), required=False, initial=True
    )

    def __init__(self, *args: Any, community: Place, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            grants__role=Role.SPONSOR, grants__place=community, grants__revoked_at__isnull=True
        ).distinct()


class PledgeForm(NoColonLabels, forms.Form):
    year = BoundedIntegerField(label=gettext_lazy("年"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("季度"), choices=[(i, i) for i in range(1, 5)], coerce=int
    )
    description = NameField(label=gettext_lazy("赞助内容"), max_length=200)
    value_yuan = forms.DecimalField(
        label=gettext_lazy("折合金额（元）"), min_value=0, max_digits=10, decimal_places=2
    )
