"""Every check of the Heping demo on ONE load of it.

linli/demo/tests/test_demo.py, test_demo_cycle.py, test_demo_points.py, test_demo_meetings.py,
test_demo_ratings.py and tests/test_demo_activities.py each hold a mixin of checks; loading the
demo takes about a minute on PostgreSQL, so they share this class's load instead of one each.
After ``load_heping`` (which runs every loader; its printout is ``heping_output``), the
meetings, ratings and activities loaders run a second time here: that run must create nothing,
and its printed summary (``output``) is what their checks read.
"""

from __future__ import annotations

import io
import time

from django.test import TestCase
from django.utils import timezone

from linli.demo.activities import load_activities
from linli.demo.heping import load_heping
from linli.demo.meetings import load_meetings
from linli.demo.points_plan import plan_points
from linli.demo.ratings import load_ratings
from linli.demo.tests.test_demo import HepingDemoChecks
from linli.demo.tests.test_demo_cycle import CycleDemoChecks
from linli.demo.tests.test_demo_findability import FindabilityDemoChecks
from linli.demo.tests.test_demo_meetings import MeetingsDemoChecks
from linli.demo.tests.test_demo_points import PointsDemoChecks
from linli.demo.tests.test_demo_ratings import RatingsDemoChecks
from linli.points.models import Award

from .test_demo_activities import ActivitiesDemoChecks


class HepingLoadersTests(
    HepingDemoChecks,
    CycleDemoChecks,
    PointsDemoChecks,
    MeetingsDemoChecks,
    RatingsDemoChecks,
    ActivitiesDemoChecks,
    FindabilityDemoChecks,
    TestCase,
):
    @classmethod
    def setUpTestData(cls) -> None:
        out = io.StringIO()
        cls.loaded_at = timezone.now()
        cls.demo = load_heping(out)
        cls.heping_output = out.getvalue()  # what `make demo` prints
        cls.plan = plan_points(cls.demo.plan)
        cls.awards_before = Award.objects.count()
        load_meetings(cls.demo, out)
        load_ratings(cls.demo, out)
        started = time.monotonic()
        load_activities(cls.demo, out)
        cls.seconds = time.monotonic() - started
        cls.output = out.getvalue()
