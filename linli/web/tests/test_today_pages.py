"""今天要办 on every home: each persona's home lists what waits for her (from the domain),
each line one link to its action; an honest empty state; the menu's badge; and a fixed
number of queries per home whatever the data (the same count with 1× and 5× the rows)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from linli.activities.services import activity_publish
from linli.activities.services.signups import signup_create
from linli.matters.choices import MatterKind
from linli.matters.models import Referral
from linli.matters.services import matter_accept, matter_raise, matter_refer, matter_settle
from linli.matters.services.flags import flag_raise
from linli.matters.services.meetings import meeting_call
from linli.matters.services.ratings import appeal_file, rating_give
from linli.matters.tests.test_ratings_support import (  # noqa: F401 - fixtures
    fixture_zhujian_handler,
)
from linli.people.choices import ResidentGroup
from linli.people.models import GroupMembership, Resident
from linli.people.tests.test_imports import good_rows, preview, xlsx
from linli.points.choices import RewardKind
from linli.points.services import award_reject, points_award
from linli.points.services.shop import redemption_place, reward_create
from linli.points.tests.shop_fixtures import (  # noqa: F401 - fixtures
    barber,
    bonus_rule,
    fund,
    haircut,
    sponsor_user,
    window,
)

pytestmark = pytest.mark.django_db


class World:
    """Rows for every persona's 今天要办, added in batches of ``k`` of each kind."""

    def __init__(self, request: pytest.FixtureRequest) -> None:
        get = request.getfixturevalue
        self.tree = get("tree")
        self.secretary, self.staff = get("secretary"), get("staff")
        self.leader, self.resident = get("leader"), get("resident_user")
        self.supervisor, self.sponsor = get("supervisor"), get("sponsor_user")
        self.handler, self.dept = get("zhujian_handler")
        self.neighbour = get("neighbour")
        self.rule = get("suggestion_rule")
        self.team, self.team_leader = get("team"), get("team_leader")
        self.patrol_rule = get("patrol_rule")
        self.window, self.haircut = get("window"), get("haircut")
        self.dzj = Resident.objects.get(user=self.resident)
        fund(self.secretary, self.dzj, get("bonus_rule"), 900)
        self.gift = reward_create(
            actor=self.secretary,
            community=self.tree.heping,
            kind=RewardKind.GOODS,
            name="洗衣液",
            price=10,
            stock=100,
        )
        GroupMembership.objects.create(
            resident=Resident.objects.get(user=self.leader),
            group=ResidentGroup.REPRESENTATIVE,
            community=self.tree.heping,
        )
        self.n = 0

    def _raise(self, title: str) -> Any:
        self.n += 1
        return matter_raise(
            actor=self.resident,
            place=self.tree.building1,
            kind=MatterKind.PROBLEM,
            title=f"{title}{self.n}",
        )

    def _done(self, title: str) -> Any:
        m = self._raise(title)
        matter_accept(actor=self.leader, matter=m)
        matter_settle(actor=self.leader, matter=m, note="已处理")
        m.refresh_from_db()
        return m

    def add(self, k: int) -> None:
        now = timezone.now()
        yesterday = timezone.localdate() - dt.timedelta(days=1)
        for i in range(k):
            flag_raise(actor=self.resident, matter=self._raise("楼道灯坏了"), text="没人管")
            referred = self._raise("违建")
            matter_accept(actor=self.staff, matter=referred)
            (ref,) = matter_refer(
                actor=self.staff,
                matter=referred,
                departments=[self.dept],
                lead=self.dept,
                kind="help",
            )
            Referral.objects.filter(pk=ref.pk).update(due_on=yesterday)
            self.to_rate = self._done("水管漏水")  # waits for her rating
            rating = rating_give(actor=self.resident, matter=self._done("垃圾没清"), level=1)
            appeal_file(actor=self.leader, rating=rating, reason="mistaken", text="已清理")
            for returned in (True, False) if i == 0 else (False,):
                proposed = points_award(
                    actor=self.leader,
                    resident=self.neighbour,
                    rule=self.rule,
                    points=5,
                    idempotency_key=uuid.uuid4().hex,
                )
                if returned:
                    award_reject(actor=self.secretary, award=proposed, reason="请补充说明")
            redemption_place(
                actor=self.resident,
                resident=self.dzj,
                reward=self.gift,
                idempotency_key=uuid.uuid4().hex,
            )
            preview(self.secretary, self.tree.heping, xlsx(good_rows()))
            activity = activity_publish(
                actor=self.team_leader,
                community=self.tree.heping,
                place=self.tree.compound1,
                team=self.team,
                title=f"夜间巡逻{self.n}",
                starts_at=now + dt.timedelta(days=2, hours=self.n),
                ends_at=now + dt.timedelta(days=2, hours=self.n + 1),
                capacity=5,
                rule=self.patrol_rule,
                points=10,
            )
            signup_create(actor=self.resident, activity=activity)
            meeting_call(
                actor=self.staff,
                compound=self.tree.compound1,
                title=f"议事会{self.n}",
                scheduled_at=now + dt.timedelta(days=3 + self.n),
            )
        if not hasattr(self, "voucher"):
            self.voucher = redemption_place(
                actor=self.resident,
                resident=self.dzj,
                reward=self.haircut,
                idempotency_key=uuid.uuid4().hex,
            )


