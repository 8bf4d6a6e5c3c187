"""Forms for the notifications pages: one's e-mail address for the daily digest."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.web.common.forms import NoColonLabels


class EmailForm(NoColonLabels, forms.Form):
    email = forms.EmailField(
        label=_("电子邮箱"),
        required=False,
        max_length=254,
        help_text=_("填写后每天收到一封提醒汇总；留空则不发邮件。"),
        error_messages={"invalid": _("请填写有效的电子邮箱，例如 name@example.com")},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
