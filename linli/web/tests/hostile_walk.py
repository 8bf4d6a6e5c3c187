"""The hostile-input walk's machinery (``test_hostile_input`` holds what is walked:
``PAGES``, ``FORMS``, ``BUTTONS``, ``GROUPS``): the hostile values of each field kind,
the database's state (content hash, written rows, dirty text), the net catcher, the
``Form`` case, and how one form, one page's query string and a junk post are walked."""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.signals import got_request_exception
from django.db import connection, transaction
from django.urls import resolve, reverse

from linli.web.tests.hostile_world import build_world

HUGE = "99999999999999999999"
SCRIPT = "<script>alert(1)</script>"
FORMULA = "=cmd|' /C calc'!A0"
LONG = "长" * 100_000

# value, and what it must do in a field of each kind: "refuse" (nothing stored), "ok"
# (stored or not, but clean), "as10" (what "10" does).
TEXT_VALUES: list[tuple[str, Any]] = [
    ("nul", "标题\x00内容"),
    ("controls", "a\x01b\x1bc\x7f"),
    ("rlo", "标\u202e题"),
    ("zwsp", "标\u200b题\ufeff"),
    ("only-invisible", "\u202e\u200b\ufeff"),
    ("long", LONG),
    ("huge", HUGE),
    ("empty", ""),
    ("space", " \u3000"),
    ("emoji", "🙂👨\u200d👩\u200d👧"),
    ("script", SCRIPT),
    ("formula", FORMULA),
    ("list", ["好", "\x00"]),
    ("missing", None),
]
NUMBER_VALUES: list[tuple[str, Any]] = [
    ("nul", "1\x00"),
    ("huge", HUGE),
    ("int32", "2147483648"),
    ("minus", "-1"),
    ("fullwidth", "１０"),
    ("exp", "1e5"),
    ("nan", "NaN"),
    ("super", "²"),
    ("digits", "9" * 5000),
    ("empty", ""),
    ("list", ["10", HUGE]),
    ("missing", None),
]
ID_VALUES: list[tuple[str, Any]] = [
    ("nul", "1\x00"),
    ("huge", HUGE),
    ("minus", "-1"),
    ("super", "²"),
    ("text", SCRIPT),
    ("empty", ""),
    ("list", ["1", HUGE]),
    ("missing", None),
]
DATE_VALUES: list[tuple[str, Any]] = [
    ("nul", "2026-01-01\x00"),
    ("feb30", "2026-02-30"),
    ("year1", "0001-01-01"),
    ("huge", HUGE),
    ("empty", ""),
    ("missing", None),
]
FREE_VALUES: list[tuple[str, Any]] = [
    ("nul", "\x00"),
    ("huge", HUGE),
    ("long", LONG),
    ("header", "/\x00\r\nX-Evil: 1"),
]
VALUES = {
    "text": TEXT_VALUES,
    "int": NUMBER_VALUES,
    "decimal": NUMBER_VALUES,
    "id": ID_VALUES,
    "choice": ID_VALUES,
    "date": DATE_VALUES,
    "time": DATE_VALUES,
    "free": FREE_VALUES,
}
# Refused whatever the field (for required fields also: empty, space, missing, only-*).
ALWAYS_REFUSED = {
    "text": {"nul", "long", "controls", "list"},
    "int": {"nul", "huge", "int32", "exp", "nan", "super", "digits", "list"},
    "decimal": {"nul", "huge", "int32", "nan", "super", "digits", "list"},
    "id": {"nul", "huge", "minus", "super", "text", "list"},
    "choice": {"nul", "huge", "minus", "super", "text", "list"},
    "date": {"nul", "feb30", "huge"},
    "time": {"nul", "feb30", "year1", "huge"},
    "free": set(),
}
BLANK = {"empty", "space", "missing", "only-invisible"}
QUERY_PARAMS = [
    "page",
    "place",
    "year",
    "quarter",
    "q",
    "period",
    "community",
    "start",
    "end",
    "for",
    "reward",
    "team",
    "compound",
    "motion",
    "choice",
    "d",
    "code",
    "digest",
    "kind",
    "status",
    "level",
    "at_level",
    "state",
    "group",
    "title",
    "resident",
    "next",
]
QUERY_VALUES = [
    "1\x00",
    HUGE,
    "１０",
    "²",
    "2026-02-30",
    "\u202e\u200b",
    SCRIPT + "长" * 5000,
]
# Characters no stored text may hold (ZWJ excepted: it joins emoji). NUL cannot be stored.
DIRTY = re.compile(
    "[\x01-\x08\x0b-\x0d\x0e-\x1f\x7f-\x9f\u00ad\u061c\u115f\u1160\u180e\u200b\u200c"
    "\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0]"
)
SKIP_TABLES = {"django_session", "axes_accessattempt", "axes_accesslog", "axes_accessfailurelog"}


