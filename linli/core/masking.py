"""Masking of names on public lists (PIPL Art. 25)."""

from __future__ import annotations


def mask_name(name: str) -> str:
    """代正菊 → 代*菊; 杨红 → 杨*; 欧阳娜娜 → 欧**娜; a one-character name → *.

    Two-character names keep the family name; longer names keep the first and last character.
    Latin names keep their first letter of each word.
    """
    name = (name or "").strip()
    if not name:
        return ""
    if name.isascii():
        return " ".join(part[0] + "*" * (len(part) - 1) for part in name.split() if part)
    if len(name) == 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
