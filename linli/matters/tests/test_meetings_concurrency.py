# ruff: noqa: F811 - the shared fixtures are imported by name, then used as arguments
"""Meetings under real parallel transactions on PostgreSQL, released together behind a
barrier: one member's votes at once, two staff closing one motion, votes racing the close."""

from __future__ import annotations

import pytest

from linli.core.errors import Conflict
from linli.matters.models import MatterSettings, MeetingMember, Motion, MotionState, VoteCast
from linli.matters.models.meeting import Ballot
from linli.matters.services.meetings import (
    meeting_call,
    meeting_open,
    motion_close,
    motion_open,
    vote_cast,
)
from tests.race import race

from .test_meetings_support import held, meeting, member_user, members, soon  # noqa: F401

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def _open(staff, meeting):
    present = list(MeetingMember.objects.filter(meeting=meeting).order_by("id"))
    meeting_open(actor=staff, meeting=meeting, present=present)
    return present


def test_one_member_voting_twice_at_once(staff, secretary, meeting, member_user):
    _open(staff, meeting)
    motion = motion_open(actor=staff, meeting=meeting, text="同意建小广场")
    own = MeetingMember.objects.get(meeting=meeting, resident__user=member_user)
    # On their phone twice (a double tap on two devices) while two staff record a paper vote.
    calls = [
        lambda: vote_cast(actor=member_user, motion=motion, choice="for"),
        lambda: vote_cast(actor=member_user, motion=motion, choice="against"),
        lambda: vote_cast(actor=staff, motion=motion, choice="abstain", member=own),
        lambda: vote_cast(actor=secretary, motion=motion, choice="for", member=own),
    ]
    results = race(4, lambda i: calls[i]())
    won = [r for r in results if isinstance(r, VoteCast)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 1 and len(lost) == 3, results
    assert VoteCast.objects.filter(motion=motion).count() == 1
    motion.refresh_from_db()
    assert motion.votes_for + motion.votes_against + motion.votes_abstain == 1


def test_two_staff_close_one_motion(staff, secretary, meeting):
    present = _open(staff, meeting)
    motion = motion_open(actor=staff, meeting=meeting, text="同意")
    for m in present[:4]:
        vote_cast(actor=staff, motion=motion, choice="for", member=m)
    results = race(2, lambda i: motion_close(actor=(staff, secretary)[i], motion=motion))
    won = [r for r in results if isinstance(r, Motion)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 1 and len(lost) == 1, results
    motion.refresh_from_db()
    assert motion.state == MotionState.CARRIED and motion.votes_for == 4
    assert motion.present == 6


def test_secret_votes_racing_the_close_are_counted_or_refused(tree, staff, members, member_user):
    MatterSettings.objects.create(community=tree.heping, secret_ballot=True)
    meeting = meeting_call(
        actor=staff, compound=tree.compound1, title="无记名", scheduled_at=soon()
    )
    present = _open(staff, meeting)
    motion = motion_open(actor=staff, meeting=meeting, text="同意")

    def step(i: int):
        if i == 0:
            return motion_close(actor=staff, motion=motion)
        return vote_cast(actor=staff, motion=motion, choice="for", member=present[i])

    results = race(6, step)
    assert isinstance(results[0], Motion), results
    votes = [r for r in results[1:] if isinstance(r, VoteCast)]
    refused = [r for r in results[1:] if isinstance(r, Conflict)]
    assert len(votes) + len(refused) == 5, results
    motion.refresh_from_db()
    # Every vote that got in before the close is counted, with its ballot; none after.
    assert VoteCast.objects.filter(motion=motion).count() == len(votes) == motion.votes_for
    assert Ballot.objects.filter(motion=motion).count() == len(votes)