# --- the database's state --------------------------------------------------------------------


def _tables() -> list[str]:
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
    return sorted(n for n in names if n not in SKIP_TABLES)


def _fingerprint_sql() -> str:
    # Table names come from the introspection, not from input.
    rows = "string_agg(md5(x::text), '' ORDER BY md5(x::text))"
    parts = [
        f"SELECT '{t}' AS n, md5(coalesce({rows}, '')) AS h FROM \"{t}\" x"  # noqa: S608
        for t in _tables()
    ]
    union = " UNION ALL ".join(parts)
    return f"SELECT md5(string_agg(h, '' ORDER BY n)) FROM ({union}) s"  # noqa: S608


def _dirty_sql() -> str:
    parts = [
        f"(SELECT '{t}' AS n, x::text AS row FROM \"{t}\" x WHERE x::text ~ %s LIMIT 1)"  # noqa: S608
        for t in _tables()
    ]
    return " UNION ALL ".join(parts)


class Db:
    def __init__(self) -> None:
        self.fingerprint_sql = _fingerprint_sql()
        self.dirty_sql = _dirty_sql()
        self.dirty_params = [DIRTY.pattern] * len(_tables())

    def activity(self) -> int:
        """Rows this transaction inserted, updated or deleted so far (never goes down, rolled
        back savepoints included): unchanged means nothing was written."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)"
                " FROM pg_stat_xact_user_tables"
            )
            return int(cursor.fetchone()[0])

    def fingerprint(self) -> str:
        with connection.cursor() as cursor:
            cursor.execute(self.fingerprint_sql)
            return str(cursor.fetchone()[0])

    def dirty(self) -> list[tuple[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute(self.dirty_sql, self.dirty_params)
            return [(n, row[:200]) for n, row in cursor.fetchall()]


class NetCatcher(logging.Handler):
    """Records what reached the bad-input net (linli.web.bad_input)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        exc = record.exc_info[1] if record.exc_info else None
        self.records.append(f"{record.getMessage()} {exc!r}"[:300])


# --- the cases ------------------------------------------------------------------------------


W = Any  # the world (hostile_world.build_world)


def _u(name: str, *args: Callable[[W], Any]) -> Callable[[W], str]:
    return lambda w: reverse(f"web:{name}", args=[a(w) for a in args])


def _c(value: Any) -> Callable[[W], Any]:
    return lambda w: value


def _pk(attr: str) -> Callable[[W], int]:
    return lambda w: getattr(w, attr).pk


def _q(name: str, query: Callable[[W], str], *args: Callable[[W], Any]) -> Callable[[W], str]:
    return lambda w: reverse(f"web:{name}", args=[a(w) for a in args]) + "?" + query(w)


