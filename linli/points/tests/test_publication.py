"""一季度一公示 through the services: the state machine, the lines, objections, corrections
through the ledger, the final digest and the redemption window it opens."""

import datetime as dt
import hashlib
import json

import pytest
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from linli.core.quarters import CHINA
from linli.people.models import Resident
from linli.points.choices import AwardStatus, ObjectionStatus, PublicationStatus, RuleCategory
from linli.points.models import (
    Award,
    Entry,
    Objection,
    PointsSettings,
    Publication,
    PublicationLine,
    RedemptionWindow,
)
from linli.points.selectors import resident_balance
from linli.points.selectors_publication import compute_lines, publication_by_digest
from linli.points.services import award_reverse, points_award, rule_create
from linli.points.services.publication import (
    Correction,
    objection_raise,
    objection_settle,
    publication_create,
    publication_finalize,
    publication_publish,
    publication_recompute,
    publication_republish,
    publication_verify,
)
from tests.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def at(y, m, d, h=12, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=CHINA)


_keys = iter(range(10**6))


def award(actor, resident, rule, points, when):
    return points_award(
        actor=actor,
        resident=resident,
        rule=rule,
        points=points,
        idempotency_key=f"t-{next(_keys)}",
        occurred_at=when,
    )


@pytest.fixture
def cleanup_rule(version, secretary):
    return rule_create(
        actor=secretary,
        version=version,
        key="cleanup",
        name="环境整治",
        category=RuleCategory.ENVIRONMENT,
        points_min=1,
        points_max=50,
        active_from=dt.date(2023, 1, 1),
    )


@pytest.fixture
def q3(secretary, dzj, neighbour, suggestion_rule, patrol_rule, cleanup_rule):
    """2023 Q3: 代正菊 10 (suggestion) + 10 (patrol) + 5 (cleanup); 邻居甲 10 (patrol);
    one award before the quarter and one after it."""
    award(secretary, dzj, suggestion_rule, 10, at(2023, 7, 5))
    award(secretary, dzj, patrol_rule, 10, at(2023, 8, 1))
    award(secretary, dzj, cleanup_rule, 5, at(2023, 9, 30, 23, 30))  # last half hour, China
    award(secretary, dzj, suggestion_rule, 20, at(2023, 6, 30, 23, 59))  # Q2
    award(secretary, dzj, suggestion_rule, 7, at(2023, 10, 1, 0, 10))  # Q4
    award(secretary, neighbour, patrol_rule, 10, at(2023, 9, 1))
    return publication_create(
        actor=secretary, community=dzj.household.community, year=2023, quarter=3
    )


def end_public_period(publication):
    """The public period has elapsed (as if a week went by)."""
    Publication.objects.filter(pk=publication.pk).update(
        public_until=timezone.now() - dt.timedelta(seconds=1)
    )
    publication.refresh_from_db()


def lines_of(publication):
    return list(PublicationLine.objects.filter(publication=publication).order_by("position"))


# --- create ----------------------------------------------------------------------------------


def test_create_takes_the_quarter_from_settings_and_once_per_quarter(secretary, tree):
    p = publication_create(actor=secretary, community=tree.heping, year=2023, quarter=3)
    assert (p.period_start, p.period_end) == (dt.date(2023, 7, 1), dt.date(2023, 10, 1))
    assert p.status == PublicationStatus.DRAFT and p.edition == 0
    with pytest.raises(Conflict, match="已经建立"):
        publication_create(actor=secretary, community=tree.heping, year=2023, quarter=3)
    assert Publication.objects.count() == 1
    assert AuditEvent.objects.filter(action="points.publication_create").count() == 1


def test_create_with_shifted_quarters(secretary, tree):
    PointsSettings.objects.create(community=tree.heping, quarter_start_month=2)
    p = publication_create(actor=secretary, community=tree.heping, year=2022, quarter=4)
    assert (p.period_start, p.period_end) == (dt.date(2022, 11, 1), dt.date(2023, 2, 1))


@pytest.mark.parametrize("persona", ["resident_user", "leader", "supervisor", "outsider"])
def test_create_refused_outside_staff(request, tree, persona):
    with pytest.raises(NotFound):
        publication_create(
            actor=request.getfixturevalue(persona), community=tree.heping, year=2023, quarter=3
        )
    assert not Publication.objects.exists()


