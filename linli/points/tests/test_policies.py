"""``award_mode``: the one answer to "may this actor award, propose, or neither, here" that the
award page and ``points_award`` both ask."""

from __future__ import annotations

from linli.points.policies import ANYWHERE, PointsAction, award_mode
from tests.factories import HouseholdFactory


def test_award_mode_answers_award_propose_or_nothing(
    tree, secretary, leader, resident_user, outsider, dzj, stranger, system
):
    other_building = HouseholdFactory(parent=tree.building2, name="101", room="101")
    ours, theirs = dzj.household, stranger.household
    # Staff award (at once) in their community, nowhere else.
    assert award_mode(secretary, ANYWHERE) == PointsAction.AWARD
    assert award_mode(secretary, ours) == award_mode(secretary, other_building) == "points.award"
    assert award_mode(secretary, theirs) is None
    # A building leader proposes, for their building only.
    assert award_mode(leader, ANYWHERE) == PointsAction.PROPOSE
    assert award_mode(leader, ours) == PointsAction.PROPOSE
    assert award_mode(leader, other_building) is None and award_mode(leader, theirs) is None
    # A resident gives nothing; another community's staff award only in theirs.
    assert award_mode(resident_user, ANYWHERE) is None and award_mode(resident_user, ours) is None
    assert award_mode(outsider, ANYWHERE) == PointsAction.AWARD
    assert award_mode(outsider, ours) is None and award_mode(outsider, theirs) == "points.award"
    assert award_mode(system, ours) == award_mode(system, ANYWHERE) == PointsAction.AWARD
