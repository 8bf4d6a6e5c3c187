"""System texts are data: every timeline kind and every notice kind (of every app) renders in
English with no Chinese outside what a person typed, and in Chinese; the data migrations read
legacy sentences back into kinds and parameters; the timeline shows the reader's language and
names the department that took a department's step."""

from __future__ import annotations

import importlib
import re
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import translation

from linli.core.texts import TextRegistry
from linli.matters.models import MatterEvent
from linli.matters.services import matter_accept, matter_refer, referral_answer
from linli.matters.texts import DEPARTMENT_ACTOR, EVENTS, legacy_event
from linli.notifications.models import Notification
from linli.notifications.texts import LEGACY, NOTICES, legacy_notice

# CJK ideographs, CJK punctuation (「」、。) and full-width forms (：，（）).
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def sample(registry: TextRegistry, kind: str) -> dict[str, Any]:
    """Parameters for ``kind``: what a person typed or a name as plain ASCII, enumerations as
    one of their codes, lists of names as lists."""
    t = registry.template(kind)
    params: dict[str, Any] = {}
    for name in t.names():
        if name in t.enums:
            params[name] = t.enums[name].values[-1]
        elif name in t.lists or (name == "depts" and t.prepare is not None):
            params[name] = ["Dept A", "Dept B"]
        else:
            params[name] = f"<{name}>"
    if t.prepare is not None:
        params["lead"] = "Dept A"
    return params


def all_kinds() -> list[tuple[str, TextRegistry, str]]:
    return [("event", EVENTS, k) for k in EVENTS.kinds()] + [
        ("notice", NOTICES, k) for k in NOTICES.kinds()
    ]


def test_every_app_installs_its_notice_kinds():
    kinds = NOTICES.kinds()
    assert "matter.refer" in kinds and "activity.cancelled" in kinds and len(kinds) > 40
    assert len(EVENTS.kinds()) > 30


@pytest.mark.parametrize(("what", "registry", "kind"), all_kinds(), ids=lambda v: str(v))
def test_each_kind_renders_in_english_without_chinese(what, registry, kind):
    params = sample(registry, kind)
    with translation.override("en"):
        text = registry.render(kind, params)
    assert text, f"{what} {kind} did not render"
    assert not CJK.search(text), f"{what} {kind} in English: {text!r}"
    for name, value in params.items():
        if isinstance(value, str) and value.startswith("<") and name in text:
            assert value in text  # a person's words and names are shown as given


@pytest.mark.parametrize(("what", "registry", "kind"), all_kinds(), ids=lambda v: str(v))
def test_each_kind_renders_in_chinese(what, registry, kind):
    params = sample(registry, kind)
    with translation.override("zh-hans"):
        chinese = registry.render(kind, params)
    with translation.override("en"):
        english = registry.render(kind, params)
    assert chinese and CJK.search(chinese), f"{what} {kind}: {chinese!r}"
    assert chinese != english


def test_enumerations_are_stored_as_codes_and_shown_as_labels():
    params = {"case": "C-1", "title": "T", "level": 1, "due": "2024-05-01"}
    with translation.override("zh-hans"):
        assert "非常不满意" in NOTICES.render("rating.bad", params)
    with translation.override("en"):
        assert "Very dissatisfied" in NOTICES.render("rating.bad", params)


def test_the_timeline_separator_and_department_are_english_in_english():
    with translation.override("en"):
        assert DEPARTMENT_ACTOR % {"dept": "Housing", "name": "Li"} == "Housing (Li)"
        assert translation.pgettext("label separator", "：") == ": "
        assert translation.pgettext("list separator", "、") == ", "


# --- the data migrations -------------------------------------------------------------------


def _migration(app: str, name: str) -> Any:
    return importlib.import_module(f"linli.{app}.migrations.{name}")


LEGACY_NOTICES = [
    # (stored kind, stored text) → (kind, params) expected
    (
        "matter.accept",
        "事项 和平-2024-0001「楼道灯坏了」已受理",
        ("matter.accept", {"case": "和平-2024-0001", "title": "楼道灯坏了"}),
    ),
    (
        "matter.escalate",
        "事项 和平-2024-0002「加装电梯」已上报到社区",
        (
            "matter.escalate",
            {"case": "和平-2024-0002", "title": "加装电梯", "level": "community"},
        ),
    ),
    (
        "matter.refer",
        "事项 和平-2024-0003「违建」已转办给城管、住建，2024-05-01 前办理",
        (
            "matter.refer",
            {
                "case": "和平-2024-0003",
                "title": "违建",
                "depts": ["城管", "住建"],
                "due": "2024-05-01",
            },
        ),
    ),
    (
        "activity.correction",
        "您的时长更正申请不予更正：当天没有签到记录",
        ("activity.correction_rejected", {"answer": "当天没有签到记录"}),
    ),
    (
        "matter.accept",
        "Matter X accepted in some old wording",
        (LEGACY, {"was": "matter.accept"}),
    ),
    ("t", "有新事项", (LEGACY, {"was": "t"})),
]


