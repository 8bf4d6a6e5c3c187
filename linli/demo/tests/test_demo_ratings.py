"""The Heping demo's 好差评 and 办不成事 (``load_ratings`` after ``load_heping``), loaded once for
the class: content, what the demo's personas see, and a second run that creates nothing."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, ClassVar

from django.test import TestCase
from django.urls import reverse

from linli.core.quarters import local_date
from linli.demo.plan import Demo
from linli.demo.ratings import DOOR, LAMPS, ROAD, ROOF, STAIRS, TILES, TITLES, load_ratings
from linli.matters.choices import MatterState
from linli.matters.models import (
    AppealState,
    Flag,
    FlagState,
    Matter,
    MatterEvent,
    Rating,
    RatingAppeal,
    Rectification,
    RectificationState,
)
from linli.matters.selectors_ratings import appeals_pending, flag_queue
from linli.notifications.models import Notification

KINDS = ("matter", "rating", "appeal", "flag")


def counts() -> dict[str, int]:
    return {
        m.__name__: m.objects.count()
        for m in (Matter, Rating, Rectification, RatingAppeal, Flag, MatterEvent, Notification)
    }


if TYPE_CHECKING:
    _Base = TestCase
else:
    _Base = object


class RatingsDemoChecks(_Base):
    """Checks run by tests/test_demo_loaders.py on one shared demo load."""

    demo: ClassVar[Demo]
    output: ClassVar[str]

    def matter(self, title: str) -> Matter:
        return Matter.objects.get(community=self.demo.heping, title=title)

    def test_every_matter_is_there(self) -> None:
        for title in TITLES:
            self.matter(title)
        self.assertIn("和平社区好差评：", self.output)

    def test_mostly_satisfied(self) -> None:
        rows = Rating.objects.filter(matter__title__in=TITLES)
        good = rows.filter(level__gte=4).count()
        self.assertGreater(good, rows.count() / 2)
        self.assertEqual(
            Rating.objects.get(matter=self.matter(DOOR)).rater, self.demo.users["volunteer"]
        )
        self.assertEqual(self.matter(DOOR).state, MatterState.RATED)

    def test_bad_rating_rectified_with_a_return_visit_and_rated_again(self) -> None:
        m = self.matter(TILES)
        self.assertEqual(m.state, MatterState.RATED)
        self.assertEqual(
            list(Rating.objects.filter(matter=m).order_by("round").values_list("round", "level")),
            [(0, 2), (1, 5)],
        )
        rect = Rectification.objects.get(matter=m)
        self.assertEqual(rect.state, RectificationState.DONE)
        self.assertTrue(rect.return_visit and rect.note)
        assert rect.done_at is not None
        self.assertLessEqual(local_date(rect.done_at), rect.due_on)  # done in time
        r0 = Rating.objects.get(matter=m, round=0)
        self.assertEqual(r0.department, self.demo.departments["住建"])
        # The timeline runs in order: refer, complete, rate_bad, rectify, return visit, rate.
        actions = list(m.events.order_by("created_at", "id").values_list("action", flat=True))
        tail = ["refer", "complete", "rate_bad", "rectify", "return_visit", "rate"]
        self.assertEqual([a for a in actions if a in tail], tail)
        self.assertFalse(m.events.filter(action__in=["rate", "rate_bad"], actor__isnull=False))

    def test_pending_appeal_in_the_supervisors_queue(self) -> None:
        m = self.matter(ROAD)
        self.assertEqual(m.state, MatterState.RECTIFYING)
        appeal = RatingAppeal.objects.get(rating__matter=m)
        self.assertEqual(appeal.state, AppealState.PENDING)
        supervisor = self.demo.users["supervisor"]
        self.assertEqual([a.pk for a in appeals_pending(supervisor)], [appeal.pk])
        self.client.force_login(supervisor)
        page = self.client.get(reverse("web:appeal_queue")).content.decode()
        self.assertIn(f'data-testid="appeal-{appeal.pk}"', page)

    def test_flags_open_and_answered(self) -> None:
        supervisor = self.demo.users["supervisor"]
        open_flag = Flag.objects.get(matter=self.matter(ROOF))
        answered = Flag.objects.get(matter=self.matter(LAMPS))
        self.assertEqual(open_flag.state, FlagState.OPEN)
        self.assertEqual(open_flag.street, self.demo.street)
        self.assertEqual(answered.state, FlagState.ANSWERED)
        self.assertEqual(answered.answered_by, supervisor)
        # A resident who is not the raiser flagged 张德明's matter.
        self.assertNotEqual(answered.flagged_by, self.matter(LAMPS).raised_by)
        rows = flag_queue(supervisor)
        self.assertEqual(rows[0].pk, open_flag.pk)
        self.client.force_login(supervisor)
        page = self.client.get(reverse("web:flag_queue")).content.decode()
        self.assertIn(f'data-testid="queue-{open_flag.pk}"', page)
        self.assertIn(ROOF, page)

    def test_the_volunteer_sees_a_rating_form(self) -> None:
        m = self.matter(STAIRS)
        self.assertEqual(m.state, MatterState.DONE)
        self.client.force_login(self.demo.users["volunteer"])
        page = self.client.get(reverse("web:matter_detail", args=[m.pk])).content.decode()
        self.assertIn('data-testid="rating-form"', page)

    def test_handlers_do_not_see_the_rater_in_the_ratings_panel(self) -> None:
        m = self.matter(TILES)
        for key in ("staff", "department"):
            self.client.force_login(self.demo.users[key])
            page = self.client.get(reverse("web:matter_detail", args=[m.pk])).content.decode()
            start = page.index('data-testid="ratings"')
            panel = page[start : page.index("</section>", start)]
            self.assertNotIn("陈国华", panel)
            self.assertNotIn("陈*华", panel)

    def test_ratings_second_run_creates_nothing(self) -> None:
        before = counts()
        again = Demo(plan=self.demo.plan, users=self.demo.users, places=self.demo.places)
        again.departments = self.demo.departments
        load_ratings(again, io.StringIO())
        self.assertEqual(counts(), before)
        self.assertEqual(sum(again.tally.created[k] for k in KINDS), 0)
        self.assertEqual(again.tally.present["matter"], len(TITLES))
        self.assertEqual(again.tally.present["rating"], 7)
        self.assertEqual(again.tally.present["flag"], 2)
        self.assertEqual(again.tally.present["appeal"], 1)
