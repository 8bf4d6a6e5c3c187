"""Pinyin keys for searching names: 代正菊 → ("daizhengju", "dzj")."""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin


def pinyin_keys(name: str) -> tuple[str, str]:
    """Full pinyin without tones and the initials, both lower case, letters only.

    Family names use their surname reading where pypinyin knows one (单 → shan).
    """
    name = (name or "").strip()
    if not name:
        return "", ""
    syllables = lazy_pinyin(name, style=Style.NORMAL, errors="ignore")
    syllables = [s.lower() for s in syllables if s and s.isascii() and s.isalpha()]
    full = "".join(syllables)
    initials = "".join(s[0] for s in syllables)
    return full[:200], initials[:50]
