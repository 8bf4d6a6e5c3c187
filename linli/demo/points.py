"""Loading the Heping demo's points: 和平社区's rule catalogue, two years of awards (2022–2023)
and the seed's evening, from the plan in ``linli.demo.points_plan``.

Every row is looked up by its natural key (catalogue version number, rule key) or its
deterministic idempotency key (``demo:heping:…``) and the points services are called only
for what is missing, so a second run creates nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Sum

from linli.core.quarters import CHINA
from linli.demo.plan import (
    Demo,
    PersonPlan,
    Writer,
)
from linli.demo.points_plan import (
    ACTIVE_FROM,
    DECIDED_ON,
    DECISION,
    EXPIRY,
    KEY,
    RULES,
    RULES_BY_KEY,
    PointsPlan,
    plan_points,
)
from linli.people.models import Resident, User
from linli.points.choices import AccountKind, AwardStatus
from linli.points.models import Account, Award, AwardBatch, CatalogVersion, PointsSettings, Rule
from linli.points.services import (
    award_approve,
    award_reject,
    award_reverse,
    catalog_version_create,
    points_award,
    points_award_batch,
    points_settings_update,
    rule_create,
)


def _resident(demo: Demo, person: PersonPlan) -> Resident:
    return demo.residents[person.key]


def load_catalog(demo: Demo) -> dict[str, Rule]:
    """Catalogue version 1, its rules and the community's points settings."""
    heping = demo.heping
    tally = demo.tally
    version = CatalogVersion.objects.filter(community=heping, number=1).first()
    tally.add("points_rule", version is None)
    if version is None:
        version = catalog_version_create(
            actor=demo.users["secretary"],
            community=heping,
            decision=DECISION,
            decided_on=DECIDED_ON,
        )
    settings_row = PointsSettings.objects.filter(community=heping).first()
    missing = settings_row is None or settings_row.expiry_policy != EXPIRY
    tally.add("points_rule", missing)
    if missing:
        points_settings_update(
            actor=demo.users["secretary"], community=heping, expiry_policy=EXPIRY
        )
    rules = {r.key: r for r in Rule.objects.filter(community=heping, supersedes__isnull=True)}
    for spec in RULES:
        created = spec.key not in rules
        tally.add("points_rule", created)
        if created:
            rules[spec.key] = rule_create(
                actor=demo.users["secretary"],
                version=version,
                key=spec.key,
                name=spec.name,
                category=spec.category,
                description=spec.description,
                points_min=spec.points_min,
                points_max=spec.points_max,
                cap_day=spec.cap_day,
                cap_month=spec.cap_month,
                cap_quarter=spec.cap_quarter,
                awarders=spec.awarders,
                evidence=spec.evidence,
                active_from=ACTIVE_FROM,
            )
    return rules


def load_points(demo: Demo, out: Writer | None = None) -> PointsPlan:
    """The catalogue, two years of awards and the seed's evening; idempotent."""
    plan = plan_points(demo.plan)
    rules = load_catalog(demo)
    tally = demo.tally
    users: dict[str, User] = demo.users

    batch_keys = set(
        AwardBatch.objects.filter(idempotency_key__startswith=KEY).values_list(
            "idempotency_key", flat=True
        )
    )
    for b in sorted(plan.batches, key=lambda b: b.when):
        created = b.key not in batch_keys
        if created:
            points_award_batch(
                actor=users["staff"],
                rule=rules[b.rule],
                residents=[_resident(demo, p) for p in b.people],
                points=RULES_BY_KEY[b.rule].points_min,
                idempotency_key=b.key,
                occurred_at=b.when,
                source_type="activity",
                source_id=b.slug,
                evidence_note=b.title,
            )
        (tally.created if created else tally.present)["award"] += len(b.people)

    singles = {
        a.idempotency_key: a
        for a in Award.objects.filter(idempotency_key__startswith=KEY, batch__isnull=True)
    }
    for s in sorted(plan.singles, key=lambda s: s.when):
        award = singles.get(s.key)
        tally.add("award", award is None)
        if award is None:
            award = points_award(
                actor=users[s.actor],
                resident=_resident(demo, s.person),
                rule=rules[s.rule],
                points=s.points,
                idempotency_key=s.key,
                occurred_at=s.when,
                evidence_note=s.note,
                source_type=s.source[0],
                source_id=s.source[1],
            )
        if s.actor != "building_leader" or not s.outcome:
            continue
        decided = award.status != AwardStatus.PROPOSED
        tally.add("points_decision", not decided)
        if decided:
            continue
        if s.outcome == "approve":
            award_approve(actor=users["staff"], award=award)
        else:
            award_reject(actor=users["staff"], award=award, reason=s.reason)

    for r in plan.reversals:
        award = Award.objects.select_related("resident__household").get(
            batch__idempotency_key=KEY + r.batch, resident=_resident(demo, r.person)
        )
        done = award.status == AwardStatus.REVERSED
        tally.add("points_decision", not done)
        if not done:
            award_reverse(actor=users["staff"], award=award, reason=r.reason)

    if out is not None:
        out.write(points_figures(demo) + "\n")
    return plan


def points_figures(demo: Demo) -> str:
    heping = demo.heping
    awards = Award.objects.filter(community=heping)
    posted = awards.filter(status=AwardStatus.POSTED)
    total = posted.aggregate(s=Sum("points"))["s"] or 0
    in_2022 = posted.filter(
        occurred_at__gte=dt.datetime(2022, 1, 1, tzinfo=CHINA),
        occurred_at__lt=dt.datetime(2023, 1, 1, tzinfo=CHINA),
    )
    earners_2022 = in_2022.values("resident").distinct().count()
    points_2022 = in_2022.aggregate(s=Sum("points"))["s"] or 0
    holders = Account.objects.filter(community=heping, kind=AccountKind.RESIDENT, balance__gt=0)
    statuses: defaultdict[str, int] = defaultdict(int)
    for status in awards.values_list("status", flat=True):
        statuses[status] += 1
    dai = Account.objects.filter(resident=demo.resident("volunteer")).first()
    return (
        f"积分：细则第 1 版（{DECIDED_ON:%Y-%m-%d} 居民代表会议通过），规则 {len(RULES)} 条；"
        f"加分 {awards.count():,} 笔，已入账 {total:,} 分（2022 年 {earners_2022} 人获得 "
        f"{points_2022:,} 分），有积分的居民 {holders.count()} 人；"
        f"待审核 {statuses[AwardStatus.PROPOSED]}，驳回 {statuses[AwardStatus.REJECTED]}，"
        f"冲正 {statuses[AwardStatus.REVERSED]}；代正菊 {dai.balance if dai else 0} 分。"
    )
