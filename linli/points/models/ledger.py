"""The double-entry, append-only points ledger.

A Posting is one business event (an award, a reversal, an expiry, a redemption); its Entries
move integer points between Accounts and sum to zero. Entries are never updated or deleted
(a PostgreSQL trigger refuses it); a correction is a new Posting that ``reverses`` the
original, and a posting can be reversed once (a unique key).

Only resident accounts cache a balance (updated with F() in the posting's transaction and
guarded by CHECK balance >= 0). A community's issuance, redemption and expiry accounts are
touched by every award in the community; caching their balance would make one hot row that
serialises all of a community's awards, so their balance is the sum of their entries
(``linli points verify`` checks both). See docs/points.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import AccountKind, PostingKind


class Account(models.Model):
    community = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=AccountKind.choices)
    resident = models.OneToOneField(
        "people.Resident",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_account",
        verbose_name=_("居民"),
    )
    balance = models.BigIntegerField(_("余额"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("积分账户")
        verbose_name_plural = _("积分账户")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="resident") | Q(balance__gte=0),
                name="account_resident_balance_nonnegative",
            ),
            models.CheckConstraint(
                condition=(Q(kind="resident") & Q(resident__isnull=False))
                | (~Q(kind="resident") & Q(resident__isnull=True)),
                name="account_resident_iff_kind_resident",
            ),
            models.UniqueConstraint(
                fields=["community", "kind"],
                condition=~Q(kind="resident"),
                name="account_one_system_account_per_kind",
            ),
        ]

    def __str__(self) -> str:
        if self.resident_id:
            return f"{self.get_kind_display()}:{self.resident_id}"
        return f"{self.get_kind_display()}@{self.community_id}"


class Posting(models.Model):
    community = models.ForeignKey(
        "places.Place",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("社区"),
        db_index=False,  # (community, occurred_at) below covers it
    )
    kind = models.CharField(_("类型"), max_length=16, choices=PostingKind.choices)
    memo = models.CharField(_("摘要"), max_length=200, blank=True)
    occurred_at = models.DateTimeField(_("发生时间"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
        db_index=False,
    )
    idempotency_key = models.CharField(max_length=120)
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        verbose_name=_("冲正的原记录"),
    )

    class Meta:
        verbose_name = _("记账凭证")
        verbose_name_plural = _("记账凭证")
        indexes = [models.Index(fields=["community", "occurred_at"])]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="posting_key_unique")
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"


class Entry(models.Model):
    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="entries")
    # (account, posting) below covers the account FK.
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    amount = models.BigIntegerField(_("积分"))

    class Meta:
        verbose_name = _("分录")
        verbose_name_plural = _("分录")
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="entry_amount_nonzero"),
        ]
        indexes = [models.Index(fields=["account", "posting"])]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.amount:+d}"