@dataclass
class Form:
    """One POST form: who posts it where, a valid post, and each field's kind ("text",
    "int", "decimal", "id", "choice", "date", "time", "free"; a trailing "?": optional)."""

    name: str
    persona: str
    url: Callable[[W], str]
    data: Callable[[W], dict[str, Any]]
    fields: dict[str, str]
    page: Callable[[W], str] | None = None  # where the form is rendered (default: url)
    live: bool = True  # the valid post changes the database
    min_zero: set[str] = field(default_factory=set)  # fields where 0…-n are allowed
    multi: set[str] = field(default_factory=set)  # fields that take several values

    @property
    def id(self) -> str:
        return self.name

    @property
    def url_name(self) -> str:
        return self.name.split(":")[0]


OBJ = lambda w: f"o{w.objection.pk}"  # noqa: E731 - the settle form's prefix


# --- walking ---------------------------------------------------------------------------------


@dataclass
class Walk:
    db: Db
    net: NetCatcher
    failures: list[str] = field(default_factory=list)
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    mark: int = 0

    def __post_init__(self) -> None:
        got_request_exception.connect(self._error, dispatch_uid="hostile-walk")

    def close(self) -> None:
        got_request_exception.disconnect(dispatch_uid="hostile-walk")

    def _error(self, sender: Any, request: Any = None, **kwargs: Any) -> None:
        exc = sys.exc_info()[1]
        self.errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")

    def start(self) -> None:
        """Before a request whose writes are checked."""
        self.mark = self.db.activity()

    def check(self, label: str, response: Any, *, before: str | None, refuse: bool) -> bool:
        """After one request: True if the database changed."""
        self.requests += 1
        status = response.status_code
        if status >= 500:
            why = self.errors[-1] if self.errors else ""
            self.failures.append(f"{label}: {status} {why}")
        self.errors.clear()
        if self.net.records:
            self.failures.append(f"{label}: reached the net: {self.net.records[-1]}")
            self.net.records.clear()
        body = b"" if getattr(response, "streaming", False) else response.content
        if SCRIPT.encode() in body:
            self.failures.append(f"{label}: echoes {SCRIPT} unescaped")
        if before is None:
            return False
        changed = self.db.activity() != self.mark and self.db.fingerprint() != before
        if changed and refuse:
            self.failures.append(f"{label}: refused input was stored (status {status})")
        if changed:
            dirty = self.db.dirty()
            if dirty:
                self.failures.append(f"{label}: stored invisible/control characters: {dirty[0]}")
        return changed


def _post_data(base: dict[str, Any], name: str, value: Any) -> dict[str, Any]:
    data = dict(base)
    if value is None:
        data.pop(name, None)
    else:
        data[name] = value
    return data


def _expect_refused(form: Form, name: str, kind: str, tag: str) -> bool:
    base = kind.rstrip("?")
    optional = kind.endswith("?")
    if tag == "list" and name in form.multi:
        return False  # several departments: the valid one is taken, the junk one ignored
    if tag in ALWAYS_REFUSED[base]:
        return True
    if tag == "minus" and base in ("int", "decimal") and name not in form.min_zero:
        return True
    if base in ("text", "int", "decimal", "id", "choice", "date", "time") and not optional:
        return tag in BLANK
    return False


def _field_name(form: Form, w: W, name: str) -> str:
    return f"{OBJ(w)}-{name}" if form.name == "objection_settle" else name


