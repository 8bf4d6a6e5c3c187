"""The one ledger writer: every posting — an award, a batch, an approved proposal, a
reversal, an expiry, an order, a refund — is written here, with the business row that names
it and its audit row, on one of two paths:

- the ORM path (SQLite, the laptop demo; PostgreSQL with ``statements.ENABLED`` off):
  ``postings.save_posting`` and ``Model.save``;
- the statement path (PostgreSQL): ``statements``, the same rows in one statement.

The rows are built once, here, from the same values (``Award``, ``Posting`` instances and the
audit app's ``audit_values``), and handed to either path. The services decide — policy,
idempotency, the cap rule (``caps``), locks — and call the writer inside their transaction
with the accounts locked (``hold``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import F

from linli.audit.services import audit_record, audit_values
from linli.core.actors import Actor
from linli.people.models import Resident

from ..choices import AccountKind, AwardStatus, PostingKind
from ..locks import lock_resident_account, lock_resident_accounts, system_account
from ..models import Account, Award, Entry, Order, Posting
from . import statements
from .postings import Line, new_posting, save_posting


@dataclass(frozen=True)
class Held:
    """A resident's account, locked for this transaction, and the community's system account
    (issuance, redemption …) its postings move points against."""

    account: Account
    system: Account


def _system(community_id: int, kind: str, pk: int | None) -> Account:
    if pk is None:
        return system_account(community_id, kind)
    return Account(pk=pk, community_id=community_id, kind=kind)


def hold(resident: Resident, system_kind: str) -> Held:
    """Lock ``resident``'s account (created on first use) and find the community's
    ``system_kind`` account: one statement on PostgreSQL's path."""
    community_id = resident.household.community_id
    if community_id is None:
        raise ValueError(f"resident {resident.pk} lives outside any community")
    if statements.available():
        row = statements.lock_account(resident.pk, system_kind)
        if row is None:  # the resident's first posting: create the account, then lock it
            lock_resident_account(resident)
            row = statements.lock_account(resident.pk, system_kind)
            if row is None:
                raise RuntimeError(f"no account for resident {resident.pk}")
        account_id, balance, system_id = row
        account = Account(
            pk=account_id,
            community_id=community_id,
            kind=AccountKind.RESIDENT,
            resident_id=resident.pk,
            balance=balance,
        )
        account._state.adding = False
        return Held(account, _system(community_id, system_kind, system_id))
    account = lock_resident_account(resident)
    return Held(account, system_account(community_id, system_kind))


def hold_many(residents: Sequence[Resident]) -> dict[int, int]:
    """Lock many residents' accounts in primary-key order: resident id → account id."""
    if statements.available():
        ids = statements.lock_accounts([r.pk for r in residents])
        if len(ids) == len(residents):
            return ids
    return {rid: account.pk for rid, account in lock_resident_accounts(residents).items()}


@dataclass(frozen=True)
class Audit:
    """The audit row to write with a posting: who, what, where, and the data."""

    actor: Actor | None
    action: str
    place_id: int | None
    data: dict[str, Any]


def _record(audit: Audit, target: models.Model) -> None:
    audit_record(
        actor=audit.actor,
        action=audit.action,
        target=target,
        place_id=audit.place_id,
        data=audit.data,
    )


def _values(audit: Audit, target: models.Model) -> dict[str, Any]:
    """The audit row for a statement that writes ``target`` (its id is the statement's)."""
    return audit_values(
        actor=audit.actor,
        action=audit.action,
        target_type=target._meta.label_lower,
        target_id="",
        place_id=audit.place_id,
        data=audit.data,
    )


def _saved(instance: models.Model, pk: int) -> None:
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = "default"


# --- awards ----------------------------------------------------------------------------------


def award_posting(award: Award, actor: Actor | None, key: str) -> Posting:
    """The posting of a posted award: issuance → the resident, dated when the deed was done,
    titled with the rule's name."""
    return new_posting(
        community_id=award.community_id,
        kind=PostingKind.AWARD,
        occurred_at=award.occurred_at,
        idempotency_key=key,
        created_by=actor,
        memo=award.rule.name,
    )


def write_award(
    award: Award, *, held: Held | None, actor: Actor | None, posting_key: str, audit: Audit
) -> Award:
    """Write a new award: a posted one with its posting (``held``: the resident's locked
    account), a proposal without; then its audit row."""
    if award.status != AwardStatus.POSTED:
        award.save(force_insert=True)
        _record(audit, award)
        return award
    if held is None:
        raise ValueError("a posted award needs the resident's locked account")
    posting = award_posting(award, actor, posting_key)
    if statements.available() and not award.evidence_file:
        award_id, posting_id = statements.write_posted(
            award,
            posting=posting,
            debit=held.system.pk,
            credit=held.account.pk,
            points=award.points,
            resident=held.account.pk,
            audit=_values(audit, award),
        )
        _saved(award, award_id)
        award.posting_id = posting_id
        held.account.balance += award.points
        return award
    lines = [Line(held.system, -award.points), Line(held.account, award.points)]
    award.posting = save_posting(posting, lines)
    award.save(force_insert=True)
    _record(audit, award)
    return award


def write_approval(
    award: Award, *, held: Held, actor: Actor | None, posting_key: str, audit: Audit
) -> Award:
    """Post an approved proposal (``award``, locked, its status and decision already set)."""
    posting = award_posting(award, actor, posting_key)
    lines = [Line(held.system, -award.points), Line(held.account, award.points)]
    award.posting = save_posting(posting, lines)
    award.save(update_fields=["status", "awarded_by", "decided_at", "posting"])
    _record(audit, award)
    return award


