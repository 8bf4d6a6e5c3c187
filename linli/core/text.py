"""Input hygiene: the one place for the rules every text and whole number from outside (pages,
API, imports) passes through before it is stored.

Text — ``clean_text``:

- **Refused** (``ValidationFailed``, nothing stored): NUL and the other C0 control characters
  (tab and line breaks excepted), DEL, the C1 controls, lone surrogates and Unicode
  noncharacters. Nobody types these: they come from a broken client, a binary file pasted
  by mistake, or an attack. PostgreSQL cannot store NUL in text at all, and a surrogate cannot
  be encoded to UTF-8, so letting them through would fail in the database; refusing says
  what is wrong instead of quietly changing what was sent.
- **Stripped** (silently): the invisible format characters (Unicode category Cf) — the bidi
  controls (U+202A–U+202E embeddings and overrides, U+2066–U+2069 isolates, U+200E/U+200F
  marks, U+061C) and the zero-width ones (U+200B space, U+200C non-joiner, U+2060 word joiner,
  U+FEFF byte-order mark, U+00AD soft hyphen, U+180E, the invisible operators U+2061–U+2064,
  the tag characters U+E0000–U+E007F …) — and the letters that render as nothing (the Hangul
  fillers U+115F, U+1160, U+3164, U+FFA0 and the blank braille cell U+2800). People paste
  these without knowing (chat apps wrap names in bidi isolates, text copied from files starts
  with a BOM, web pages carry soft hyphens), so refusing would show an error about something
  nobody can see; kept, they make a title read differently from what is stored (an override
  turns "gpj.exe" around), two names that look the same differ (duplicates, a search that
  misses), or hide text. Our users write Chinese and English; a Uyghur or Persian text loses
  only explicit marks, and the bidi algorithm still orders its letters.
- **ZWJ (U+200D)** is kept where it joins two emoji (👨‍👩‍👧 is three people joined by two
  ZWJs; without them it shows as three faces) and stripped anywhere else. Variation
  selectors (U+FE0F makes ❤ into ❤️; U+E0100… select ideograph variants in some names) are
  ordinary combining marks, not format characters, and stay.
- Line breaks (CRLF, CR, U+0085, U+2028, U+2029, VT, FF) become "\\n". Single-line text (a
  title, a name) has every run of whitespace, line breaks included, collapsed to one space
  and is trimmed; multiline text keeps its lines (and tabs and indentation such as the
  ideographic spaces of a Chinese paragraph), loses trailing spaces on each line, blank
  lines at either end and ASCII spaces before the first word. Then NFC (never NFKC:
  full-width punctuation （，） is Chinese text).
- The length is counted on the cleaned text.

Whole numbers — ``clean_int``: full-width digits and signs (１０, －５) are read as their ASCII
forms (the Chinese IMEs type full-width); anything else that is not an integer (1e5, 0x10,
NaN, inf, 1.5, a superscript ²) is refused, and so is anything outside ``min_value`` …
``max_value``. Bounds must lie within PostgreSQL's column type: ``INT_MAX`` (2³¹−1) for
``integer``, ``SMALLINT_MAX`` for ``smallint`` — a larger value would fail in the database.
"""

from __future__ import annotations

import decimal
import re
import unicodedata

from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import ValidationFailed

# PostgreSQL's integer types. Python ints are unbounded; a value past these fails in the
# database ("integer out of range"), so every bound is checked in Python first.
INT_MAX = 2**31 - 1
INT_MIN = -(2**31)
SMALLINT_MAX = 2**15 - 1
BIGINT_MAX = 2**63 - 1

# Shown for NUL by our own fields and by Django's ProhibitNullCharactersValidator (whose
# zh-hans translation, "不允许是用空字符串", is wrong); see CoreConfig.ready().
NUL_MESSAGE = gettext_lazy("内容含有空字符（NUL），无法保存，请删除后重新输入")

_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
# C0 controls except tab and newline (line breaks are normalised first), DEL and C1, lone
# surrogates, and the noncharacters.
_REFUSED = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(1, 17))
    + "]"
)
# Unicode 14's format characters (category Cf) but ZWJ, and the blank-looking letters.
# ``test_text`` checks this class against unicodedata, so a newer Python's Unicode is noticed.
_STRIPPED = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f"
    "\u115f\u1160\u3164\uffa0\u2800]"
)
ZWJ = "\u200d"
_VS16 = "\ufe0f"


def _is_emoji(ch: str) -> bool:
    """Pictographs that ZWJ sequences join: the emoji planes and the symbol blocks (arrows,
    technical, misc symbols, dingbats) that carry the older emoji (❤, ☕, ⚕)."""
    cp = ord(ch)
    return 0x1F000 <= cp <= 0x1FAFF or 0x2190 <= cp <= 0x2BFF


def _join_emoji_only(text: str) -> str:
    if ZWJ not in text:
        return text
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch == ZWJ:
            before = out[-1] if out else ""
            after = text[i + 1] if i + 1 < len(text) else ""
            if not (before and (before == _VS16 or _is_emoji(before))):
                continue
            if not (after and _is_emoji(after)):
                continue
        out.append(ch)
    return "".join(out)


