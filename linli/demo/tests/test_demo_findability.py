"""Findability on the demo (issue 12): the seed's 280-day 违建 case is found by searching 违建
among finished matters, by the staff and by 住建's handler; 代正菊's points history reads
"170, then 180" off the page; the 2022 Q4 list's 公示期 is its own (January 2023).

A mixin run by tests/test_demo_loaders.py on its one shared demo load."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from linli.core.quarters import CHINA
from linli.people.models import Resident
from linli.points.models import Publication

STRUCTURES = "江津苑七处违建房存在安全隐患"


class FindabilityDemoChecks:
    demo: Any
    client: Any

    def test_the_280_day_case_is_found_among_finished_matters(self) -> None:
        for key in ("staff", "department"):
            self.client.force_login(self.demo.users[key])
            response = self.client.get(
                reverse("web:matter_list"), {"q": "违建", "state": "finished"}
            )
            assert response.status_code == 200
            titles = [m.title for m in response.context["found"].object_list]
            assert STRUCTURES in titles, (key, titles)
            assert STRUCTURES in response.content.decode()
            still_open = self.client.get(reverse("web:matter_list"), {"q": "违建", "state": "open"})
            assert STRUCTURES not in [m.title for m in still_open.context["found"].object_list]

    def test_dai_points_history_reads_170_then_180(self) -> None:
        user = self.demo.users["volunteer"]
        dai = Resident.objects.get(user=user)
        self.client.force_login(user)
        response = self.client.get(reverse("web:resident_points", args=[dai.pk]))
        rows = list(response.context["page"].object_list)
        evening = dt.datetime(2023, 11, 18, tzinfo=CHINA)
        after = [e for e in rows if e.posting.occurred_at >= evening]
        before = [e for e in rows if e.posting.occurred_at < evening]
        assert [(e.amount, e.balance_after) for e in after][-1] == (10, 180)
        assert before[0].balance_after == 170
        body = response.content.decode()
        assert 'data-testid="balance-after">170<' in body
        assert 'data-testid="balance-after">180<' in body

    def test_the_2022_q4_list_has_its_own_public_period(self) -> None:
        q4 = Publication.objects.get(community=self.demo.heping, year=2022, quarter=4)
        assert q4.public_from is not None and q4.public_until is not None
        assert q4.public_from.astimezone(CHINA).date() == dt.date(2023, 1, 6)
        assert q4.public_until.astimezone(CHINA).year == 2023
