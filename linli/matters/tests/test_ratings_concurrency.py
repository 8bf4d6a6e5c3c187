"""好差评 and 办不成事 under real parallel transactions on PostgreSQL, released together behind
a barrier: the same request twice at once is applied exactly once."""

from __future__ import annotations

import pytest

from linli.core.errors import Conflict
from linli.matters.choices import MatterState
from linli.matters.models import Flag, Rating, RatingAppeal, Rectification, RectificationState
from linli.matters.services.flags import flag_raise
from linli.matters.services.ratings import appeal_file, rating_give, rectification_done
from tests.race import race

from .test_ratings_support import (  # noqa: F401 - fixtures
    done_by_leader,
    fixture_neighbour_user,
    raise_lamp,
)

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def done(tree, resident_user, leader):
    return done_by_leader(raise_lamp(tree, resident_user), leader)


@pytest.mark.parametrize("levels", [(5, 5), (1, 1), (5, 1), (4, 2, 3, 1)])
def test_two_ratings_at_once_by_the_same_rater(done, resident_user, levels):
    results = race(
        len(levels), lambda i: rating_give(actor=resident_user, matter=done, level=levels[i])
    )
    won = [r for r in results if isinstance(r, Rating)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 1 and len(lost) == len(levels) - 1, results
    assert Rating.objects.count() == 1
    done.refresh_from_db()
    bad = won[0].is_bad
    assert done.state == (MatterState.RECTIFYING if bad else MatterState.RATED)
    assert Rectification.objects.count() == int(bad)
    assert done.events.filter(action__in=["rate", "rate_bad"]).count() == 1


def test_two_flags_at_once_by_the_same_person(done, neighbour_user):
    results = race(3, lambda i: flag_raise(actor=neighbour_user, matter=done, text=f"没人管{i}"))
    assert sum(isinstance(r, Flag) for r in results) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 2, results
    assert Flag.objects.count() == 1 and done.events.filter(action="flag").count() == 1


def test_appeal_twice_at_once(done, resident_user, leader, staff):
    rating = rating_give(actor=resident_user, matter=done, level=1)
    actors = [leader, staff]
    results = race(
        2, lambda i: appeal_file(actor=actors[i], rating=rating, reason="mistaken", text="误评")
    )
    assert sum(isinstance(r, RatingAppeal) for r in results) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 1, results
    assert RatingAppeal.objects.count() == 1


def test_rectification_done_twice_at_once(done, resident_user, staff, secretary):
    rating_give(actor=resident_user, matter=done, level=2)
    rect = Rectification.objects.get()
    actors = [staff, secretary]
    results = race(
        2,
        lambda i: rectification_done(
            actor=actors[i], rectification=rect, note=f"整改{i}", return_visit="回访"
        ),
    )
    assert sum(isinstance(r, Rectification) for r in results) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 1, results
    rect.refresh_from_db()
    done.refresh_from_db()
    assert rect.state == RectificationState.DONE and done.state == MatterState.DONE
    assert done.events.filter(action="rectify").count() == 1
