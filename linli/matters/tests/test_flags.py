"""办不成事: any resident who sees a matter flags it, to the supervisors of the street above, due
in working days; one open flag per person; answered only by a supervisor covering the street;
the flagger kept off the handlers' timeline; the supervisors' queue."""

from __future__ import annotations

import datetime as dt

import pytest

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from linli.matters.choices import MatterAction, MatterState
from linli.matters.models import Flag, FlagState, MatterSettings
from linli.matters.selectors_ratings import flag_queue, matter_flags
from linli.matters.services import matter_merge
from linli.matters.services.flags import flag_answer, flag_raise
from linli.notifications.models import Notification

from .test_ratings_support import (  # noqa: F401 - fixtures
    at,
    fixture_far_resident,
    fixture_far_supervisor,
    fixture_neighbour_user,
    raise_lamp,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def lamp(tree, resident_user):
    return raise_lamp(tree, resident_user)


def snapshot(matter):
    matter.refresh_from_db()
    return (
        matter.state,
        matter.events.count(),
        list(Flag.objects.filter(matter=matter).values_list("state", "answer")),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    )


def test_any_resident_who_sees_it_flags_it(tree, lamp, neighbour_user, supervisor):
    flag = flag_raise(actor=neighbour_user, matter=lamp, text="反映两个月了没人来修")
    assert (flag.street_id, flag.state, flag.flagged_by_id) == (
        tree.street.pk,
        FlagState.OPEN,
        neighbour_user.pk,
    )
    event = lamp.events.order_by("-id").first()
    assert event.action == MatterAction.FLAG and event.actor_id is None
    assert event.actor_kind == "resident" and "孙秀兰" not in event.note
    assert tree.street.name in event.note and flag.due_on.isoformat() in event.note
    lamp.refresh_from_db()
    assert lamp.state == MatterState.RAISED  # a flag changes no state
    told = Notification.objects.get(kind="flag.raised")
    assert told.user_id == supervisor.pk and told.url == "/flags/"
    assert AuditEvent.objects.filter(action="matters.flag", actor_id=neighbour_user.pk).exists()


def test_the_raiser_flags_too(lamp, resident_user):
    assert flag_raise(actor=resident_user, matter=lamp, text="没人管").pk


def test_due_in_working_days_across_national_day(lamp, neighbour_user):
    flag = flag_raise(actor=neighbour_user, matter=lamp, text="没人管", now=at(2025, 9, 30))
    assert flag.due_on == dt.date(2025, 10, 14)


def test_due_follows_the_communitys_flag_days(tree, lamp, neighbour_user):
    MatterSettings.objects.create(community=tree.heping, flag_days=10)
    flag = flag_raise(actor=neighbour_user, matter=lamp, text="没人管", now=at(2025, 3, 3))
    assert flag.due_on == dt.date(2025, 3, 17)


def test_one_open_flag_per_person(lamp, neighbour_user, resident_user, supervisor):
    flag = flag_raise(actor=neighbour_user, matter=lamp, text="没人管")
    before = snapshot(lamp)
    with pytest.raises(Conflict, match="已经反映过"):
        flag_raise(actor=neighbour_user, matter=lamp, text="还是没人管")
    assert snapshot(lamp) == before
    flag_raise(actor=resident_user, matter=lamp, text="我也反映")  # another person may
    flag_answer(actor=supervisor, flag=flag, answer="已督促社区三天内处理")
    again = flag_raise(actor=neighbour_user, matter=lamp, text="三天过去了还是没修")
    assert again.pk != flag.pk


def test_who_may_not_flag(
    lamp, staff, supervisor, outsider, far_resident, tree, resident_user, leader
):
    before = snapshot(lamp)
    for who in (staff, supervisor):  # they see it but are not residents
        with pytest.raises(Forbidden, match="居民"):
            flag_raise(actor=who, matter=lamp, text="x")
    for who in (outsider, far_resident):
        with pytest.raises(NotFound):
            flag_raise(actor=who, matter=lamp, text="x")
    with pytest.raises(ValidationFailed):
        flag_raise(actor=resident_user, matter=lamp, text="   ")
    with pytest.raises(ValidationFailed):
        flag_raise(actor=resident_user, matter=lamp, text="长" * 1001)
    assert snapshot(lamp) == before


def test_a_merged_matter_is_flagged_at_its_survivor(tree, lamp, resident_user, staff):
    other = raise_lamp(tree, resident_user, title="楼道灯不亮")
    matter_merge(actor=staff, matter=other, into=lamp)
    with pytest.raises(Conflict, match="合并"):
        flag_raise(actor=resident_user, matter=other, text="x")


def test_supervisor_answers_and_the_flagger_hears(lamp, neighbour_user, supervisor):
    flag = flag_raise(actor=neighbour_user, matter=lamp, text="没人管")
    answered = flag_answer(actor=supervisor, flag=flag, answer="已督促社区三天内修好")
    assert answered.state == FlagState.ANSWERED and answered.answered_by_id == supervisor.pk
    event = lamp.events.order_by("-id").first()
    assert event.action == MatterAction.FLAG_ANSWER and event.actor_id == supervisor.pk
    assert "三天内修好" in event.note
    told = Notification.objects.get(kind="flag.answered")
    assert told.user_id == neighbour_user.pk
    before = snapshot(lamp)
    with pytest.raises(Conflict, match="已经答复"):
        flag_answer(actor=supervisor, flag=flag, answer="再答复")
    assert snapshot(lamp) == before


def test_only_a_supervisor_of_that_street_answers(
    lamp, neighbour_user, staff, secretary, leader, far_supervisor, resident_user
):
    flag = flag_raise(actor=neighbour_user, matter=lamp, text="没人管")
    before = snapshot(lamp)
    for who in (staff, secretary, leader, resident_user):  # they see the matter
        with pytest.raises(Forbidden, match="督办"):
            flag_answer(actor=who, flag=flag, answer="已处理")
    with pytest.raises(NotFound):
        flag_answer(actor=far_supervisor, flag=flag, answer="已处理")
    with pytest.raises(ValidationFailed):
        flag_answer(actor=staff, flag=flag, answer="")
    assert snapshot(lamp) == before
    assert flag_queue(far_supervisor) == []


def test_a_district_supervisor_answers_too(tree, lamp, neighbour_user):
    from conftest import PASSWORD
    from linli.people.choices import Role
    from tests.factories import GrantFactory, UserFactory

    district_sup = UserFactory(name="区督办", phone="13900000031", password=PASSWORD)
    GrantFactory(user=district_sup, role=Role.SUPERVISOR, place=tree.district)
    flag = flag_raise(actor=neighbour_user, matter=lamp, text="没人管")
    assert [f.pk for f in flag_queue(district_sup)] == [flag.pk]
    flag_answer(actor=district_sup, flag=flag, answer="区里已督办")


def test_queue_open_first_overdue_marked(tree, resident_user, neighbour_user, supervisor):
    old = raise_lamp(tree, resident_user, title="老问题")
    new = raise_lamp(tree, resident_user, title="新问题")
    done = raise_lamp(tree, resident_user, title="答复过的")
    late = flag_raise(actor=neighbour_user, matter=old, text="一直没人管", now=at(2025, 3, 3))
    fresh = flag_raise(actor=neighbour_user, matter=new, text="没人管", now=at(2025, 3, 12))
    answered = flag_raise(actor=neighbour_user, matter=done, text="x", now=at(2025, 3, 1))
    flag_answer(actor=supervisor, flag=answered, answer="已处理", now=at(2025, 3, 4))
    rows = flag_queue(supervisor, today=dt.date(2025, 3, 13))
    assert [f.pk for f in rows] == [late.pk, fresh.pk, answered.pk]
    assert [f.overdue for f in rows] == [True, False, False]
    assert rows[0].age_days == 11


def test_flagger_shown_only_to_supervisors_and_themself(
    lamp, neighbour_user, supervisor, staff, leader, resident_user
):
    flag_raise(actor=neighbour_user, matter=lamp, text="没人管")
    assert matter_flags(lamp, supervisor)[0].who == "孙秀兰"
    assert matter_flags(lamp, supervisor)[0].can_answer
    assert matter_flags(lamp, neighbour_user)[0].mine
    for who in (staff, leader, resident_user):
        view = matter_flags(lamp, who)[0]
        assert view.who == "" and not view.mine and not view.can_answer
