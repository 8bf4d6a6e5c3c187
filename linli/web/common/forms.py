"""What every area's forms share: labels without a colon, and a service's refusal shown on
the form (on the field it names)."""

from __future__ import annotations

from typing import Any

from django import forms


def add_domain_error(form: forms.Form, exc: Exception) -> None:
    """Show a service's refusal on the form: on the field it names (a photo that is not an
    image, under the photo input) when the form has that field, else above the form."""
    fields = [f for f in getattr(exc, "errors", {}) or {} if f in form.fields]
    form.add_error(fields[0] if fields else None, str(exc))


class NoColonLabels:
    """Labels render as “姓名”, not “姓名:” — the templates lay labels out on their own line."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
