"""Input hygiene: clean_text and clean_int, by example and by property (hypothesis)."""

from __future__ import annotations

import decimal
import re
import sys
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from linli.core.errors import ValidationFailed
from linli.core.text import (
    INT_MAX,
    INT_MIN,
    NUL_MESSAGE,
    ZWJ,
    clean_int,
    clean_optional_int,
    clean_text,
    parse_int,
)

BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
MARKS = ["\u200e", "\u200f", "\u061c"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u2060", "\ufeff", "\u00ad", "\u180e", "\u2061", "\U000e0041"]
FILLERS = ["\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"]


def _bad_left(text: str, *, multiline: bool) -> list[str]:
    """Characters clean_text must never return: controls (but \\n and \\t in multiline text),
    surrogates, format characters (but a ZWJ between two emoji), the blank letters."""
    bad = []
    for i, ch in enumerate(text):
        cat = unicodedata.category(ch)
        if (cat == "Cc" and not (multiline and ch in "\n\t")) or cat == "Cs" or ch in FILLERS:
            bad.append(ch)
        elif cat == "Cf":
            if ch == ZWJ and 0 < i < len(text) - 1:
                continue  # checked by the emoji tests
            bad.append(ch)
    return bad


# --- text, by example -----------------------------------------------------------------------


@pytest.mark.parametrize("mark", BIDI + MARKS + ZERO_WIDTH + FILLERS)
def test_invisible_characters_are_stripped(mark):
    assert clean_text(f"楼道{mark}灯坏了{mark}", limit=80) == "楼道灯坏了"
    assert clean_text(f"{mark}张三", limit=32) == "张三"


def test_a_right_to_left_override_cannot_turn_a_title_around():
    assert clean_text("照片\u202egpj.exe", limit=80) == "照片gpj.exe"


def test_only_invisible_characters_is_empty_and_refused_when_required():
    assert clean_text("\u200b\u202e\u3164", limit=10) == ""
    with pytest.raises(ValidationFailed, match="请填写标题"):
        clean_text("\u200b \u202e \u3164", limit=10, required="请填写标题")


@pytest.mark.parametrize(
    "emoji",
    [
        "👨\u200d👩\u200d👧",  # family
        "🏳\ufe0f\u200d🌈",  # rainbow flag: VS16 before the ZWJ
        "👩🏽\u200d💻",  # skin tone before the ZWJ
        "❤\ufe0f\u200d🔥",
    ],
)
def test_zwj_inside_an_emoji_sequence_is_kept(emoji):
    assert clean_text(f"家人{emoji}团聚", limit=20) == f"家人{emoji}团聚"


def test_zwj_elsewhere_is_stripped():
    assert clean_text("管\u200d理", limit=10) == "管理"
    assert clean_text("\u200d👩", limit=10) == "👩"
    assert clean_text("👩\u200d", limit=10) == "👩"
    assert clean_text("👩\u200d\u200d👩", limit=10) == "👩\u200d👩"


@pytest.mark.parametrize("control", ["\x00", "\x01", "\x07", "\x1b", "\x7f", "\x80", "\x9b"])
def test_control_characters_are_refused(control):
    with pytest.raises(ValidationFailed):
        clean_text(f"标题{control}内容", limit=80)
    with pytest.raises(ValidationFailed):
        clean_text(f"标题{control}内容", limit=80, multiline=True)


def test_nul_is_refused_with_a_clear_message():
    with pytest.raises(ValidationFailed) as exc:
        clean_text("a\x00b", limit=10)
    assert str(exc.value) == str(NUL_MESSAGE)
    assert "NUL" in str(exc.value) and "空字符" in str(exc.value)
    with pytest.raises(ValidationFailed, match="标题含有空字符"):
        clean_text("a\x00b", limit=10, label="标题")


@pytest.mark.parametrize("raw", ["\ud800", "a\udfffb", "\ufffe", "\U0001ffff", "\ufdd0"])
def test_surrogates_and_noncharacters_are_refused(raw):
    with pytest.raises(ValidationFailed, match="控制字符"):
        clean_text(raw, limit=10)


def test_single_line_collapses_whitespace_and_line_breaks():
    assert clean_text("  楼道\t灯\r\n坏了\u3000 \u2028了 ", limit=80) == "楼道 灯 坏了 了"


def test_multiline_keeps_lines_tabs_and_chinese_indentation():
    raw = "\r\n  \u3000\u3000第一段。  \r\n\tA\rB\u2029\x0b\n\n"
    assert clean_text(raw, limit=80, multiline=True) == "\u3000\u3000第一段。\n\tA\nB\n"[:-1]


def test_length_is_counted_after_cleaning():
    assert clean_text("\u200b" * 100 + "好", limit=1) == "好"
    with pytest.raises(ValidationFailed, match="不能超过 5 个字"):
        clean_text("六个字的标题", limit=5)
    with pytest.raises(ValidationFailed, match="标题不能超过 80 个字"):
        clean_text("x" * 100_000, limit=80, label="标题")


def test_nfc_but_not_nfkc():
    assert clean_text("e\u0301", limit=5) == "\u00e9"
    assert clean_text("（你好，世界）１０", limit=20) == "（你好，世界）１０"


def test_ordinary_hostile_looking_text_is_text():
    for raw in ("<script>alert(1)</script>", "=cmd|' /C calc'!A0", "🙂", "\ufffd\ufffd"):
        assert clean_text(raw, limit=80) == raw


# --- text, by property ----------------------------------------------------------------------

# Text with a good share of the characters that matter here.
TRICKY = st.sampled_from(
    [
        *["\x00", "\x01", "\x7f", "\x85", "\r", "\n", "\t", "\x0b", " ", "\u3000", "\u00a0", ZWJ],
        *BIDI,
        *MARKS,
        *ZERO_WIDTH,
        *FILLERS,
        *["👨", "👩", "\ufe0f", "🏽", "❤", "e", "\u0301", "楼", "A", "\ud800", "\ufffe"],
    ]
)
TEXTS = st.lists(st.one_of(TRICKY, st.characters()), max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(raw=TEXTS, multiline=st.booleans())
@example(raw="👨\u200d👩\u200d👧", multiline=False)
def test_clean_text_output_is_clean_and_idempotent(raw, multiline):
    must_refuse = any(
        (unicodedata.category(c) == "Cc" and c not in "\t\n\r\x0b\x0c\x85")
        or unicodedata.category(c) == "Cs"
        or 0xFDD0 <= ord(c) <= 0xFDEF
        or ord(c) & 0xFFFE == 0xFFFE
        for c in raw
    )
    try:
        once = clean_text(raw, limit=1000, multiline=multiline)
    except ValidationFailed:
        assert must_refuse
        return
    assert not must_refuse
    assert _bad_left(once, multiline=multiline) == []
    for i, ch in enumerate(once):
        if ch == ZWJ:
            assert once[i + 1] not in (ZWJ, "")
    assert once == once.strip() or multiline
    assert clean_text(once, limit=1000, multiline=multiline) == once
    assert unicodedata.is_normalized("NFC", once)


@settings(max_examples=200, deadline=None)
@given(raw=st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Cf"))))
def test_ordinary_text_is_refused_only_for_length(raw):
    expected = " ".join(unicodedata.normalize("NFC", raw).split())
    expected = "".join(c for c in expected if c not in FILLERS and c not in "\ufffe\uffff")
    try:
        out = clean_text(raw, limit=10_000)
    except ValidationFailed:
        assert any(0xFDD0 <= ord(c) <= 0xFDEF or ord(c) & 0xFFFE == 0xFFFE for c in raw)
        return
    assert out == " ".join(expected.split())


def test_the_stripped_class_covers_every_format_character_of_this_python():
    """On a newer Python (a newer Unicode), a new Cf character fails here: add it."""
    missed = [
        f"U+{cp:04X}"
        for cp in range(sys.maxunicode + 1)
        if unicodedata.category(chr(cp)) == "Cf"
        and chr(cp) != ZWJ
        and clean_text(f"a{chr(cp)}b", limit=5) != "ab"
    ]
    assert missed == []


# --- whole numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("10", 10),
        ("１０", 10),
        (" １０ ", 10),
        ("\u3000７\u3000", 7),
        ("－５", -5),
        ("−5", -5),
        ("+3", 3),
        ("＋３", 3),
        ("10.0", 10),
        ("１０．０", 10),
        (10, 10),
        (10.0, 10),
        (decimal.Decimal("10"), 10),
        ("007", 7),
    ],
)
def test_clean_int_reads_what_people_type(raw, value):
    assert clean_int(raw, min_value=-100, max_value=100) == value


@pytest.mark.parametrize(
    "raw",
    ["1e5", "0x10", "NaN", "nan", "inf", "-inf", "1.5", "²", "①", "١٠", "1 0", "1,000", "--1", "+",
     "", " ", None, True, False, 1.5, float("nan"), float("inf"), decimal.Decimal("NaN"),
     decimal.Decimal("1.5"), [], "10\x00", "\u202e10"],
)  # fmt: skip
def test_clean_int_refuses_what_is_not_a_whole_number(raw):
    with pytest.raises(ValidationFailed):
        clean_int(raw, min_value=-100, max_value=100)


@pytest.mark.parametrize("raw", ["99999999999999999999", "2147483648", "9" * 5000, "-1", "101"])
def test_clean_int_refuses_out_of_range_with_the_range(raw):
    with pytest.raises(ValidationFailed, match="0 到 100"):
        clean_int(raw, min_value=0, max_value=100)


def test_clean_int_messages():
    with pytest.raises(ValidationFailed, match=r"^请填写库存$"):
        clean_int("", min_value=0, max_value=9, label="库存")
    with pytest.raises(ValidationFailed, match=r"^库存必须是整数$"):
        clean_int("1e5", min_value=0, max_value=9, label="库存")
    with pytest.raises(ValidationFailed, match=r"^分值必须是正整数$"):
        clean_int("0", min_value=1, max_value=9, message="分值必须是正整数")
    assert clean_optional_int(" ", min_value=0, max_value=9) is None
    assert clean_optional_int("３", min_value=0, max_value=9) == 3


FULL_WIDTH = str.maketrans("0123456789-+", "０１２３４５６７８９－＋")


@settings(max_examples=300, deadline=None)
@given(
    value=st.integers(min_value=-(2**40), max_value=2**40),
    bounds=st.tuples(
        st.integers(min_value=INT_MIN, max_value=INT_MAX),
        st.integers(min_value=INT_MIN, max_value=INT_MAX),
    ).map(sorted),
    full_width=st.booleans(),
    spaces=st.booleans(),
)
def test_clean_int_accepts_exactly_the_integers_in_range(value, bounds, full_width, spaces):
    low, high = bounds
    raw = str(value)
    if full_width:
        raw = raw.translate(FULL_WIDTH)
    if spaces:
        raw = f" {raw}\u3000"
    if low <= value <= high:
        assert clean_int(raw, min_value=low, max_value=high) == value
    else:
        with pytest.raises(ValidationFailed):
            clean_int(raw, min_value=low, max_value=high)


ASCII_FORM = str.maketrans("０１２３４５６７８９－＋−﹣．", "0123456789-+--.")


@settings(max_examples=300, deadline=None)
@given(raw=st.text(alphabet=st.sampled_from("0１２9 -－+＋.．eE²x\u3000a٣"), max_size=8))
def test_parse_int_reads_only_ascii_or_full_width_integers(raw):
    ascii_form = raw.translate(ASCII_FORM).strip()
    m = re.fullmatch(r"[+-]?([0-9]+)(\.0*)?", ascii_form, re.ASCII)
    expected = int(ascii_form.split(".")[0]) if m else None
    assert parse_int(raw) == expected
