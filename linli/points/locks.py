"""Row locks for the ledger, always taken in one order: resident accounts by primary key,
then awards by primary key. Nothing does network or file I/O while holding them."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction

from linli.people.models import Resident

from .choices import AccountKind
from .models import Account, Award


def _ensure_resident_accounts(residents: Iterable[Resident]) -> None:
    """Create missing resident accounts (each in a savepoint so a concurrent creator wins
    cleanly)."""
    residents = list(residents)
    have = set(Account.objects.filter(resident__in=residents).values_list("resident_id", flat=True))
    for resident in residents:
        if resident.pk in have:
            continue
        community_id = resident.household.community_id
        if community_id is None:
            raise ValueError(f"resident {resident.pk} lives outside any community")
        try:
            with transaction.atomic():
                Account.objects.create(
                    community_id=community_id,
                    kind=AccountKind.RESIDENT,
                    resident=resident,
                )
        except IntegrityError:
            pass  # created meanwhile by a concurrent transaction


def lock_resident_accounts(residents: Iterable[Resident]) -> dict[int, Account]:
    """Lock the residents' accounts (creating them if needed), in primary-key order.
    Returns resident id → locked account."""
    residents = list(residents)
    wanted = {r.pk for r in residents}
    # Usually every account exists: lock them straight away (one query, not two).
    locked = _lock(residents)
    if wanted <= locked.keys():
        return locked
    _ensure_resident_accounts(residents)
    return _lock(residents)


def _lock(residents: list[Resident]) -> dict[int, Account]:
    accounts = Account.objects.select_for_update().filter(resident__in=residents).order_by("pk")
    return {a.resident_id: a for a in accounts if a.resident_id is not None}


def lock_resident_account(resident: Resident) -> Account:
    return lock_resident_accounts([resident])[resident.pk]


def lock_award(pk: int) -> Award:
    return Award.objects.select_for_update().get(pk=pk)


def system_account(community_id: int, kind: str) -> Account:
    """A community's issuance / redemption / expiry account (not locked: no cached balance)."""
    account = Account.objects.filter(community_id=community_id, kind=kind).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(community_id=community_id, kind=kind)
    except IntegrityError:
        return Account.objects.get(community_id=community_id, kind=kind)