def _walk_form(client: Any, w: W, walk: Walk, form: Form) -> None:
    url = form.url(w)
    base = form.data(w)
    sid = transaction.savepoint()
    try:
        before = walk.db.fingerprint()
        walk.start()
        response = client.post(url, base)
        changed = walk.check(f"{form.id} valid", response, before=before, refuse=False)
        transaction.savepoint_rollback(sid)
        sid = transaction.savepoint()
        if form.live and not changed:
            walk.failures.append(
                f"{form.id}: the valid post changed nothing ({response.status_code}); "
                "the case tests nothing"
            )
        for short, kind in form.fields.items():
            name = _field_name(form, w, short)
            base_kind = kind.rstrip("?")
            outcome_of_10: bool | None = None
            for tag, value in VALUES[base_kind]:
                refuse = _expect_refused(form, short, kind, tag)
                if isinstance(value, list):
                    value = [base.get(name, "") if v in ("好", "10", "1") else v for v in value]
                walk.start()
                response = client.post(url, _post_data(base, name, value))
                label = f"{form.id}[{short}={tag}]"
                changed = walk.check(label, response, before=before, refuse=refuse)
                transaction.savepoint_rollback(sid)
                sid = transaction.savepoint()
                if tag == "fullwidth" and base_kind == "int":
                    walk.start()
                    response = client.post(url, _post_data(base, name, "10"))
                    outcome_of_10 = walk.check(f"{label} as 10", response, before=before,
                                               refuse=False)  # fmt: skip
                    transaction.savepoint_rollback(sid)
                    sid = transaction.savepoint()
                    if changed != outcome_of_10:
                        walk.failures.append(f"{label}: １０ and 10 differ ({changed} vs 10)")
        # Undecodable bytes in the body, and every field at once.
        raw = "&".join(f"{_field_name(form, w, f)}=%ff%fe%ed%a0%80" for f in form.fields)
        walk.start()
        response = client.post(url, raw, content_type="application/x-www-form-urlencoded")
        walk.check(f"{form.id}[raw bytes]", response, before=before, refuse=False)
    finally:
        transaction.savepoint_rollback(sid)


def _junk_post(client: Any, w: W, walk: Walk, name: str, url: str) -> None:
    """A POST with hostile junk in every parameter a page reads (buttons, GET-only pages,
    other people's forms): no 5xx, nothing dirty stored."""
    for value in ("\x00", HUGE, "²", "\u202e"):
        sid = transaction.savepoint()
        try:
            before = walk.db.fingerprint()
            data = {p: value for p in (*QUERY_PARAMS, "reason", "text", "username", "password")}
            walk.start()
            response = client.post(url, data)
            walk.check(f"{name} POST junk {value[:3]!r}", response, before=before, refuse=False)
        finally:
            transaction.savepoint_rollback(sid)


def _get_walk(client: Any, w: W, walk: Walk, name: str, url: str) -> None:
    path = url.split("?")[0]
    for value in QUERY_VALUES:
        response = client.get(path, dict.fromkeys(QUERY_PARAMS, value))
        walk.check(f"{name} GET ?*={value[:5]!r}", response, before=None, refuse=False)
    for raw in ("page=%ff%fe&q=%00%ed%a0%80", "place=%EF%BC%91%EF%BC%90&year=%C2%B2"):
        response = client.get(f"{path}?{raw}")
        walk.check(f"{name} GET raw {raw}", response, before=None, refuse=False)
    # Ids past every range in the path (the int converter takes any digits).
    match = resolve(path)
    if match.kwargs:
        huge_path = path
        for value in match.kwargs.values():
            if isinstance(value, int):
                huge_path = huge_path.replace(f"/{value}/", f"/{HUGE}/", 1)
        if huge_path != path:
            response = client.get(huge_path)
            walk.check(f"{name} GET {huge_path}", response, before=None, refuse=False)


def _world(request: Any) -> W:
    names = ("secretary", "staff", "leader", "resident_user", "supervisor", "outsider")
    people = {n: request.getfixturevalue(n) for n in names}
    return build_world(request.getfixturevalue("tree"), people)


def _sign_in(client: Any, w: W, persona: str) -> None:
    client.raise_request_exception = False
    client.logout()
    if persona != "anonymous":
        client.force_login(w.people[persona])


def _report(walk: Walk, started: float) -> None:
    walk.close()
    print(f"\n{walk.requests} requests in {time.monotonic() - started:.1f}s")
    assert not walk.failures, f"{len(walk.failures)} failures:\n" + "\n".join(walk.failures[:80])
