"""Form fields with the input hygiene of ``linli.core.text``: every text and whole number a form
takes goes through the same rules as the services apply (one place for the rules).

- ``TextField``: a CharField whose value passes ``clean_text`` — NUL and other control
  characters refused with a clear message, bidi controls and zero-width characters stripped,
  whitespace collapsed (single line) or lines kept (multiline, the default for a Textarea),
  the length counted after cleaning. ``max_length`` is required: no text is unbounded.
- ``NameField``: a single-line TextField for names and titles.
- ``BoundedIntegerField``: an IntegerField that reads full-width digits and signs (１０, －５)
  and always has both bounds, by default 0 … 2³¹−1 (PostgreSQL's ``integer``), so an
  overflowing number is a form error, never a database error.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from linli.core.errors import ValidationFailed
from linli.core.text import INT_MAX, INT_MIN, clean_text, parse_int


class TextField(forms.CharField):
    def __init__(self, *, max_length: int, multiline: bool | None = None, **kwargs: Any):
        super().__init__(max_length=max_length, **kwargs)
        self.limit = max_length
        self.multiline = isinstance(self.widget, forms.Textarea) if multiline is None else multiline

    def to_python(self, value: Any) -> str | None:
        text = super().to_python(value)
        if text is None or text in self.empty_values:
            return text
        try:
            return clean_text(
                text, limit=self.limit, multiline=self.multiline, label=self.label or ""
            )
        except ValidationFailed as exc:
            raise ValidationError(str(exc), code="invalid") from None


class NameField(TextField):
    """A name or a title: one line."""

    def __init__(self, *, max_length: int, **kwargs: Any):
        super().__init__(max_length=max_length, multiline=False, **kwargs)


class BoundedIntegerField(forms.IntegerField):
    # Plain words instead of Django's stock "确保该值小于或等于…" (a field may say more).
    default_error_messages = {
        "invalid": gettext_lazy("请填写整数"),
        "min_value": gettext_lazy("不能少于 %(limit_value)s"),
        "max_value": gettext_lazy("不能超过 %(limit_value)s"),
    }

    def __init__(self, *, min_value: int = 0, max_value: int = INT_MAX, **kwargs: Any):
        if not INT_MIN <= min_value <= max_value <= INT_MAX:
            raise ValueError("bounds must lie within PostgreSQL's integer")
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        if isinstance(value, str) and not value.strip():
            return None
        found = parse_int(value)
        if found is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return found
