"""The Heping demo's volunteer activities (``linli.demo.activities.load_activities``), loaded
once for the class on top of the whole demo: the 义务巡逻队's 2023 patrols linked to the
points already in the ledger (代正菊 still holds 170, then 180), this season's weekly patrols
closed through the batch award, the next patrol's sign-ups, 代正菊's record and certificate,
and a second run that creates nothing."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, ClassVar

from django.db.models import Sum
from django.test import TestCase
from django.utils import timezone

from linli.activities import selectors
from linli.activities.models import (
    Activity,
    ActivitySeries,
    Attendance,
    Certificate,
    Correction,
    ServiceHours,
    Signup,
)
from linli.audit.models import AuditEvent
from linli.demo.activities import SEASON_AHEAD, SEASON_PAST, SEASON_TITLE, load_activities
from linli.demo.plan import PATROL, Demo
from linli.demo.points_plan import EVENING
from linli.people.models import User
from linli.points.models import Award, AwardBatch, Entry
from linli.points.selectors import resident_balance
from linli.points.services import ledger_verify

MODELS = (
    Activity,
    ActivitySeries,
    Attendance,
    Signup,
    ServiceHours,
    Correction,
    Certificate,
    Award,
    AwardBatch,
    Entry,
)


if TYPE_CHECKING:
    _Base = TestCase
else:
    _Base = object


class ActivitiesDemoChecks(_Base):
    """Checks run by tests/test_demo_loaders.py on one shared demo load."""

    demo: ClassVar[Demo]
    output: ClassVar[str]
    awards_before: ClassVar[int]
    seconds: ClassVar[float]

    def test_loads_quickly(self) -> None:
        print(f"load_activities: {self.seconds:.1f} s\n{self.output}")
        assert self.seconds < 60

    def test_dai_balance_is_untouched(self) -> None:
        dai = self.demo.resident("volunteer")
        assert resident_balance(dai) == 180
        entries = Entry.objects.filter(account__resident=dai)
        before = entries.filter(posting__occurred_at__lt=EVENING).aggregate(s=Sum("amount"))["s"]
        assert before == 170
        assert ledger_verify() == []

    def test_history_patrols_link_the_ledgers_awards(self) -> None:
        team = self.demo.teams[PATROL]
        history = Activity.objects.filter(team=team).exclude(ledger_source_id="")
        assert history.count() == 11 and all(a.status == "closed" for a in history)
        dai = self.demo.resident("volunteer")
        rows = Attendance.objects.filter(activity__in=history)
        assert rows.filter(resident=dai).count() == 11
        assert not rows.filter(counts=True, award__isnull=True).exists()
        for a in rows.filter(resident=dai).select_related("award", "activity"):
            assert a.award is not None
            assert a.award.source_id == a.activity.ledger_source_id and a.in_manual
            assert a.signup is None  # a paper sheet then: no sign-ups
        # No award was written for them now.
        assert not Award.objects.filter(
            source_type="activity", source_id__in=[str(a.pk) for a in history]
        ).exists()

    def test_this_seasons_patrols_pay_through_the_batch_award(self) -> None:
        series = ActivitySeries.objects.get(team=self.demo.teams[PATROL], title=SEASON_TITLE)
        season = list(Activity.objects.filter(series=series).order_by("starts_at"))
        assert len(season) == SEASON_PAST + SEASON_AHEAD
        assert {timezone.localtime(a.starts_at).weekday() for a in season} == {1}
        past = season[:SEASON_PAST]
        assert all(a.status == "closed" for a in past)
        assert all(a.status == "open" for a in season[SEASON_PAST:])
        awards = Award.objects.filter(
            source_type="activity", source_id__in=[str(a.pk) for a in past]
        )
        counted = Attendance.objects.filter(activity__in=past, counts=True)
        assert awards.count() == counted.count() > 40
        assert all(award.batch_id and award.points == 10 for award in awards)
        assert Attendance.objects.filter(activity__in=past, counts=False).count() == 1
        # Each counted attendance paid once, and running the loader again paid nothing more.
        assert Award.objects.count() == self.awards_before
        dai = self.demo.resident("volunteer")
        assert not Attendance.objects.filter(activity__in=past, resident=dai).exists()
        # The leader scanned; the others were signed in from the list.
        leader = Attendance.objects.filter(activity=past[0], in_manual=False)
        assert leader.count() == 1

    def test_next_patrol_has_sign_ups(self) -> None:
        series = ActivitySeries.objects.get(team=self.demo.teams[PATROL], title=SEASON_TITLE)
        nxt = Activity.objects.filter(series=series, status="open").order_by("starts_at").first()
        signups = Signup.objects.filter(activity=nxt, status="confirmed")
        dai = self.demo.resident("volunteer")
        dai_user = User.objects.get(resident=dai)
        assert signups.count() == 7 and signups.filter(resident=dai, created_by=dai_user).exists()
        assert nxt is not None
        assert nxt.starts_at > timezone.now() - dt.timedelta(days=1)
        # It asks for the phone near the east gate (和平新村, the map's centre); the past
        # patrols did not.
        assert (str(nxt.checkin_lat), str(nxt.checkin_lng), nxt.checkin_radius_m) == (
            "30.309500",
            "112.257000",
            200,
        )
        assert not Activity.objects.filter(series=series, status="closed").exclude(
            checkin_radius_m=None
        )
        assert (
            f"下一次 {timezone.localtime(nxt.starts_at):%m-%d %H:%M} 已有 7 人报名" in self.output
        )

    def test_dai_record_and_certificate(self) -> None:
        dai = self.demo.resident("volunteer")
        totals = selectors.record_totals(dai)
        assert totals.half_hours == 11 * 4 + 4 * 8 + 6  # 22 h patrols, 16 h added, 3 h corrected
        kinds = set(ServiceHours.objects.filter(resident=dai).values_list("kind", flat=True))
        assert kinds == {"attendance", "added", "correction"}
        assert all(
            line.evidence_note for line in ServiceHours.objects.filter(resident=dai, kind="added")
        )
        statuses = sorted(Correction.objects.filter(resident=dai).values_list("status", flat=True))
        assert statuses == ["accepted", "open"]
        cert = Certificate.objects.get(resident=dai)
        assert cert.half_hours == totals.half_hours and selectors.is_code(cert.code)
        assert selectors.format_code(cert.code) in self.output
        assert "代正菊志愿服务 41 小时" in self.output

    def test_leader_has_a_sign_in(self) -> None:
        from django.contrib.auth import authenticate
        from django.test import RequestFactory

        from linli.demo.plan import PASSWORD

        plan = next(t for t in self.demo.plan.teams if t.name == PATROL)
        user = User.objects.get(resident=self.demo.residents[plan.leader.key])
        assert user.phone in self.output and "义务巡逻队队长" in self.output
        request = RequestFactory().post("/login/")
        assert authenticate(request, username=user.phone, password=PASSWORD) == user
        assert not user.must_change_password

    def test_activities_second_run_creates_nothing(self) -> None:
        before = {m._meta.label: m._default_manager.count() for m in MODELS}
        audits = AuditEvent.objects.count()
        created_before = sum(self.demo.tally.created.values())
        load_activities(self.demo)
        assert {m._meta.label: m._default_manager.count() for m in MODELS} == before
        assert AuditEvent.objects.count() == audits
        assert sum(self.demo.tally.created.values()) == created_before
        assert ledger_verify() == []
