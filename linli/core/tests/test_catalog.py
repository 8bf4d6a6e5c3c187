"""English is the interface's second language: every Chinese string has its English.

A string added without a translation shows Chinese on an English page; this test names it.
Run ``make messages`` after adding strings, then translate what it lists.
"""

from __future__ import annotations

import re
from pathlib import Path

PO = Path(__file__).resolve().parents[3] / "locale" / "en" / "LC_MESSAGES" / "django.po"
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _entries(text: str) -> list[dict[str, str]]:
    out = []
    for block in text.split("\n\n"):
        entry: dict[str, str] = {"flags": ""}
        key = ""
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] += line
            elif line.startswith("#"):
                continue
            elif line.startswith(("msgctxt", "msgid", "msgstr")):
                key = line.split(" ", 1)[0]
                entry[key] = "".join(_STRING.findall(line))
            elif line.startswith('"') and key:
                entry[key] += "".join(_STRING.findall(line))
        if entry.get("msgid"):
            out.append(entry)
    return out


def test_the_english_catalog_is_complete() -> None:
    entries = _entries(PO.read_text(encoding="utf-8"))
    assert len(entries) > 1000
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    missing = [
        e["msgid"]
        for e in entries
        if not any(v for k, v in e.items() if k.startswith("msgstr"))
        or any(k.startswith("msgstr[") and not v for k, v in e.items())
    ]
    assert not fuzzy, f"fuzzy (check and fix): {fuzzy[:20]}"
    assert not missing, f"untranslated: {missing[:20]}"


def test_placeholders_survive_translation() -> None:
    named = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdfi]")
    bad = []
    for e in _entries(PO.read_text(encoding="utf-8")):
        want = sorted(named.findall(e["msgid"]))
        for k, v in e.items():
            if k.startswith("msgstr") and v and sorted(set(named.findall(v))) != sorted(set(want)):
                bad.append(e["msgid"])
    assert not bad, f"placeholders differ: {bad[:20]}"
