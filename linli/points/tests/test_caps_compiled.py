"""One resident's cap usage (once per award) runs a query compiled once per shape on
PostgreSQL (``ledger.caps._usage_one``); many residents' usage builds the same query through
the ORM each time. Both must count the same awards."""

import datetime as dt
import uuid

import pytest
from django.db import connection

from linli.points.choices import Awarders, RuleCategory
from linli.points.ledger import caps
from linli.points.ledger.caps import cap_usage, cap_usage_many
from linli.points.services import points_award, rule_create

WHEN = dt.datetime(2023, 11, 18, 19, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.mark.django_db
def test_compiled_usage_counts_what_the_orm_counts(
    secretary, leader, dzj, neighbour, version, suggestion_rule
):
    rule = rule_create(
        actor=secretary,
        version=version,
        key="clean",
        name="楼道保洁",
        category=RuleCategory.VOLUNTEER,
        points_min=1,
        points_max=20,
        cap_day=30,
        cap_month=90,
        cap_quarter=200,
        awarders=Awarders.STAFF_AND_LEADERS,
        active_from=dt.date(2023, 1, 1),
    )
    deeds = [(dzj, secretary, 0, 5), (dzj, secretary, 0, 7), (dzj, leader, 0, 3)]
    deeds += [(dzj, secretary, -1, 4), (dzj, secretary, -20, 6), (dzj, secretary, -60, 8)]
    deeds += [(neighbour, secretary, 0, 9), (neighbour, leader, -2, 2)]
    # The month rule (another key) and another day of this one: not counted, or counted apart.
    points_award(
        actor=secretary,
        resident=dzj,
        rule=suggestion_rule,
        points=5,
        idempotency_key=str(uuid.uuid4()),
        occurred_at=WHEN,
    )
    awards = [
        points_award(
            actor=actor,
            resident=resident,
            rule=rule,
            points=points,
            idempotency_key=str(uuid.uuid4()),
            occurred_at=WHEN + dt.timedelta(days=days),
        )
        for resident, actor, days, points in deeds
    ]
    proposal = awards[2]
    assert proposal.status == "proposed"
    for when in (WHEN, WHEN - dt.timedelta(days=1), WHEN - dt.timedelta(days=60)):
        for kwargs in ({}, {"include_proposed": False}, {"exclude": proposal.pk}):
            one = cap_usage(rule, dzj.pk, when, **kwargs)
            orm = cap_usage_many(rule, [dzj.pk, neighbour.pk], when, **kwargs)[dzj.pk]
            assert one == orm
        assert (
            cap_usage(rule, neighbour.pk, when)
            == cap_usage_many(rule, [neighbour.pk, dzj.pk], when)[neighbour.pk]
        )
        assert (
            cap_usage(suggestion_rule, dzj.pk, when)
            == cap_usage_many(suggestion_rule, [dzj.pk, neighbour.pk], when)[dzj.pk]
        )
    # Today: 5 + 7 posted, 3 proposed; the month adds the day before; the quarter all but
    # the award 60 days back (September, the previous quarter).
    assert cap_usage(rule, dzj.pk, WHEN) == {"cap_day": 15, "cap_month": 19, "cap_quarter": 25}
    assert cap_usage(rule, dzj.pk, WHEN, include_proposed=False)["cap_day"] == 12
    if connection.vendor == "postgresql":  # the compiled query was used, not the fallback
        shapes = [shape for shape, compiled in caps._compiled.items() if compiled is not None]
        assert (("cap_day", "cap_month", "cap_quarter"), ("posted", "proposed"), True) in shapes
