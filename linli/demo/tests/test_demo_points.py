"""The Heping demo's points: the seed's evening, the ledger's soundness, idempotency."""

from __future__ import annotations

import io
from collections import Counter
from typing import TYPE_CHECKING, ClassVar

from django.db.models import Sum
from django.test import TestCase

from linli.audit.models import AuditEvent
from linli.core.quarters import local_date, month_bounds, quarter_of
from linli.demo.heping import load_heping
from linli.demo.plan import NAMED, Demo, build_plan
from linli.demo.points_plan import (
    DAI_BEFORE_EVENING,
    DAI_REDEEMED,
    DECISION,
    EVENING,
    EVENING_POINTS,
    RULES,
    PointsPlan,
    plan_points,
)
from linli.people.models import User
from linli.points.choices import AccountKind, AwardStatus, PostingKind, RuleCategory
from linli.points.models import (
    Account,
    Award,
    AwardBatch,
    CatalogVersion,
    Entry,
    PointsSettings,
    Posting,
    Rule,
)
from linli.points.selectors import resident_balance, resident_entries
from linli.points.services import ledger_verify

POINTS_MODELS = (Award, AwardBatch, Posting, Entry, Account, Rule, CatalogVersion, PointsSettings)


def user(key: str) -> User:
    phone = next(n.phone for n in NAMED if n.key == key)
    return User.objects.get(phone=phone)


if TYPE_CHECKING:
    _Base = TestCase
else:
    _Base = object