@pytest.mark.django_db
def test_the_notice_migration_reads_legacy_sentences_back(tree):
    from tests.factories import UserFactory

    user = UserFactory()
    rows = [
        Notification.objects.create(user=user, kind=kind, text=text, created_at="2024-01-01T00:00Z")
        for kind, text, _want in LEGACY_NOTICES
    ]
    migration = _migration("notifications", "0003_notice_texts_from_prose")
    migration.forwards(django_apps, None)
    for row, (_kind, text, want) in zip(rows, LEGACY_NOTICES, strict=True):
        row.refresh_from_db()
        assert (row.kind, row.params) == want, text
        assert row.text == text
    accepted = rows[0]
    with translation.override("en"):
        assert not CJK.sub("", accepted.message).count("：")
        assert "和平-2024-0001" in accepted.message and "accepted" in accepted.message.lower()
    assert rows[4].message == "Matter X accepted in some old wording"
    migration.backwards(django_apps, None)
    for row, (kind, _text, _want) in zip(rows, LEGACY_NOTICES, strict=True):
        row.refresh_from_db()
        assert (row.kind, row.params) == (kind, {})


LEGACY_EVENTS = [
    ("refer", "转办：城管（牵头）、住建，投诉，2024-05-01 前办理", "refer"),
    ("chase", "城管 已超过办理期限（2024-05-01），已催办", "chase"),
    ("rate", "评价：满意", "rate"),
    ("rate_bad", "评价：非常不满意。已启动整改，2024-05-08 前完成并回访", "rate.rectify"),
    ("sign", "住建 已签收", "sign"),
    ("decline", "不在社区职责范围内", None),  # a person's words: kept as typed
    ("answer", "城管 答复：已经拆除", "answer"),
]


@pytest.mark.django_db
def test_the_event_migration_reads_legacy_notes_back(matter):
    rows = [
        MatterEvent.objects.create(
            matter=matter,
            action=action,
            level=matter.level,
            note=note,
            created_at=matter.raised_at,
        )
        for action, note, _kind in LEGACY_EVENTS
    ]
    migration = _migration("matters", "0006_event_texts_from_prose")
    migration.forwards(django_apps, None)
    for row, (_action, note, kind) in zip(rows, LEGACY_EVENTS, strict=True):
        row.refresh_from_db()
        assert row.note_kind == (kind or ""), note
        assert row.note == note
    refer, _chase, rate, bad = rows[:4]
    assert refer.note_params["depts"] == ["城管", "住建"] and refer.note_params["lead"] == "城管"
    assert refer.note_params["kind"] == "complaint"
    assert rate.note_params == {"level": 4}
    assert bad.note_params == {"level": 1, "due": "2024-05-08"}
    with translation.override("en"):
        for row in rows[1:5]:
            assert not CJK.search(row.text.replace("城管", "").replace("住建", "")), row.text
        assert rate.text == "Rating: Satisfied"
        assert "(lead)" in refer.text
        assert rows[5].text == "不在社区职责范围内"
    migration.backwards(django_apps, None)
    assert not MatterEvent.objects.exclude(note_kind="").exists()


def test_legacy_readers_leave_unknown_sentences_alone():
    assert legacy_event("refer", "随便写的说明") is None
    assert legacy_notice("matter.accept", "随便写的说明") == (LEGACY, {"was": "matter.accept"})


# --- the timeline ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_timeline_reads_in_english_and_names_the_department(
    client, matter, staff, zhujian, depts
):
    matter_accept(actor=staff, matter=matter)
    matter_refer(
        actor=staff,
        matter=matter,
        departments=[depts["住建"]],
        lead=depts["住建"],
        kind="complaint",
    )
    ref = matter.referrals.get()
    referral_answer(actor=zhujian, referral=ref, answer="Fixed the lamp")
    client.force_login(staff)
    client.post(reverse("web:preferences"), {"language": "en"})
    page = client.get(reverse("web:matter_detail", args=[matter.pk])).content.decode()
    timeline = page[page.index('data-testid="timeline"') :]
    assert "Fixed the lamp" in timeline
    assert '<html lang="en"' in page
    assert "Referred: 住建 (lead), Complaint, due by" in timeline
    assert "转办" not in timeline and "答复" not in timeline and "：" not in timeline
    assert f"住建 ({zhujian.name})" in timeline
