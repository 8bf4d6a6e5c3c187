"""The demo's meetings in 江津苑, loaded once for the class on the real database (the Heping
demo takes a while): two held meetings (open ballot, then secret), the next one called, and a
second load that creates nothing."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, ClassVar

from django.test import TestCase

from linli.audit.models import AuditEvent
from linli.demo.meetings import FIRST, NEXT, PARKING, SECOND, load_meetings
from linli.demo.plan import Demo
from linli.matters import selectors_meetings as sel
from linli.matters.choices import MatterState
from linli.matters.models import (
    AgendaItem,
    AgendaOutcome,
    Ballot,
    Matter,
    Meeting,
    MeetingMember,
    MeetingState,
    Motion,
    MotionState,
    VoteCast,
)
from linli.notifications.models import Notification
from linli.points.models import Award


def counts() -> tuple[int, ...]:
    return (
        Meeting.objects.count(),
        MeetingMember.objects.count(),
        AgendaItem.objects.count(),
        Motion.objects.count(),
        VoteCast.objects.count(),
        Ballot.objects.count(),
        Matter.objects.count(),
        Award.objects.count(),
        Notification.objects.count(),
        AuditEvent.objects.count(),
    )


if TYPE_CHECKING:
    _Base = TestCase
else:
    _Base = object


class MeetingsDemoChecks(_Base):
    """Checks run by tests/test_demo_loaders.py on one shared demo load."""

    demo: ClassVar[Demo]
    output: ClassVar[str]

    def test_the_open_ballot_meeting(self) -> None:
        m = Meeting.objects.get(title=FIRST)
        assert m.state == MeetingState.CLOSED and m.published_at and m.minutes
        assert not m.secret_ballot and m.compound.name == "江津苑"
        attendance = sel.meeting_attendance(m)
        assert attendance.quorum and attendance.members >= 10
        items = list(AgendaItem.objects.filter(meeting=m).order_by("position"))
        assert len(items) >= 3
        assert [i.outcome for i in items] == [
            AgendaOutcome.ADOPTED,
            AgendaOutcome.ADOPTED,
            AgendaOutcome.ESCALATED,
            AgendaOutcome.REJECTED,
        ]
        charging = items[0].matter
        assert charging.state == MatterState.DECIDED and "充电" in charging.decision
        award = Award.objects.get(source_type="matter", source_id=str(charging.pk))
        assert award.resident.user == self.demo.users["building_leader"] and award.points == 10
        assert items[2].matter.level == "community"
        motions = list(Motion.objects.filter(meeting=m).order_by("id"))
        assert [x.state for x in motions].count(MotionState.CARRIED) == 4
        assert motions[3].state == MotionState.FAILED
        assert all(x.present == attendance.present for x in motions)
        # Open ballot: the choices are on the votes; 杨声芬 voted on her own phone.
        casts = VoteCast.objects.filter(motion__meeting=m)
        assert casts.count() == attendance.present * len(motions)
        assert not casts.filter(choice="").exists() and not Ballot.objects.filter(motion__meeting=m)
        assert casts.filter(by_staff=False, member__resident__user__isnull=False).exists()
        for x in motions:
            assert x.votes_for + x.votes_against + x.votes_abstain == attendance.present

    def test_the_secret_ballot_meeting_and_the_next(self) -> None:
        m = Meeting.objects.get(title=SECOND)
        assert m.secret_ballot and m.state == MeetingState.CLOSED and m.published_at
        motion = Motion.objects.get(meeting=m)
        assert motion.state == MotionState.CARRIED
        assert set(VoteCast.objects.filter(motion=motion).values_list("choice", flat=True)) == {""}
        assert Ballot.objects.filter(motion=motion).count() == motion.present
        nxt = Meeting.objects.get(title=NEXT)
        assert nxt.state == MeetingState.SCHEDULED and nxt.secret_ballot
        titles = set(AgendaItem.objects.filter(meeting=nxt).values_list("matter__title", flat=True))
        assert PARKING in titles and "江津苑南区夜间照明不足" in titles
        assert Matter.objects.get(title=PARKING).state == MatterState.DELIBERATING
        assert FIRST in self.output and NEXT in self.output

    def test_second_load_creates_nothing(self) -> None:
        before = counts()
        demo = Demo(plan=self.demo.plan)
        demo.users, demo.places = self.demo.users, self.demo.places
        load_meetings(demo, io.StringIO())
        assert counts() == before
        assert sum(demo.tally.created.values()) == 0
        assert demo.tally.present["meeting"] == 3
        assert demo.tally.present["award"] == 1  # the adopted suggestion's, found again
