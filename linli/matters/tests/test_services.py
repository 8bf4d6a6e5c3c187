"""Each service, and its refusals that change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from linli.audit.models import AuditEvent
from linli.core.actors import SYSTEM
from linli.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from linli.matters.choices import MatterAction, MatterKind, MatterLevel, MatterSource, MatterState
from linli.matters.models import Matter, MatterEvent, MatterFollower, MatterPhoto
from linli.matters.selectors import matter_age_text, matter_similar
from linli.matters.services import (
    matter_accept,
    matter_award_adopted,
    matter_close,
    matter_decide,
    matter_decline,
    matter_escalate,
    matter_follow,
    matter_merge,
    matter_raise,
    matter_reopen,
    matter_settle,
    matter_withdraw,
)
from linli.points.models import Award

from .conftest import png

pytestmark = pytest.mark.django_db
S = MatterState


def _snapshot(matter: Matter) -> tuple:
    matter.refresh_from_db()
    return (
        matter.state,
        matter.level,
        matter.events.count(),
        AuditEvent.objects.count(),
        matter.decision,
    )


# --- raising ---------------------------------------------------------------------------------


def test_resident_raises_for_own_building_with_photos(tree, resident_user):
    m = matter_raise(
        actor=resident_user,
        place=tree.building1,
        kind=MatterKind.PROBLEM,
        title="楼道灯坏了",
        photos=[png("a.png"), png("b.png")],
    )
    year = m.raised_at.year
    assert m.case_number == f"和平-{year}-0001"
    assert (m.state, m.level, m.source) == (S.RAISED, MatterLevel.BUILDING, MatterSource.RESIDENT)
    assert m.resident.user == resident_user
    assert m.photos.count() == 2
    assert MatterFollower.objects.filter(matter=m, user=resident_user).exists()
    assert list(m.events.values_list("action", flat=True)) == [MatterAction.RAISE]
    assert AuditEvent.objects.filter(action="matters.raise", target_id=str(m.pk)).exists()
    m2 = matter_raise(actor=resident_user, place=tree.compound1, kind="suggestion", title="x 建议")
    assert m2.case_number == f"和平-{year}-0002" and m2.level == MatterLevel.COMPOUND


def test_case_numbers_are_per_community_and_year(tree, resident_user, outsider):
    m1 = matter_raise(
        actor=resident_user,
        place=tree.building1,
        kind="problem",
        title="一",
        when=dt.datetime(2025, 12, 31, 12, tzinfo=dt.UTC),
    )
    m2 = matter_raise(
        actor=resident_user,
        place=tree.building1,
        kind="problem",
        title="二",
        when=dt.datetime(2026, 1, 2, 12, tzinfo=dt.UTC),
    )
    m3 = matter_raise(
        actor=outsider, place=tree.other_building, kind="problem", title="三", source="visit"
    )
    assert m1.case_number == "和平-2025-0001"
    assert m2.case_number == "和平-2026-0001"
    assert m3.case_number.startswith("胜利-")


@pytest.mark.parametrize("where", ["building2", "other_building", "heping"])
def test_resident_cannot_raise_elsewhere(tree, resident_user, where):
    with pytest.raises((NotFound, ValidationFailed)):
        matter_raise(actor=resident_user, place=getattr(tree, where), kind="problem", title="x")
    assert not Matter.objects.exists()


def test_leader_raises_on_behalf_and_staff_from_group(tree, leader, staff, outsider):
    m = matter_raise(
        actor=leader,
        place=tree.building1,
        kind=MatterKind.REQUEST,
        title="加装扶手",
        source=MatterSource.LEADER,
        on_behalf_of_name="王奶奶",
        backers=12,
    )
    assert (m.backers, m.on_behalf_of_name, m.resident) == (12, "王奶奶", None)
    assert "王奶奶" in m.events.get().note
    with pytest.raises(NotFound):
        matter_raise(actor=leader, place=tree.building2, kind="request", title="x", source="leader")
    g = matter_raise(actor=staff, place=tree.building2, kind="problem", title="y", source="group")
    assert g.source == MatterSource.GROUP
    with pytest.raises(NotFound):
        matter_raise(
            actor=outsider, place=tree.building1, kind="problem", title="z", source="visit"
        )
    with pytest.raises(NotFound):
        matter_raise(actor=staff, place=tree.building1, kind="problem", title="z", source="leader")
    assert Matter.objects.count() == 2


def _bad_raise(resident_user, tree, photos):
    with pytest.raises(ValidationFailed) as exc:
        matter_raise(
            actor=resident_user, place=tree.building1, kind="problem", title="x", photos=photos
        )
    assert not Matter.objects.exists() and not MatterPhoto.objects.exists()
    return exc.value


def test_photos_not_images_too_large_too_many(tree, resident_user, tmp_path):
    text = SimpleUploadedFile("evil.jpg", b"not an image at all", content_type="image/jpeg")
    assert _bad_raise(resident_user, tree, [png(), text]).errors == {"photos": ["not_image"]}
    big = png("big.png")
    big.size = 10 * 1024 * 1024 + 1
    assert _bad_raise(resident_user, tree, [big]).errors == {"photos": ["too_large"]}
    many = [png(f"{i}.png") for i in range(10)]
    assert _bad_raise(resident_user, tree, many).errors == {"photos": ["too_many"]}
    stored = list((tmp_path / "media").rglob("*.*")) if (tmp_path / "media").exists() else []
    assert stored == []


def test_bad_fields_refused(tree, resident_user):
    for kw in (
        {"title": "  "},
        {"kind": "gossip"},
        {"backers": 0},
        {"latitude": 91},
        {"source": "telepathy"},
    ):
        args = {"place": tree.building1, "kind": "problem", "title": "x", **kw}
        with pytest.raises(ValidationFailed):
            matter_raise(actor=resident_user, **args)
    assert not Matter.objects.exists()


def test_similar_open_matters_at_the_same_place(tree, resident_user, matter, staff):
    other = matter_raise(
        actor=staff, place=tree.building2, kind="problem", title="1栋楼道灯坏了", source="visit"
    )
    found = matter_similar(resident_user, place=tree.building1, title="楼道的灯坏了")
    assert found == [matter]
    assert matter_similar(resident_user, place=tree.building1, title="垃圾桶满了") == []
    assert other not in matter_similar(staff, place=tree.building1, title="楼道灯坏")
    matter_decline(actor=staff, matter=matter, reason="重复")
    assert matter_similar(resident_user, place=tree.building1, title="楼道灯坏了") == []


# --- building level --------------------------------------------------------------------------


def test_leader_accepts_and_settles_at_building_level(matter, leader):
    matter_accept(actor=leader, matter=matter)
    m = matter_settle(actor=leader, matter=matter, note="已联系物业换了灯泡")
    assert (m.state, m.level) == (S.DONE, MatterLevel.BUILDING)
    assert m.finished_at is not None
    ev = m.events.order_by("id").last()
    assert (ev.action, ev.actor, ev.actor_kind, ev.from_state, ev.to_state) == (
        "settle",
        leader,
        "leader",
        S.ACCEPTED,
        S.DONE,
    )
    assert "历时 1 天" in matter_age_text(m)


def test_refusals_change_nothing(matter, resident_user, leader, staff, outsider, supervisor):
    before = _snapshot(matter)
    with pytest.raises(Forbidden):  # the raiser cannot accept their own matter
        matter_accept(actor=resident_user, matter=matter)
    with pytest.raises(NotFound):  # outside one's places: not found
        matter_accept(actor=outsider, matter=matter)
    with pytest.raises(Forbidden):  # a supervisor sees but does not handle
        matter_accept(actor=supervisor, matter=matter)
    with pytest.raises(Conflict):  # not accepted yet: nothing to settle? no: settle needs held
        matter_settle(actor=leader, matter=matter, note="done")
    with pytest.raises(ValidationFailed):
        matter_escalate(actor=leader, matter=matter, reason="  ")
    with pytest.raises(ValidationFailed):
        matter_decline(actor=staff, matter=matter, reason="")
    with pytest.raises(Forbidden):
        matter_decline(actor=leader, matter=matter, reason="不归我管")
    with pytest.raises(Conflict):
        matter_decide(actor=staff, matter=matter, decision="x")  # not at community level
    assert _snapshot(matter) == before


def test_escalate_building_compound_community_then_decide(matter, leader, staff):
    m = matter_escalate(actor=leader, matter=matter, reason="涉及整个小区的线路")
    assert (m.state, m.level) == (S.IN_HAND, MatterLevel.COMPOUND)
    ev = m.events.order_by("id").last()
    assert ev.data == {"from_level": "building", "to_level": "compound"}
    assert ev.note == "涉及整个小区的线路"
    with pytest.raises(Forbidden):  # not at building level any more: the leader is done
        matter_escalate(actor=leader, matter=matter, reason="再上报")
    m = matter_escalate(actor=staff, matter=matter, reason="需要社区出资")
    assert m.level == MatterLevel.COMMUNITY
    with pytest.raises(Conflict):
        matter_escalate(actor=staff, matter=matter, reason="还能再上吗")
    m = matter_decide(actor=staff, matter=matter, decision="社区出资更换整栋线路")
    assert (m.state, m.decision) == (S.DECIDED, "社区出资更换整栋线路")
    assert matter_age_text(m) == "第 1 天，在社区"


def test_withdraw_reopen_close(matter, resident_user, staff, leader):
    matter_withdraw(actor=resident_user, matter=matter)
    matter.refresh_from_db()
    assert matter.state == S.CLOSED
    m = matter_reopen(actor=resident_user, matter=matter, reason="还是不亮")
    assert m.state == S.REOPENED and m.finished_at is None
    matter_accept(actor=leader, matter=matter)
    matter_settle(actor=leader, matter=matter, note="换了")
    m = matter_close(actor=staff, matter=matter)
    assert m.state == S.CLOSED
    with pytest.raises(ValidationFailed):
        matter_reopen(actor=resident_user, matter=matter, reason="")


def test_follow_and_unfollow(matter, leader):
    matter_follow(actor=leader, matter=matter)
    assert matter.followers.count() == 2
    matter_follow(actor=leader, matter=matter, follow=False)
    assert matter.followers.count() == 1


# --- merging ---------------------------------------------------------------------------------


def test_merge_moves_followers_to_the_survivor(tree, matter, leader, staff, resident_user):
    dup = matter_raise(
        actor=leader,
        place=tree.building1,
        kind="problem",
        title="楼道灯不亮",
        source="leader",
        backers=3,
    )
    matter_follow(actor=staff, matter=dup)
    with pytest.raises(Forbidden):
        matter_merge(actor=leader, matter=dup, into=matter)
    with pytest.raises(ValidationFailed):
        matter_merge(actor=staff, matter=dup, into=dup)
    m = matter_merge(actor=staff, matter=dup, into=matter)
    assert (m.state, m.merged_into) == (S.MERGED, matter)
    assert set(matter.followers.values_list("user_id", flat=True)) == {
        resident_user.pk,
        leader.pk,
        staff.pk,
    }
    assert not dup.followers.exists()
    matter.refresh_from_db()
    assert matter.backers == 4
    assert matter.events.filter(action="merged_in").exists()
    with pytest.raises(Conflict):  # nothing merges into a merged matter
        matter_merge(actor=staff, matter=matter, into=dup)


# --- the adopted suggestion ------------------------------------------------------------------


def _to_community(m, staff):
    matter_accept(actor=staff, matter=m)
    matter_escalate(actor=staff, matter=m, reason="需要社区决定")


def test_adopted_suggestion_awards_once(suggestion, staff, secretary, suggestion_rule):
    _to_community(suggestion, staff)
    m = matter_decide(actor=staff, matter=suggestion, decision="采纳，明年春天动工", adopted=True)
    award = Award.objects.get(source_type="matter", source_id=str(m.pk))
    assert award.resident == m.resident and award.points == suggestion_rule.points_min
    # Retried (a lost response, a second click, another staff member): still one award.
    assert matter_award_adopted(actor=secretary, matter=m) == award
    assert matter_award_adopted(actor=staff, matter=m) == award
    with pytest.raises(Conflict):
        matter_decide(actor=staff, matter=m, decision="再决定一次", adopted=True)
    assert Award.objects.filter(source_type="matter").count() == 1
    assert m.events.filter(action="award").count() == 1


def test_adopted_without_rule_is_recorded_not_failed(suggestion, staff):
    _to_community(suggestion, staff)
    m = matter_decide(actor=staff, matter=suggestion, decision="采纳", adopted=True)
    assert m.state == S.DECIDED
    assert not Award.objects.exists()
    ev = m.events.get(action="award_skipped")
    assert "建言献策" in ev.note


def test_adopted_needs_a_suggestion(matter, staff, suggestion_rule):
    _to_community(matter, staff)
    before = _snapshot(matter)
    with pytest.raises(ValidationFailed):
        matter_decide(actor=staff, matter=matter, decision="x", adopted=True)
    assert _snapshot(matter) == before


def test_system_actor_can_step(matter):
    m = matter_accept(actor=SYSTEM, matter=matter)
    assert m.state == S.ACCEPTED
    ev = MatterEvent.objects.get(matter=m, actor__isnull=True)
    assert ev.actor_kind == "staff"
    m = matter_close(actor=SYSTEM, matter=matter_settle(actor=SYSTEM, matter=m, note="ok"))
    assert m.events.order_by("id").last().actor_kind == "system"


def test_retrying_a_skipped_award_does_not_repeat_the_note(suggestion, staff):
    _to_community(suggestion, staff)
    m = matter_decide(actor=staff, matter=suggestion, decision="采纳", adopted=True)
    assert matter_award_adopted(actor=staff, matter=m) is None
    assert m.events.filter(action="award_skipped").count() == 1


def test_award_after_the_rule_appears(suggestion, staff, request):
    _to_community(suggestion, staff)
    m = matter_decide(actor=staff, matter=suggestion, decision="采纳", adopted=True)
    request.getfixturevalue("suggestion_rule")
    award = matter_award_adopted(actor=staff, matter=m)
    assert award is not None and award.source_type == "matter"
    assert matter_award_adopted(actor=staff, matter=m) == award
    assert m.events.filter(action="award").count() == 1


def test_award_refused_for_residents_and_other_kinds(matter, suggestion, resident_user, staff):
    with pytest.raises(NotFound):
        matter_award_adopted(actor=resident_user, matter=suggestion)
    with pytest.raises(Conflict):  # not decided yet
        matter_award_adopted(actor=staff, matter=suggestion)


def test_raise_event_records_the_state(matter):
    ev = matter.events.get()
    assert (ev.action, ev.to_state, ev.actor_kind, ev.level) == (
        "raise",
        "raised",
        "raiser",
        "building",
    )


@pytest.mark.parametrize(
    ("a", "b", "similar"),
    [
        ("1栋楼道灯坏了", "楼道的灯又坏了", True),
        ("1栋楼道灯坏了", "楼道灯不亮", True),
        ("小区空地改成休闲小广场", "空地建个小广场", True),
        ("1栋楼道灯坏了", "垃圾桶满了", False),
        ("1栋楼道灯坏了", "电动车充电桩", False),
        ("停车位不够", "楼道灯坏了", False),
    ],
)
def test_title_similarity(a, b, similar):
    from linli.matters.selectors import SIMILAR_MIN, title_similarity

    assert (title_similarity(a, b) >= SIMILAR_MIN) is similar, title_similarity(a, b)