def has_refused(raw: str) -> bool:
    """Whether ``raw`` holds a character clean_text refuses (NUL, another control, a lone
    surrogate, a noncharacter): for callers that report a bad cell or row instead."""
    return _REFUSED.search(_LINE_BREAKS.sub("\n", raw)) is not None


def clean_text(
    raw: object,
    *,
    limit: int,
    required: str | Promise = "",
    multiline: bool = False,
    label: str | Promise = "",
) -> str:
    """``raw`` as text fit to store (see the module's docstring), or ValidationFailed.

    ``required`` is the message when the cleaned text is empty (blank text is allowed when it
    is ""); ``label`` names the field in the other messages.
    """
    text = "" if raw is None else str(raw)
    text = _LINE_BREAKS.sub("\n", text)
    bad = _REFUSED.search(text)
    if bad is not None:
        if bad.group() == "\x00":
            raise ValidationFailed(
                _("%(label)s含有空字符（NUL），无法保存，请删除后重新输入") % {"label": label}
                if label
                else str(NUL_MESSAGE)
            )
        raise ValidationFailed(
            _("%(label)s含有无法识别的控制字符（%(code)s），请删除后重新输入")
            % {"label": label or _("内容"), "code": f"U+{ord(bad.group()):04X}"}
        )
    text = _join_emoji_only(_STRIPPED.sub("", text))
    text = unicodedata.normalize("NFC", text)
    if multiline:
        text = "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")
        text = text.lstrip(" \t")  # ideographic-space indentation stays
    else:
        text = " ".join(text.split())
    if not text:
        if required:
            raise ValidationFailed(str(required))
        return ""
    if len(text) > limit:
        raise ValidationFailed(
            _("%(label)s不能超过 %(n)d 个字（现有 %(len)d 个字）")
            % {"label": label or _("内容"), "n": limit, "len": len(text)}
        )
    return text


# --- whole numbers --------------------------------------------------------------------------

_FULL_WIDTH = str.maketrans(
    {
        **{chr(0xFF10 + d): str(d) for d in range(10)},
        "\uff0b": "+",  # ＋
        "\uff0d": "-",  # －
        "\u2212": "-",  # − MINUS SIGN
        "\ufe63": "-",  # ﹣
        "\uff0e": ".",  # ．
    }
)
_INTEGER = re.compile(r"([+-]?)([0-9]+)(?:\.0*)?", re.ASCII)
_MAX_DIGITS = 30  # anything longer is out of every range; never hand int() a huge string


def _int_messages(
    label: str | Promise, min_value: int, max_value: int, message: str | Promise
) -> tuple[str, str]:
    if message:
        return str(message), str(message)
    if label:
        return (
            _("%(label)s必须是整数") % {"label": label},
            _("%(label)s应在 %(min)d 到 %(max)d 之间")
            % {"label": label, "min": min_value, "max": max_value},
        )
    return (
        _("请填写整数"),
        _("请填写 %(min)d 到 %(max)d 之间的整数") % {"min": min_value, "max": max_value},
    )


def parse_int(raw: object) -> int | None:
    """An integer as people type it (full-width digits and signs allowed, spaces around it,
    a trailing ".0" from Excel), or None when it is not one. No bounds."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() else None
    if isinstance(raw, decimal.Decimal):
        return int(raw) if raw.is_finite() and raw == raw.to_integral_value() else None
    if not isinstance(raw, str):
        return None
    text = raw.translate(_FULL_WIDTH).strip()
    m = _INTEGER.fullmatch(text)
    if m is None:
        return None
    digits = m.group(2).lstrip("0") or "0"
    if len(digits) > _MAX_DIGITS:
        digits = "9" * _MAX_DIGITS  # out of any range we use; reported as such
    value = int(digits)
    return -value if m.group(1) == "-" else value


def clean_int(
    raw: object,
    *,
    min_value: int,
    max_value: int,
    label: str | Promise = "",
    message: str | Promise = "",
) -> int:
    """A whole number in ``min_value`` … ``max_value`` (see the module's docstring), or
    ValidationFailed. ``message`` replaces every message (e.g. "分值必须是正整数")."""
    assert INT_MIN <= min_value <= max_value <= BIGINT_MAX
    not_int, out_of_range = _int_messages(label, min_value, max_value, message)
    value = parse_int(raw)
    if value is None:
        blank = raw is None or (isinstance(raw, str) and not raw.strip())
        if blank and label and not message:
            raise ValidationFailed(_("请填写%(label)s") % {"label": label})
        raise ValidationFailed(not_int)
    if not min_value <= value <= max_value:
        raise ValidationFailed(out_of_range)
    return value


def clean_optional_int(
    raw: object,
    *,
    min_value: int,
    max_value: int,
    label: str | Promise = "",
    message: str | Promise = "",
) -> int | None:
    """Like clean_int, but blank (None or an empty string) is None."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return clean_int(raw, min_value=min_value, max_value=max_value, label=label, message=message)


def int_bounds(min_value: int, max_value: int) -> list[MinValueValidator | MaxValueValidator]:
    """A model field's validators for the bounds its service enforces (admin and model forms
    then refuse the same values)."""
    return [MinValueValidator(min_value), MaxValueValidator(max_value)]
