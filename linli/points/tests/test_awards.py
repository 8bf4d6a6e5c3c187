import datetime as dt
import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from linli.points.choices import AwardStatus, PostingKind
from linli.points.models import Account, Award, Entry, Posting
from linli.points.selectors import resident_balance
from linli.points.services import (
    award_approve,
    award_reject,
    award_reverse,
    ledger_verify,
    points_award,
    points_award_batch,
    rule_revise,
)

WHEN = dt.datetime(2023, 11, 18, 19, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def key():
    return str(uuid.uuid4())


def snapshot():
    return (
        Award.objects.count(),
        Posting.objects.count(),
        Entry.objects.count(),
        sorted(Account.objects.values_list("pk", "balance")),
    )


@pytest.mark.django_db
def test_staff_award_posts_a_balanced_entry_pair(secretary, dzj, suggestion_rule):
    award = points_award(
        actor=secretary,
        resident=dzj,
        rule=suggestion_rule,
        points=10,
        idempotency_key=key(),
        occurred_at=WHEN,
        evidence_note="微议事群：建议巡逻队宣传文明养犬",
    )
    assert award.status == AwardStatus.POSTED and award.awarded_by == secretary
    entries = list(award.posting.entries.order_by("amount"))
    assert [e.amount for e in entries] == [-10, 10]
    assert entries[1].account.resident == dzj
    assert resident_balance(dzj) == 10
    assert ledger_verify() == []
    assert AuditEvent.objects.filter(action="points.award", target_id=str(award.pk)).exists()


@pytest.mark.django_db
def test_same_key_same_request_returns_the_first_award(secretary, dzj, suggestion_rule):
    k = key()
    first = points_award(
        actor=secretary,
        resident=dzj,
        rule=suggestion_rule,
        points=10,
        idempotency_key=k,
        occurred_at=WHEN,
    )
    again = points_award(
        actor=secretary,
        resident=dzj,
        rule=suggestion_rule,
        points=10,
        idempotency_key=k,
        occurred_at=WHEN,
    )
    assert again.pk == first.pk
    assert resident_balance(dzj) == 10
    before = snapshot()
    with pytest.raises(Conflict):
        points_award(
            actor=secretary,
            resident=dzj,
            rule=suggestion_rule,
            points=15,
            idempotency_key=k,
            occurred_at=WHEN,
        )
    assert snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("points", [0, -5, 1.5, "2.5", "abc", True, None])
def test_points_must_be_a_positive_whole_number(secretary, dzj, suggestion_rule, points):
    before = snapshot()
    with pytest.raises(ValidationFailed):
        points_award(
            actor=secretary,
            resident=dzj,
            rule=suggestion_rule,
            points=points,
            idempotency_key=key(),
            occurred_at=WHEN,
        )
    assert snapshot() == before


@pytest.mark.django_db
def test_points_outside_the_rule_range_or_dates_are_refused(secretary, dzj, suggestion_rule):
    before = snapshot()
    with pytest.raises(ValidationFailed, match="5 到 20"):
        points_award(
            actor=secretary,
            resident=dzj,
            rule=suggestion_rule,
            points=25,
            idempotency_key=key(),
            occurred_at=WHEN,
        )
    with pytest.raises(ValidationFailed, match="有效期"):
        points_award(
            actor=secretary,
            resident=dzj,
            rule=suggestion_rule,
            points=10,
            idempotency_key=key(),
            occurred_at=WHEN.replace(year=2022),
        )
    assert snapshot() == before


@pytest.mark.django_db
def test_revised_rule_ends_the_old_version(tree, secretary, dzj, suggestion_rule, version):
    from linli.points.services import catalog_version_create

    with pytest.raises(ValidationFailed):
        rule_revise(
            actor=secretary,
            rule=suggestion_rule,
            version=version,
            points_min=8,
            points_max=30,
            active_from=dt.date(2024, 1, 1),
        )
    v2 = catalog_version_create(
        actor=secretary,
        community=tree.heping,
        decision="2024 年居民会议修订",
        decided_on=dt.date(2023, 12, 20),
    )
    assert v2.number == 2
    new = rule_revise(
        actor=secretary,
        rule=suggestion_rule,
        version=v2,
        points_min=8,
        points_max=30,
        active_from=dt.date(2024, 1, 1),
    )
    suggestion_rule.refresh_from_db()
    assert suggestion_rule.active_until == dt.date(2023, 12, 31)
    with pytest.raises(ValidationFailed, match="有效期"):
        points_award(
            actor=secretary,
            resident=dzj,
            rule=suggestion_rule,
            points=10,
            idempotency_key=key(),
            occurred_at=WHEN.replace(year=2024),
        )
    award = points_award(
        actor=secretary,
        resident=dzj,
        rule=new,
        points=30,
        idempotency_key=key(),
        occurred_at=WHEN.replace(year=2024),
    )
    assert award.rule.supersedes == suggestion_rule


@pytest.mark.django_db
def test_caps_per_day_and_quarter(secretary, dzj, patrol_rule):
    points_award(
        actor=secretary,
        resident=dzj,
        rule=patrol_rule,
        points=10,
        idempotency_key=key(),
        occurred_at=WHEN,
    )
    before = snapshot()
    with pytest.raises(Conflict, match="每日上限"):
        points_award(
            actor=secretary,
            resident=dzj,
            rule=patrol_rule,
            points=10,
            idempotency_key=key(),
            occurred_at=WHEN + dt.timedelta(hours=1),
        )
    assert snapshot() == before
    # Next day is fine; the quarter (Oct–Dec) caps at 100.
    for day in range(1, 10):
        points_award(
            actor=secretary,
            resident=dzj,
            rule=patrol_rule,
            points=10,
            idempotency_key=key(),
            occurred_at=WHEN + dt.timedelta(days=day),
        )
    with pytest.raises(Conflict, match="每季度上限"):
        points_award(
            actor=secretary,
            resident=dzj,
            rule=patrol_rule,
            points=10,
            idempotency_key=key(),
            occurred_at=WHEN + dt.timedelta(days=11),
        )
    assert resident_balance(dzj) == 100


@pytest.mark.django_db
def test_no_award_to_oneself_or_ones_household(tree, secretary, leader, suggestion_rule):
    from linli.people.models import Resident
    from tests.factories import ResidentFactory

    me = Resident.objects.get(user=leader)
    family = ResidentFactory(household=me.household, name="杨家人")
    before = snapshot()
    for target in (me, family):
        with pytest.raises(Forbidden):
            points_award(
                actor=leader,
                resident=target,
                rule=suggestion_rule,
                points=5,
                idempotency_key=key(),
                occurred_at=WHEN,
            )
    assert snapshot() == before


@pytest.mark.django_db
def test_award_to_another_community_is_not_found(secretary, stranger, suggestion_rule):
    before = snapshot()
    with pytest.raises(NotFound):
        points_award(
            actor=secretary,
            resident=stranger,
            rule=suggestion_rule,
            points=5,
            idempotency_key=key(),
            occurred_at=WHEN,
        )
    assert snapshot() == before


@pytest.mark.django_db
def test_rule_of_another_community_is_refused(outsider, stranger, suggestion_rule):
    with pytest.raises(ValidationFailed, match="不属于"):
        points_award(
            actor=outsider,
            resident=stranger,
            rule=suggestion_rule,
            points=5,
            idempotency_key=key(),
            occurred_at=WHEN,
        )


@pytest.mark.django_db
def test_leader_proposes_staff_approve_or_reject(
    secretary, leader, dzj, neighbour, suggestion_rule, patrol_rule
):
    proposal = points_award(
        actor=leader,
        resident=dzj,
        rule=suggestion_rule,
        points=10,
        idempotency_key=key(),
        occurred_at=WHEN,
    )
    assert proposal.status == AwardStatus.PROPOSED and proposal.posting is None
    assert resident_balance(dzj) == 0
    approved = award_approve(actor=secretary, award=proposal)
    assert approved.status == AwardStatus.POSTED and resident_balance(dzj) == 10
    with pytest.raises(Conflict):
        award_approve(actor=secretary, award=proposal)

    other = points_award(
        actor=leader,
        resident=neighbour,
        rule=suggestion_rule,
        points=5,
        idempotency_key=key(),
        occurred_at=WHEN,
    )
    with pytest.raises(ValidationFailed):
        award_reject(actor=secretary, award=other, reason="  ")
    rejected = award_reject(actor=secretary, award=other, reason="群里没有这条建议")
    assert rejected.reject_reason == "群里没有这条建议"
    before = snapshot()
    with pytest.raises(Conflict, match="已处理"):
        award_approve(actor=secretary, award=other)
    assert snapshot() == before
    # Leaders may not approve, and may not propose under a staff-only rule.
    third = points_award(
        actor=leader,
        resident=neighbour,
        rule=suggestion_rule,
        points=5,
        idempotency_key=key(),
        occurred_at=WHEN,
    )
    with pytest.raises(NotFound):
        award_approve(actor=leader, award=third)
    with pytest.raises(Forbidden):
        points_award(
            actor=leader,
            resident=neighbour,
            rule=patrol_rule,
            points=10,
            idempotency_key=key(),
            occurred_at=WHEN,
        )


@pytest.mark.django_db
def test_reversal_names_the_original_and_cannot_repeat(secretary, dzj, suggestion_rule):
    award = points_award(
        actor=secretary,
        resident=dzj,
        rule=suggestion_rule,
        points=10,
        idempotency_key=key(),
        occurred_at=WHEN,
    )
    reversed_ = award_reverse(actor=secretary, award=award, reason="重复登记")
    assert reversed_.status == AwardStatus.REVERSED
    reversal = Posting.objects.get(kind=PostingKind.REVERSAL)
    assert reversal.reverses == award.posting
    assert resident_balance(dzj) == 0
    assert ledger_verify() == []
    with pytest.raises(Conflict):
        award_reverse(actor=secretary, award=award, reason="again")
    # The reversed award no longer counts towards caps.
    assert Award.objects.get(pk=award.pk).status == AwardStatus.REVERSED


@pytest.mark.django_db
def test_batch_award_is_all_or_nothing_and_idempotent(
    secretary, dzj, neighbour, stranger, patrol_rule
):
    k = key()
    batch = points_award_batch(
        actor=secretary,
        rule=patrol_rule,
        residents=[dzj, neighbour],
        points=10,
        idempotency_key=k,
        occurred_at=WHEN,
        source_type="activity",
        source_id="17",
    )
    assert batch.size == 2
    assert resident_balance(dzj) == 10 and resident_balance(neighbour) == 10
    again = points_award_batch(
        actor=secretary,
        rule=patrol_rule,
        residents=[neighbour, dzj],
        points=10,
        idempotency_key=k,
        occurred_at=WHEN,
        source_type="activity",
        source_id="17",
    )
    assert again.pk == batch.pk
    before = snapshot()
    # Same activity again under a new key: the source key refuses it, nothing is written.
    with pytest.raises(Conflict, match="加过分"):
        points_award_batch(
            actor=secretary,
            rule=patrol_rule,
            residents=[dzj],
            points=10,
            idempotency_key=key(),
            occurred_at=WHEN + dt.timedelta(days=1),
            source_type="activity",
            source_id="17",
        )
    # One resident from elsewhere spoils the whole batch.
    with pytest.raises(NotFound):
        points_award_batch(
            actor=secretary,
            rule=patrol_rule,
            residents=[dzj, stranger],
            points=10,
            idempotency_key=key(),
            occurred_at=WHEN + dt.timedelta(days=2),
        )
    assert snapshot() == before
    assert ledger_verify() == []


@pytest.mark.django_db
def test_the_ledger_refuses_update_and_delete_on_postgresql(secretary, dzj, suggestion_rule):
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    award = points_award(
        actor=secretary,
        resident=dzj,
        rule=suggestion_rule,
        points=10,
        idempotency_key=key(),
        occurred_at=WHEN,
    )
    entry = award.posting.entries.first()
    for statement in (
        lambda: Entry.objects.filter(pk=entry.pk).update(amount=1000),
        lambda: Entry.objects.filter(pk=entry.pk).delete(),
        lambda: Posting.objects.filter(pk=award.posting_id).update(memo="改"),
    ):
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            statement()
    assert ledger_verify() == []


@pytest.mark.django_db
def test_balance_cannot_go_below_zero_in_the_database(secretary, dzj, suggestion_rule):
    points_award(
        actor=secretary,
        resident=dzj,
        rule=suggestion_rule,
        points=10,
        idempotency_key=key(),
        occurred_at=WHEN,
    )
    account = Account.objects.get(resident=dzj)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=account.pk).update(balance=-1)