@pytest.fixture
def world(request: pytest.FixtureRequest) -> World:
    return World(request)


PERSONAS: dict[str, Callable[[World], Any]] = {
    "secretary": lambda w: w.secretary,
    "leader": lambda w: w.leader,
    "resident": lambda w: w.resident,
    "sponsor": lambda w: w.sponsor,
    "department": lambda w: w.handler,
    "supervisor": lambda w: w.supervisor,
}

# What each persona's home must list (the items' data-kind) once the world has rows.
EXPECTED: dict[str, set[str]] = {
    "secretary": {
        "matters.accept",
        "matters.referrals_due",
        "matters.rectify",
        "points.proposals",
        "points.hand_over",
        "people.imports_preview",
    },
    "leader": {
        "matters.leader_waiting",
        "matters.next_meeting",
        "points.returned",
    },
    "resident": {"matters.rate", "activities.signed_up", "points.redeem"},
    "sponsor": {"points.vouchers_confirm"},
    "department": {"matters.department_referrals"},
    "supervisor": {"matters.flags", "matters.appeals", "matters.street_overdue"},
}


def home_queries(client: Any, user: Any) -> tuple[int, str]:
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("web:home"))
    assert response.status_code == 200
    return len(ctx), response.content.decode()


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_home_lists_her_items_with_a_fixed_number_of_queries(client, world, persona):
    user = PERSONAS[persona](world)
    world.add(1)
    small, html = home_queries(client, user)
    for kind in EXPECTED[persona]:
        assert f'data-kind="{kind}"' in html, kind
    world.add(4)
    large, html = home_queries(client, user)
    assert large == small, f"{persona}: {small} queries with 1×, {large} with 5×"
    assert small <= 40
    for kind in EXPECTED[persona]:
        assert f'data-kind="{kind}"' in html, kind
    assert 'data-testid="today-empty"' not in html


def test_each_line_opens_its_action(client, world):
    """With one row waiting, the line opens that row; with several, the page listing them."""
    world.add(1)
    client.force_login(world.resident)
    html = client.get(reverse("web:home")).content.decode()
    rate = reverse("web:rating_give", args=[world.to_rate.pk])
    assert f'href="{rate}"' in html
    client.force_login(world.handler)
    html = client.get(reverse("web:home")).content.decode()
    referred = Referral.objects.get().matter_id  # one referral: the line opens its matter
    assert f'href="{reverse("web:matter_detail", args=[referred])}"' in html
    world.add(1)
    html = client.get(reverse("web:home")).content.decode()
    assert f'href="{reverse("web:matter_referrals")}"' in html  # two: the queue, by due date
    assert f'href="{reverse("web:matter_detail", args=[referred])}"' in html  # listed under it
    client.force_login(world.secretary)
    html = client.get(reverse("web:home")).content.decode()
    assert f'href="{reverse("web:points_proposals")}"' in html
    assert f'href="{reverse("web:shop_orders")}?status=placed"' in html
    # Every link on the list opens a page (no 404, no error) for the persona.
    for persona in PERSONAS:
        user = PERSONAS[persona](world)
        client.force_login(user)
        html = client.get(reverse("web:home")).content.decode()
        start = html.index('data-testid="today"')
        section = html[start : html.index("</section>", start)]
        hrefs = [part.split('"', 1)[0] for part in section.split('href="')[1:]]
        assert hrefs, persona
        for href in hrefs:
            assert client.get(href.replace("&amp;", "&")).status_code == 200, (persona, href)


def test_empty_state_and_badge(client, tree, secretary, outsider, resident_user):
    client.force_login(outsider)
    html = client.get(reverse("web:home")).content.decode()
    assert 'data-testid="today-empty"' in html
    assert "今天没有要办的事" in html
    assert 'data-testid="today-badge"' not in html
    # One matter to accept: the home says so and the menu carries the count on every page.
    matter_raise(
        actor=resident_user, place=tree.building1, kind=MatterKind.PROBLEM, title="路灯不亮"
    )
    client.force_login(secretary)
    html = client.get(reverse("web:home")).content.decode()
    assert 'data-kind="matters.accept"' in html
    assert 'data-testid="today-empty"' not in html
    other = client.get(reverse("web:matter_list")).content.decode()
    assert 'data-testid="today-badge" aria-hidden="true">1<' in other
    # Another community's secretary is not told about it.
    client.force_login(outsider)
    html = client.get(reverse("web:home")).content.decode()
    assert 'data-testid="today-empty"' in html