def test_create_refuses_a_future_quarter_and_bad_numbers(secretary, tree):
    year = timezone.localdate().year + 1
    with pytest.raises(ValidationFailed, match="还没有开始"):
        publication_create(actor=secretary, community=tree.heping, year=year, quarter=1)
    with pytest.raises(ValidationFailed):
        publication_create(actor=secretary, community=tree.heping, year=2023, quarter=5)
    with pytest.raises(ValidationFailed):
        publication_create(actor=secretary, community=tree.compound1, year=2023, quarter=1)
    assert not Publication.objects.exists()


# --- lines -----------------------------------------------------------------------------------


def test_lines_by_category_quarter_bounds_and_balance_at_quarter_end(q3, secretary, dzj):
    publication_recompute(actor=secretary, publication=q3)
    first, second = lines_of(q3)
    assert first.resident_id == dzj.pk and first.display_name == "代*菊"
    assert first.by_category == {"environment": 5, "suggestion": 10, "volunteer": 10}
    assert first.earned == 25
    assert first.balance == 45  # 20 before the quarter + 25; the Q4 award is not counted
    assert first.building == "和平小区1栋"
    assert (second.display_name, second.earned, second.balance) == ("邻*甲", 10, 10)
    assert resident_balance(dzj) == 52  # the ledger today, Q4 included


def test_lines_with_shifted_quarters(secretary, tree, dzj, suggestion_rule):
    PointsSettings.objects.create(community=tree.heping, quarter_start_month=2)
    award(secretary, dzj, suggestion_rule, 10, at(2023, 7, 20))  # Q2: May–Jul
    award(secretary, dzj, suggestion_rule, 15, at(2023, 10, 20))  # Q3: Aug–Oct
    p = publication_create(actor=secretary, community=tree.heping, year=2023, quarter=3)
    assert (p.period_start, p.period_end) == (dt.date(2023, 8, 1), dt.date(2023, 11, 1))
    publication_recompute(actor=secretary, publication=p)
    (line,) = lines_of(p)
    assert (line.earned, line.balance, line.by_category) == (15, 25, {"suggestion": 15})


def test_sorted_by_earned_then_balance_then_a_stable_key(secretary, tree, suggestion_rule):
    home = HouseholdFactory(parent=tree.building2, name="2-101")
    a, b, c = (ResidentFactory(household=home, name=n) for n in ("甲一二", "乙一二", "丙一二"))
    award(secretary, a, suggestion_rule, 5, at(2023, 8, 1))
    award(secretary, b, suggestion_rule, 10, at(2023, 8, 1))
    award(secretary, c, suggestion_rule, 5, at(2023, 8, 1))
    award(secretary, c, suggestion_rule, 20, at(2023, 6, 1))  # more balance, same earned as a
    lines = compute_lines(tree.heping.pk, dt.date(2023, 7, 1), dt.date(2023, 10, 1))
    assert [x.resident_id for x in lines] == [b.pk, c.pk, a.pk]
    assert [x.position for x in lines] == [1, 2, 3]
    assert lines[0].building == "和平小区2栋"


def test_reversal_counts_at_the_time_of_what_it_reverses(secretary, dzj, suggestion_rule, tree):
    wrong = award(secretary, dzj, suggestion_rule, 10, at(2023, 8, 1))
    award(secretary, dzj, suggestion_rule, 15, at(2023, 5, 1))
    old = award(secretary, dzj, suggestion_rule, 5, at(2023, 5, 2))
    award_reverse(actor=secretary, award=wrong, reason="重复登记")  # posted today
    award_reverse(actor=secretary, award=old, reason="登记错误")
    (line,) = compute_lines(tree.heping.pk, dt.date(2023, 7, 1), dt.date(2023, 10, 1))
    # The Q3 award and its reversal cancel in Q3; the Q2 reversal leaves Q2 at 15.
    assert (line.earned, line.balance, line.by_category) == (0, 15, {})
    q2 = compute_lines(tree.heping.pk, dt.date(2023, 4, 1), dt.date(2023, 7, 1))
    assert (q2[0].earned, q2[0].balance) == (15, 15)
    # Quarters add up to the ledger: today's balance is the sum of every quarter's earnings.
    assert resident_balance(dzj) == 15


