import datetime as dt
import subprocess
import sys

import pytest
from django.core.management import call_command

from linli.core.actors import SYSTEM
from linli.points.choices import ExpiryPolicy, PostingKind
from linli.points.models import Account, Posting
from linli.points.selectors import resident_balance
from linli.points.services import (
    ledger_verify,
    points_award,
    points_expire,
    points_settings_update,
)

TZ = dt.timezone(dt.timedelta(hours=8))


def award(secretary, resident, rule, when, points=10, key=None):
    return points_award(
        actor=secretary,
        resident=resident,
        rule=rule,
        points=points,
        idempotency_key=key or f"{resident.pk}-{when.isoformat()}-{points}",
        occurred_at=when,
    )


@pytest.mark.django_db
def test_never_expires_by_default(tree, secretary, dzj, suggestion_rule):
    award(secretary, dzj, suggestion_rule, dt.datetime(2023, 3, 1, tzinfo=TZ))
    assert points_expire(actor=SYSTEM, community=tree.heping, as_of=dt.date(2030, 1, 1)) == 0
    assert resident_balance(dzj) == 10


@pytest.mark.django_db
def test_year_end_clears_last_years_points_once(tree, secretary, dzj, suggestion_rule):
    points_settings_update(
        actor=secretary, community=tree.heping, expiry_policy=ExpiryPolicy.YEAR_END
    )
    award(secretary, dzj, suggestion_rule, dt.datetime(2023, 3, 1, tzinfo=TZ), 20)
    award(secretary, dzj, suggestion_rule, dt.datetime(2024, 2, 1, tzinfo=TZ), 5)
    assert points_expire(actor=SYSTEM, community=tree.heping, as_of=dt.date(2024, 3, 1)) == 20
    assert resident_balance(dzj) == 5
    # Running it again changes nothing.
    assert points_expire(actor=SYSTEM, community=tree.heping, as_of=dt.date(2024, 3, 1)) == 0
    assert Posting.objects.filter(kind=PostingKind.EXPIRY).count() == 1
    assert ledger_verify() == []


@pytest.mark.django_db
def test_keep_n_years_spends_oldest_first(tree, secretary, dzj, suggestion_rule):
    from linli.points.services import award_reverse

    points_settings_update(
        actor=secretary, community=tree.heping, expiry_policy=ExpiryPolicy.KEEP_YEARS, keep_years=2
    )
    old = award(secretary, dzj, suggestion_rule, dt.datetime(2023, 3, 1, tzinfo=TZ), 20)
    award(secretary, dzj, suggestion_rule, dt.datetime(2024, 3, 1, tzinfo=TZ), 15)
    # A debit of 20 (reversing the 2023 award) uses up the oldest points first, so when
    # 2023's points fall due in 2025 nothing of them is left to expire.
    award_reverse(actor=secretary, award=old, reason="登记错误")
    assert points_expire(actor=SYSTEM, community=tree.heping, as_of=dt.date(2025, 1, 5)) == 0
    assert resident_balance(dzj) == 15
    # In 2026, 2024's 15 expire.
    assert points_expire(actor=SYSTEM, community=tree.heping, as_of=dt.date(2026, 1, 2)) == 15
    assert resident_balance(dzj) == 0
    assert ledger_verify() == []


@pytest.mark.django_db
def test_verify_command_exits_1_and_names_the_drift(tree, secretary, dzj, suggestion_rule, capsys):
    award(secretary, dzj, suggestion_rule, dt.datetime(2023, 3, 1, tzinfo=TZ))
    call_command("points", "verify")
    assert "OK: 2 entries" in capsys.readouterr().out
    account = Account.objects.get(resident=dzj)
    Account.objects.filter(pk=account.pk).update(balance=7)
    with pytest.raises(SystemExit) as exc:
        call_command("points", "verify")
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert f"account {account.pk}" in err and "cached 7, entries sum to 10" in err


def test_points_command_is_on_the_linli_script():
    result = subprocess.run(
        [sys.executable, "-m", "linli.cli", "points", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"LINLI_DEBUG": "1", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0 and "verify" in result.stdout


@pytest.mark.django_db
def test_keep_n_years_expires_unspent_points_of_the_year_due(tree, secretary, dzj, suggestion_rule):
    points_settings_update(
        actor=secretary, community=tree.heping, expiry_policy=ExpiryPolicy.KEEP_YEARS, keep_years=2
    )
    award(secretary, dzj, suggestion_rule, dt.datetime(2023, 3, 1, tzinfo=TZ), 20)
    award(secretary, dzj, suggestion_rule, dt.datetime(2024, 3, 1, tzinfo=TZ), 15)
    assert points_expire(actor=SYSTEM, community=tree.heping, as_of=dt.date(2024, 12, 31)) == 0
    assert points_expire(actor=SYSTEM, community=tree.heping, as_of=dt.date(2025, 1, 1)) == 20
    assert resident_balance(dzj) == 15