def write_reversal(
    award: Award, *, held: Held, actor: Actor | None, reason: str, now: dt.datetime, audit: Audit
) -> Award:
    """Reverse a posted award (locked): a posting naming the original takes the points back."""
    original = award.posting
    if original is None:
        raise ValueError("only a posted award can be reversed")
    posting = new_posting(
        community_id=award.community_id,
        kind=PostingKind.REVERSAL,
        occurred_at=now,
        idempotency_key=f"reversal:{original.pk}",
        created_by=actor,
        memo=reason,
        reverses=original,
    )
    save_posting(posting, [Line(held.account, -award.points), Line(held.system, award.points)])
    award.status = AwardStatus.REVERSED
    award.save(update_fields=["status"])
    _record(audit, award)
    return award


def write_batch(
    awards: Sequence[Award],
    *,
    accounts: dict[int, int],
    issuance: Account,
    actor: Actor | None,
    posting_key: str,
) -> None:
    """A batch's awards (one rule, the same points, to many residents), each with its
    posting; ``accounts``: resident id → locked account id. ``posting_key``'s ``{resident}``
    is each resident's id. The batch's one audit row is the caller's."""
    postings = [
        award_posting(award, actor, posting_key.format(resident=award.resident_id))
        for award in awards
    ]
    resident_accounts = [accounts[award.resident_id] for award in awards]
    if statements.available():
        written = statements.write_batch(
            awards=awards, postings=postings, accounts=resident_accounts, issuance_id=issuance.pk
        )
        if written != len(awards):
            raise RuntimeError(f"batch: wrote {written} awards for {len(awards)}")
        return
    points = awards[0].points
    if any(award.points != points for award in awards):
        raise ValueError("a batch's awards are all of the same points")
    Posting.objects.bulk_create(postings)
    entries = []
    for posting, account_id in zip(postings, resident_accounts, strict=True):
        entries.append(Entry(posting=posting, account=issuance, amount=-points))
        entries.append(Entry(posting=posting, account_id=account_id, amount=points))
    Entry.objects.bulk_create(entries, batch_size=5000)
    for award, posting in zip(awards, postings, strict=True):
        award.posting = posting
    Award.objects.bulk_create(awards, batch_size=2000)
    Account.objects.filter(pk__in=resident_accounts).update(balance=F("balance") + points)


# --- expiry ----------------------------------------------------------------------------------


def write_expiry(
    account: Account,
    *,
    sink: Account,
    amount: int,
    key: str,
    now: dt.datetime,
    actor: Actor | None,
    memo: str,
) -> Posting:
    """Expire ``amount`` of a (locked) resident account's points into the community's
    expiry account. The expiry run's one audit row is the caller's."""
    posting = new_posting(
        community_id=account.community_id,
        kind=PostingKind.EXPIRY,
        occurred_at=now,
        idempotency_key=key,
        created_by=actor,
        memo=memo,
    )
    return save_posting(posting, [Line(account, -amount), Line(sink, amount)])


# --- orders ----------------------------------------------------------------------------------


def write_order(
    order: Order,
    *,
    held: Held,
    actor: Actor | None,
    posting_key: str,
    memo: str,
    audit: Audit,
    new_voucher: Callable[[], str] | None = None,
) -> Order:
    """Write a new order with its posting (the resident → the community's redemption account,
    ``held``: the resident's locked account, its balance already checked) and its audit row.
    The reward's stock is the shop's. ``new_voucher`` draws another voucher code if the one
    drawn is taken (the ORM path retries; on the statement path a clash fails the
    transaction, once in 25⁸)."""
    posting = new_posting(
        community_id=order.community_id,
        kind=PostingKind.REDEMPTION,
        occurred_at=order.placed_at,
        idempotency_key=posting_key,
        created_by=actor,
        memo=memo,
    )
    if statements.available():
        order_id, posting_id = statements.write_posted(
            order,
            posting=posting,
            debit=held.account.pk,
            credit=held.system.pk,
            points=order.points,
            resident=held.account.pk,
            audit=_values(audit, order),
        )
        _saved(order, order_id)
        order.posting_id = posting_id
        held.account.balance -= order.points
        return order
    lines = [Line(held.account, -order.points), Line(held.system, order.points)]
    order.posting = save_posting(posting, lines)
    for attempt in range(5):
        try:
            with transaction.atomic():
                order.save(force_insert=True)
            break
        except IntegrityError:
            if new_voucher is None or order.voucher_code is None or attempt == 4:
                raise
            if Order.objects.filter(idempotency_key=order.idempotency_key).exists():
                raise
            order.pk = None
            order.voucher_code = new_voucher()
    _record(audit, order)
    return order


def write_refund(
    order: Order, *, held: Held, actor: Actor | None, memo: str, now: dt.datetime
) -> Posting:
    """Give an order's points back (the order locked): a REFUND posting that names the
    order's posting. Closing the order, the stock and the audit row are the shop's."""
    posting = new_posting(
        community_id=order.community_id,
        kind=PostingKind.REFUND,
        occurred_at=now,
        idempotency_key=f"refund:{order.posting_id}",
        created_by=actor,
        memo=memo,
        reverses=Posting(pk=order.posting_id),
    )
    lines = [Line(held.system, -order.points), Line(held.account, order.points)]
    return save_posting(posting, lines)