def test_who_is_listed(secretary, tree, dzj, neighbour, suggestion_rule):
    home = HouseholdFactory(parent=tree.building2, name="2-102")
    gone_before = ResidentFactory(household=home, name="早迁出")
    gone_during = ResidentFactory(household=home, name="季中迁出")
    nothing = ResidentFactory(household=home, name="没积分")
    award(secretary, gone_before, suggestion_rule, 10, at(2023, 3, 1))
    award(secretary, gone_during, suggestion_rule, 10, at(2023, 7, 3))
    award(secretary, dzj, suggestion_rule, 10, at(2023, 3, 1))  # balance only, no Q3 points
    Resident.objects.filter(pk=gone_during.pk).update(moved_out=dt.date(2023, 8, 15))
    Resident.objects.filter(pk=gone_before.pk).update(moved_out=dt.date(2023, 6, 30))
    ids = {
        x.resident_id
        for x in compute_lines(tree.heping.pk, dt.date(2023, 7, 1), dt.date(2023, 10, 1))
    }
    assert ids == {gone_during.pk, dzj.pk}
    assert nothing.pk not in ids and neighbour.pk not in ids


def test_masking_two_character_names_and_consent_withdrawn(secretary, tree, suggestion_rule):
    home = HouseholdFactory(parent=tree.building1, name="1-909")
    yang = ResidentFactory(household=home, name="杨红")
    hidden = ResidentFactory(household=home, name="不公开", public_consent=False)
    ouyang = ResidentFactory(household=home, name="欧阳娜娜")
    award(secretary, yang, suggestion_rule, 20, at(2023, 8, 1))
    award(secretary, hidden, suggestion_rule, 15, at(2023, 8, 1))
    award(secretary, ouyang, suggestion_rule, 10, at(2023, 8, 1))
    p = publication_create(actor=secretary, community=tree.heping, year=2023, quarter=3)
    publication_publish(actor=secretary, publication=p)
    names = [x.display_name for x in lines_of(p)]
    assert names == ["杨*", "居民002", "欧**娜"]
    body = json.dumps([(x.display_name, x.building) for x in lines_of(p)], ensure_ascii=False)
    assert "不公开" not in body and "1-909" not in body and yang.phone not in body


# --- the state machine -----------------------------------------------------------------------


def test_publish_snapshot_and_period(q3, secretary, dzj):
    PointsSettings.objects.create(community=q3.community, publication_days=5)
    before = timezone.now()
    p = publication_publish(actor=secretary, publication=q3)
    assert p.status == PublicationStatus.PUBLIC and p.edition == 1
    assert before <= p.public_from <= timezone.now()
    assert p.public_until - p.public_from == dt.timedelta(days=5)
    assert len(lines_of(p)) == 2
    # A snapshot: a later award in the quarter does not change the public list by itself.
    award(secretary, dzj, q3_rule(dzj), 5, at(2023, 8, 2))
    assert lines_of(p)[0].earned == 25


def q3_rule(dzj):
    from linli.points.models import Rule

    return Rule.objects.get(key="suggestion")


def test_publish_refused_before_the_quarter_ends(secretary, tree):
    today = timezone.localdate()
    p = publication_create(
        actor=secretary, community=tree.heping, year=today.year, quarter=(today.month - 1) // 3 + 1
    )
    with pytest.raises(Conflict, match="才结束"):
        publication_publish(actor=secretary, publication=p)
    p.refresh_from_db()
    assert p.status == PublicationStatus.DRAFT


def test_every_refused_step(q3, secretary, resident_user, outsider, dzj):
    # draft: no objection, settle, republish or finalize
    with pytest.raises(Conflict):
        publication_republish(actor=secretary, publication=q3)
    with pytest.raises(Conflict):
        publication_finalize(actor=secretary, publication=q3)
    with pytest.raises(Conflict, match="尚未公示"):
        objection_raise(actor=resident_user, publication=q3, subject_resident=dzj, reason="x")
    # only staff of the community publish
    for who in (resident_user, outsider):
        with pytest.raises(NotFound):
            publication_publish(actor=who, publication=q3)
    p = publication_publish(actor=secretary, publication=q3)
    with pytest.raises(Conflict):
        publication_publish(actor=secretary, publication=p)
    with pytest.raises(Conflict):
        publication_recompute(actor=secretary, publication=p)
    # finalising during the public period
    with pytest.raises(Conflict, match="公示期到"):
        publication_finalize(actor=secretary, publication=p)
    p.refresh_from_db()
    assert p.status == PublicationStatus.PUBLIC and not p.digest