class PointsDemoChecks(_Base):
    """Checks run by tests/test_demo_loaders.py on one shared demo load."""

    demo: ClassVar[Demo]
    heping_output: ClassVar[str]
    plan: ClassVar[PointsPlan]

    def test_the_evening(self) -> None:
        dai = self.demo.resident("volunteer")
        assert dai.name == "代正菊"
        assert resident_balance(dai) == 180
        evening = Award.objects.get(resident=dai, occurred_at=EVENING)
        assert evening.points == EVENING_POINTS == 10
        assert evening.status == AwardStatus.POSTED
        assert evening.rule.category == RuleCategory.SUGGESTION
        assert evening.awarded_by == user("secretary")
        assert evening.awarded_by is not None and evening.awarded_by.name == "杨红"
        assert "文明养犬" in evening.evidence_note and "+10" in evening.evidence_note
        assert evening.source_type == "wechat" and evening.source_id
        assert evening.posting is not None and evening.posting.occurred_at == EVENING
        assert str(local_date(EVENING)) == "2023-11-18" and EVENING.hour == 19

        entries = Entry.objects.filter(account__resident=dai)
        before = entries.filter(posting__occurred_at__lt=EVENING).aggregate(s=Sum("amount"))["s"]
        assert before == DAI_BEFORE_EVENING == 170
        after = entries.filter(posting__occurred_at__gte=EVENING)
        assert list(after.values_list("amount", flat=True)) == [10]
        # Her 170 is a history: patrols, activities, clean-ups, an earlier suggestion.
        rules = Counter(
            Award.objects.filter(resident=dai, occurred_at__lt=EVENING).values_list(
                "rule__key", flat=True
            )
        )
        assert rules["patrol"] >= 10 and rules["public_welfare"] and rules["cleanup"]
        assert "代正菊 180 分" in self.heping_output

    def test_ledger_is_sound(self) -> None:
        assert ledger_verify() == []
        heping = self.demo.heping
        resident_sum = Entry.objects.filter(
            account__community=heping, account__kind=AccountKind.RESIDENT
        ).aggregate(s=Sum("amount"))["s"]
        issuance = Entry.objects.filter(
            account__community=heping, account__kind=AccountKind.ISSUANCE
        ).aggregate(s=Sum("amount"))["s"]
        # The shop's orders (linli.demo.cycle) moved points to the redemption account.
        redeemed = Entry.objects.filter(
            account__community=heping, account__kind=AccountKind.REDEMPTION
        ).aggregate(s=Sum("amount"))["s"]
        assert redeemed and redeemed > 21_649
        assert resident_sum and resident_sum > 30_000
        assert resident_sum + issuance + redeemed == 0
        posted = Award.objects.filter(community=heping, status=AwardStatus.POSTED)
        assert posted.aggregate(s=Sum("points"))["s"] == resident_sum + redeemed

    def test_catalogue(self) -> None:
        heping = self.demo.heping
        version = CatalogVersion.objects.get(community=heping, number=1)
        assert version.decision == DECISION and "居民代表会议" in version.decision
        assert (version.decided_on.year, version.decided_on.month) == (2022, 1)
        rules = Rule.objects.filter(community=heping, catalog_version=version)
        assert rules.count() == len(RULES)
        categories = set(rules.values_list("category", flat=True))
        assert categories >= {
            RuleCategory.VOLUNTEER,
            RuleCategory.PUBLIC_WELFARE,
            RuleCategory.ENVIRONMENT,
            RuleCategory.VILLAGE_RULES,
            RuleCategory.CUSTOMS,
            RuleCategory.SUGGESTION,
        }
        suggestion = rules.get(key="suggestion")
        assert (suggestion.points_min, suggestion.points_max) == (5, 20)
        assert all(r.cap_day or r.cap_month or r.cap_quarter for r in rules), "every rule has a cap"
        assert PointsSettings.objects.get(community=heping).expiry_policy == "never"

    def test_caps_hold(self) -> None:
        """Every posted or waiting award fits its rule's caps per day, month and quarter."""
        rules = {r.pk: r for r in Rule.objects.filter(community=self.demo.heping)}
        used: Counter[tuple[int, int, str, object]] = Counter()
        awards = Award.objects.filter(
            community=self.demo.heping, status__in=[AwardStatus.POSTED, AwardStatus.PROPOSED]
        ).values_list("rule_id", "resident_id", "points", "occurred_at")
        for rule_id, resident_id, points, occurred_at in awards:
            day = local_date(occurred_at)
            windows = {
                "cap_day": day,
                "cap_month": month_bounds(day)[0],
                "cap_quarter": quarter_of(day).start,
            }
            for cap, window in windows.items():
                used[(rule_id, resident_id, cap, window)] += points
        assert used
        for (rule_id, _resident, cap, _window), total in used.items():
            limit = getattr(rules[rule_id], cap)
            assert limit is None or total <= limit, (rules[rule_id].key, cap, total)

    def test_proposals_and_reversal(self) -> None:
        leader = user("building_leader")
        proposals = Award.objects.filter(proposed_by=leader)
        statuses = Counter(proposals.values_list("status", flat=True))
        assert statuses[AwardStatus.PROPOSED] == 1
        assert statuses[AwardStatus.REJECTED] == 1
        assert statuses[AwardStatus.POSTED] >= 2
        building = self.demo.building("和平社区", "江津苑", "3栋")
        assert not proposals.exclude(resident__household__building=building).exists()
        rejected = proposals.get(status=AwardStatus.REJECTED)
        assert rejected.reject_reason and rejected.posting is None
        assert rejected.awarded_by == user("staff")  # who decided
        pending = proposals.get(status=AwardStatus.PROPOSED)
        assert pending.posting is None and pending.decided_at is None
        for approved in proposals.filter(status=AwardStatus.POSTED):
            assert approved.posting is not None and approved.awarded_by == user("staff")

        reversed_ = Award.objects.get(community=self.demo.heping, status=AwardStatus.REVERSED)
        assert reversed_.batch is not None and reversed_.posting is not None
        reversal = Posting.objects.get(reverses=reversed_.posting)
        assert reversal.kind == PostingKind.REVERSAL and "冲正" in reversal.memo
        history = list(resident_entries(reversed_.resident))
        assert {e.posting.kind for e in history} >= {PostingKind.AWARD, PostingKind.REVERSAL}
        assert sum(e.amount for e in history) == resident_balance(reversed_.resident)

    def test_points_second_load_creates_nothing(self) -> None:
        before = {m._meta.label: m._default_manager.count() for m in POINTS_MODELS}
        audit_before = AuditEvent.objects.count()
        out = io.StringIO()
        again = load_heping(out)
        after = {m._meta.label: m._default_manager.count() for m in POINTS_MODELS}
        assert after == before
        assert AuditEvent.objects.count() == audit_before
        assert sum(again.tally.created.values()) == 0
        assert again.tally.present["award"] == Award.objects.count()
        assert ledger_verify() == []

    def test_points_plan_is_deterministic(self) -> None:
        first, second = plan_points(build_plan()), plan_points(build_plan())
        assert [(b.slug, [p.key for p in b.people]) for b in first.batches] == [
            (b.slug, [p.key for p in b.people]) for b in second.batches
        ]
        assert [(s.slug, s.points) for s in first.singles] == [
            (s.slug, s.points) for s in second.singles
        ]
        # She earned what she redeemed (口罩、抽纸、水杯) on top of the 170 she holds.
        dai = self.demo.plan.named("volunteer")
        assert DAI_REDEEMED == 10 + 15 + 30
        assert self.plan.earned(dai, before=EVENING) == 170 + DAI_REDEEMED
        assert self.plan.earned(dai) == 180 + DAI_REDEEMED
