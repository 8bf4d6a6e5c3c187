"""A minimal community for the prod-local smoke test (scripts/prod-local.sh seed): the
place tree, a secretary who may award, a resident and one rule. Idempotent. Prints one JSON
line: the secretary's phone and password, the resident's and the rule's ids.

Run as ``linli shell -c "exec(open('scripts/prod_local_seed.py').read())"`` from the
repository (it uses the test factories, so it needs the development requirements)."""

import datetime as dt
import json
from typing import cast

from linli.people.choices import Role
from linli.people.models import User
from linli.points.choices import RuleCategory
from linli.points.models import Rule
from linli.points.services import catalog_version_create, rule_create
from tests.factories import GrantFactory, HouseholdFactory, ResidentFactory, UserFactory, build_tree

PASSWORD = "prod-local-pass-1"

tree = build_tree()
secretary = cast(User, UserFactory(name="杨红", phone="13900000001", password=PASSWORD))
GrantFactory(user=secretary, role=Role.COMMUNITY_SECRETARY, place=tree.heping)
home = HouseholdFactory(parent=tree.building1, name="101", unit="", room="101")
resident_user = UserFactory(name="邓忠杰", phone="13900000003", password=PASSWORD)
resident = ResidentFactory(name="邓忠杰", phone="13900000003", household=home, user=resident_user)
rule = Rule.objects.filter(key="bonus").first()
if rule is None:
    version = catalog_version_create(
        actor=secretary,
        community=tree.heping,
        decision="居民代表会议通过",
        decided_on=dt.date(2023, 1, 10),
    )
    rule = rule_create(
        actor=secretary,
        version=version,
        active_from=dt.date(2023, 1, 1),
        key="bonus",
        name="环境整治",
        category=RuleCategory.ENVIRONMENT,
        points_min=1,
        points_max=1000,
    )
print(
    json.dumps(
        {
            "phone": secretary.phone,
            "password": PASSWORD,
            "resident": resident.pk,  # type: ignore[attr-defined]
            "rule": rule.pk,
        }
    )
)