def test_objection_after_the_public_period_is_refused(q3, secretary, resident_user, dzj):
    p = publication_publish(actor=secretary, publication=q3)
    objection_raise(actor=resident_user, publication=p, subject_resident=dzj, reason="分数不对")
    end_public_period(p)
    with pytest.raises(Conflict, match=r"公示期已于 .* 结束，不能再提出异议"):
        objection_raise(actor=resident_user, publication=p, subject_resident=dzj, reason="又看了")
    assert Objection.objects.count() == 1


def test_who_may_object(q3, secretary, staff, outsider, resident_user, dzj, stranger):
    p = publication_publish(actor=secretary, publication=q3)
    for who in (staff, outsider):  # no resident row in the community
        with pytest.raises(Forbidden):
            objection_raise(actor=who, publication=p, subject_resident=dzj, reason="x")
    with pytest.raises(ValidationFailed):
        objection_raise(actor=resident_user, publication=p, subject_resident=dzj, reason="  ")
    with pytest.raises(NotFound):  # not on the list
        objection_raise(actor=resident_user, publication=p, subject_resident=stranger, reason="x")
    assert not Objection.objects.exists()


def test_finalising_with_an_open_objection_is_refused(q3, secretary, resident_user, dzj):
    p = publication_publish(actor=secretary, publication=q3)
    o = objection_raise(actor=resident_user, publication=p, subject_resident=dzj, reason="不对")
    end_public_period(p)
    with pytest.raises(Conflict, match="1 条异议未处理"):
        publication_finalize(actor=secretary, publication=p)
    p.refresh_from_db()
    assert p.status == PublicationStatus.PUBLIC and not p.digest
    assert not RedemptionWindow.objects.exists()
    objection_settle(actor=secretary, objection=o, upheld=False, response="核实无误")
    p = publication_finalize(actor=secretary, publication=p)
    assert p.status == PublicationStatus.FINAL


def test_upheld_objection_corrected_through_the_ledger_and_republished(
    q3, secretary, resident_user, dzj, neighbour, suggestion_rule, patrol_rule
):
    p = publication_publish(actor=secretary, publication=q3)
    wrong = Award.objects.get(resident=dzj, rule=patrol_rule)
    o1 = objection_raise(
        actor=resident_user, publication=p, subject_resident=dzj, reason="8 月 1 日没有巡逻"
    )
    o2 = objection_raise(
        actor=resident_user, publication=p, subject_resident=neighbour, reason="9 月建议漏登"
    )
    lines_before = [(x.display_name, x.earned, x.balance) for x in lines_of(p)]
    entries_before = Entry.objects.count()
    objection_settle(
        actor=secretary,
        objection=o1,
        upheld=True,
        response="核实属实，已冲正",
        correction=Correction(reverse_award=wrong),
    )
    objection_settle(
        actor=secretary,
        objection=o2,
        upheld=True,
        response="已补登",
        correction=Correction(rule=suggestion_rule, points=20),
    )
    # The list itself is never edited: the corrections are in the ledger.
    assert [(x.display_name, x.earned, x.balance) for x in lines_of(p)] == lines_before
    assert Entry.objects.count() == entries_before + 4
    wrong.refresh_from_db()
    assert wrong.status == AwardStatus.REVERSED
    added = Award.objects.get(idempotency_key=f"objection:{o2.pk}:award")
    assert added.occurred_at == at(2023, 9, 30)
    # Finalising before republishing is refused: the list no longer matches the ledger.
    end_public_period(p)
    with pytest.raises(Conflict, match="重新公示"):
        publication_finalize(actor=secretary, publication=p)
    p = publication_republish(actor=secretary, publication=p)
    assert p.edition == 2
    assert [(x.display_name, x.earned, x.balance) for x in lines_of(p)] == [
        ("邻*甲", 30, 30),
        ("代*菊", 15, 35),
    ]
    assert {o.status for o in Objection.objects.all()} == {ObjectionStatus.UPHELD}
    settle = AuditEvent.objects.filter(action="points.objection_settle").order_by("id")
    assert settle[0].data["reversed_award"] == wrong.pk
    assert settle[1].data["awarded"] == added.pk
    p = publication_finalize(actor=secretary, publication=p)
    assert json.loads(p.canonical)["edition"] == 2


def test_settling_twice_and_settling_a_final_list(q3, secretary, resident_user, dzj):
    p = publication_publish(actor=secretary, publication=q3)
    o = objection_raise(actor=resident_user, publication=p, subject_resident=dzj, reason="不对")
    objection_settle(actor=secretary, objection=o, upheld=False, response="无误")
    with pytest.raises(Conflict, match="已处理"):
        objection_settle(actor=secretary, objection=o, upheld=True, response="改主意")
    with pytest.raises(ValidationFailed):
        objection_settle(
            actor=secretary,
            objection=o,
            upheld=False,
            response="x",
            correction=Correction(rule=q3_rule(dzj), points=5),
        )