@pytest.mark.django_db
def test_verify_names_each_drift(secretary, dzj, neighbour, suggestion_rule):
    points_award(
        actor=secretary,
        resident=dzj,
        rule=suggestion_rule,
        points=10,
        idempotency_key=key(),
        occurred_at=WHEN,
    )
    Account.objects.filter(resident=dzj).update(balance=15)  # drift the cache on purpose
    drifts = ledger_verify()
    assert len(drifts) == 1 and "cached 15, entries sum to 10" in str(drifts[0])


@pytest.mark.django_db
def test_a_crash_mid_posting_leaves_nothing(secretary, dzj, suggestion_rule, monkeypatch):
    """Die after the posting, entries, balance and award are written but before commit: the
    transaction rolls back whole. (test_kill.py does it with a real SIGKILL.)"""
    from linli.points.ledger import statements, writer

    real_insert = statements.write_posted

    def dying_insert(*args, **kwargs):
        real_insert(*args, **kwargs)
        raise SystemExit("killed")

    def dying_audit(*args, **kwargs):
        raise SystemExit("killed")

    before = snapshot()
    monkeypatch.setattr(statements, "write_posted", dying_insert)
    monkeypatch.setattr(writer, "audit_record", dying_audit)
    with pytest.raises(SystemExit):
        points_award(
            actor=secretary,
            resident=dzj,
            rule=suggestion_rule,
            points=10,
            idempotency_key=key(),
            occurred_at=timezone.now(),
        )
    monkeypatch.undo()
    assert snapshot()[:3] == before[:3]
    assert resident_balance(dzj) == 0
    assert ledger_verify() == []