def test_settle_refused_for_others(q3, secretary, resident_user, leader, outsider, dzj):
    p = publication_publish(actor=secretary, publication=q3)
    o = objection_raise(actor=resident_user, publication=p, subject_resident=dzj, reason="不对")
    for who in (resident_user, leader, outsider):
        with pytest.raises(NotFound):
            objection_settle(actor=who, objection=o, upheld=False, response="无误")
    o.refresh_from_db()
    assert o.status == ObjectionStatus.OPEN


def test_a_correction_for_another_resident_is_refused(q3, secretary, resident_user, dzj, neighbour):
    p = publication_publish(actor=secretary, publication=q3)
    o = objection_raise(actor=resident_user, publication=p, subject_resident=dzj, reason="不对")
    theirs = Award.objects.get(resident=neighbour)
    with pytest.raises(ValidationFailed, match="不属于"):
        objection_settle(
            actor=secretary,
            objection=o,
            upheld=True,
            response="x",
            correction=Correction(reverse_award=theirs),
        )
    theirs.refresh_from_db()
    assert theirs.status == AwardStatus.POSTED
    o.refresh_from_db()
    assert o.status == ObjectionStatus.OPEN


# --- final -----------------------------------------------------------------------------------


@pytest.fixture
def final(q3, secretary):
    p = publication_publish(actor=secretary, publication=q3)
    end_public_period(p)
    return publication_finalize(actor=secretary, publication=p)


def test_final_has_a_canonical_digest(final, tree):
    assert final.status == PublicationStatus.FINAL and final.finalized_at
    assert hashlib.sha256(final.canonical.encode("utf-8")).hexdigest() == final.digest
    assert publication_verify(final)
    content = json.loads(final.canonical)
    assert content["community"] == {"id": tree.heping.pk, "name": "和平社区"}
    assert (content["year"], content["quarter"], content["edition"]) == (2023, 3, 1)
    assert content["period"] == {"start": "2023-07-01", "end": "2023-10-01"}
    assert content["lines"][0] == {
        "balance": 45,
        "building": "和平小区1栋",
        "by_category": {"environment": 5, "suggestion": 10, "volunteer": 10},
        "display_name": "代*菊",
        "earned": 25,
        "position": 1,
    }
    # sorted keys, compact, UTF-8
    assert final.canonical == json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert "代*菊" in final.canonical
    assert publication_by_digest(final.digest) == final
    tampered = final.digest[:-1] + ("0" if final.digest[-1] != "0" else "1")
    assert publication_by_digest(tampered) is None


def test_final_opens_the_redemption_window(final):
    window = RedemptionWindow.objects.get(publication=final)
    assert window.opens_at == final.finalized_at
    assert window.closes_at - window.opens_at == dt.timedelta(days=14)
    assert window.community_id == final.community_id


def test_final_is_locked(final, secretary, resident_user, dzj, suggestion_rule):
    canonical, lines = final.canonical, [x.pk for x in lines_of(final)]
    for step in (
        publication_republish,
        publication_finalize,
        publication_publish,
        publication_recompute,
    ):
        with pytest.raises(Conflict):
            step(actor=secretary, publication=final)
    with pytest.raises(Conflict, match="定稿"):
        objection_raise(actor=resident_user, publication=final, subject_resident=dzj, reason="x")
    # A later correction to the ledger does not touch the final list.
    award(secretary, dzj, suggestion_rule, 5, at(2023, 8, 20))
    final.refresh_from_db()
    assert final.canonical == canonical and [x.pk for x in lines_of(final)] == lines
    assert RedemptionWindow.objects.count() == 1


def test_the_demo_loader_may_replay_a_past_cycle(q3, secretary, system):
    day = at(2023, 10, 8, 9)
    p = publication_publish(actor=secretary, publication=q3, now=day)
    assert p.public_from == day and p.public_until == day + dt.timedelta(days=7)
    p = publication_finalize(actor=system, publication=p, now=day + dt.timedelta(days=8))
    assert p.finalized_at == day + dt.timedelta(days=8)
    window = RedemptionWindow.objects.get(publication=p)
    assert window.opens_at == day + dt.timedelta(days=8)
