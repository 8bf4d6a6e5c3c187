"""The scheduled jobs: reminders before due dates (referrals to the department's handlers,
rectifications to the community's staff, 办不成事 flags to the street's supervisors), the
chase after a due date, both through ``linli matters …``; running either twice stores
nothing new."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from linli.core.actors import SYSTEM
from linli.core.errors import Forbidden
from linli.matters.models import Flag, Rating, Rectification
from linli.matters.services import (
    matter_accept,
    matter_raise,
    matter_refer,
    referral_answer,
    referral_extend,
)
from linli.matters.services.community_settings import matter_settings_update
from linli.matters.services.reminders import reminder_due, reminders_send
from linli.notifications.models import Notification
from linli.people.choices import Role
from linli.places.choices import PlaceKind
from linli.places.services import place_get_or_create
from tests.factories import GrantFactory, UserFactory

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()


def at(y: int, m: int, d: int, h: int = 9) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=TZ)


def told(kind: str) -> list[int]:
    return sorted(Notification.objects.filter(kind=kind).values_list("user_id", flat=True))


@pytest.fixture
def matter(tree, leader, staff):
    m = matter_raise(
        actor=leader,
        place=tree.compound1,
        kind="problem",
        title="小区七处违建",
        source="leader",
        when=at(2024, 3, 1),
    )
    matter_accept(actor=staff, matter=m, when=at(2024, 3, 1, 10))
    return m


@pytest.fixture
def referral(matter, staff, depts, zhujian):
    # Monday 4 March 2024, a consultation: due Monday 11 March.
    [r] = matter_refer(
        actor=staff,
        matter=matter,
        departments=[depts["住建"]],
        lead=depts["住建"],
        kind="consultation",
        now=at(2024, 3, 4),
    )
    assert r.due_on == dt.date(2024, 3, 11)
    Notification.objects.all().delete()
    return r


def test_the_reminder_window_in_working_days():
    from linli.core.workdays import WorkdayCalendar

    cal = WorkdayCalendar()
    due = dt.date(2024, 3, 11)  # a Monday
    assert not reminder_due(dt.date(2024, 3, 7), due, 1, cal)  # Thursday: 2 working days
    assert reminder_due(dt.date(2024, 3, 8), due, 1, cal)  # Friday: 1
    assert reminder_due(dt.date(2024, 3, 9), due, 1, cal)  # Saturday: still 1
    assert reminder_due(dt.date(2024, 3, 11), due, 1, cal)  # the day itself
    assert not reminder_due(dt.date(2024, 3, 12), due, 1, cal)  # passed: the chase's turn
    assert not reminder_due(dt.date(2024, 3, 8), due, 0, cal)  # 0: no reminders
    assert reminder_due(dt.date(2024, 3, 7), due, 2, cal)
    # Across the Spring Festival: 2024-02-18 (Sunday) was a make-up workday.
    assert reminder_due(dt.date(2024, 2, 9), dt.date(2024, 2, 18), 1, cal)


def test_referral_reminder_goes_to_the_handlers_once(referral, zhujian, chengguan, staff):
    assert reminders_send(actor=SYSTEM, now=at(2024, 3, 7)).total == 0
    counts = reminders_send(actor=SYSTEM, now=at(2024, 3, 8))
    assert (counts.referrals, counts.total) == (1, 1)
    assert told("referral.remind") == [zhujian.pk]  # not 城管, not staff
    n = Notification.objects.get(kind="referral.remind")
    assert "2024-03-11" in n.text and referral.matter.case_number in n.text
    # Again the same day, the weekend, and on the due date: nothing new.
    for day in (at(2024, 3, 8, 18), at(2024, 3, 9), at(2024, 3, 11)):
        assert reminders_send(actor=SYSTEM, now=day).total == 0
    assert Notification.objects.count() == 1


def test_an_extended_referral_is_reminded_again_for_its_new_date(referral, zhujian):
    reminders_send(actor=SYSTEM, now=at(2024, 3, 8))
    referral_extend(actor=zhujian, referral=referral, reason="需要勘查", days=2, now=at(2024, 3, 8))
    Notification.objects.filter(kind="referral.extend").delete()
    assert reminders_send(actor=SYSTEM, now=at(2024, 3, 12)).referrals == 1
    texts = list(
        Notification.objects.filter(kind="referral.remind")
        .order_by("id")
        .values_list("text", flat=True)
    )
    assert len(texts) == 2 and "2024-03-13" in texts[1]


def test_answered_referrals_and_communities_without_reminders(
    tree, referral, chengguan, zhujian, secretary
):
    referral_answer(actor=zhujian, referral=referral, answer="已答复", now=at(2024, 3, 5))
    assert reminders_send(actor=SYSTEM, now=at(2024, 3, 8)).total == 0
    matter_settings_update(
        actor=secretary,
        community=tree.heping,
        values={"reminder_days": 0},
    )
    assert reminders_send(actor=SYSTEM, now=at(2024, 3, 11)).total == 0


def test_reminder_days_setting_widens_the_window(tree, referral, zhujian, secretary):
    matter_settings_update(actor=secretary, community=tree.heping, values={"reminder_days": 3})
    assert reminders_send(actor=SYSTEM, now=at(2024, 3, 5)).total == 0  # 4 working days
    assert reminders_send(actor=SYSTEM, now=at(2024, 3, 6)).referrals == 1  # 3


def test_rectification_reminder_goes_to_the_communitys_staff(
    matter, resident_user, staff, secretary, leader
):
    rating = Rating.objects.create(
        matter=matter,
        rater=resident_user,
        level=1,
        handled_level="community",
        created_at=at(2024, 3, 4),
    )
    rect = Rectification.objects.create(
        matter=matter,
        rating=rating,
        round=1,
        due_on=dt.date(2024, 3, 11),
        created_at=at(2024, 3, 4),
    )
    assert reminders_send(actor=SYSTEM, now=at(2024, 3, 8)).rectifications == 2  # two people
    assert reminders_send(actor=SYSTEM, now=at(2024, 3, 8)).rectifications == 0
    assert told("rectification.remind") == sorted([staff.pk, secretary.pk])
    # On the due date nothing more; the day after, still open: one overdue notice each, once.
    assert reminders_send(actor=SYSTEM, now=at(2024, 3, 11)).rectifications == 0
    assert reminders_send(actor=SYSTEM, now=at(2024, 3, 12)).rectifications == 2
    assert reminders_send(actor=SYSTEM, now=at(2024, 3, 13)).rectifications == 0
    assert told("rectification.overdue") == sorted([staff.pk, secretary.pk])
    rect.state = "done"
    rect.save()
    Notification.objects.all().delete()
    assert reminders_send(actor=SYSTEM, now=at(2024, 3, 11)).total == 0


def test_flag_reminder_goes_to_the_supervisors_above_the_street(
    tree, matter, resident_user, supervisor
):
    district_supervisor = UserFactory(name="区督办", phone="13900000051")
    GrantFactory(user=district_supervisor, role=Role.SUPERVISOR, place=tree.district)
    other_street, _ = place_get_or_create(
        parent=tree.district, kind=PlaceKind.STREET, name="别的街道"
    )
    elsewhere = UserFactory(name="别街督办", phone="13900000052")
    GrantFactory(user=elsewhere, role=Role.SUPERVISOR, place=other_street)
    Flag.objects.create(
        matter=matter,
        street=tree.street,
        flagged_by=resident_user,
        text="拖了半年没人管",
        due_on=dt.date(2024, 3, 11),
        created_at=at(2024, 3, 4),
    )
    counts = reminders_send(actor=SYSTEM, now=at(2024, 3, 8))
    assert counts.flags == 2
    assert told("flag.remind") == sorted([supervisor.pk, district_supervisor.pk])
    assert reminders_send(actor=SYSTEM, now=at(2024, 3, 8)).flags == 0
    # Past its deadline without an answer: the same supervisors are told once more, once.
    assert reminders_send(actor=SYSTEM, now=at(2024, 3, 12)).flags == 2
    assert reminders_send(actor=SYSTEM, now=at(2024, 3, 14)).flags == 0
    assert told("flag.overdue") == sorted([supervisor.pk, district_supervisor.pk])
    assert elsewhere.pk not in told("flag.overdue")


def test_only_the_system_sends_reminders(referral, staff):
    with pytest.raises(Forbidden):
        reminders_send(actor=staff, now=at(2024, 3, 8))
    assert not Notification.objects.exists()


# --- the commands -------------------------------------------------------------------------------


def test_remind_command_twice(referral, zhujian, capsys):
    call_command("matters", "remind", "--now", "2024-03-08T09:00")
    call_command("matters", "remind", "--now", "2024-03-08")
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("1 reminder(s) as of 2024-03-08 09:00")
    assert out[1].startswith("0 reminder(s)")
    assert told("referral.remind") == [zhujian.pk]


def test_chase_command_twice(referral, zhujian, capsys):
    call_command("matters", "chase", "--now", "2024-03-11T20:00")  # due today: not late
    call_command("matters", "chase", "--now", "2024-03-12T08:00")
    call_command("matters", "chase", "--now", "2024-03-12T09:00")
    out = capsys.readouterr().out
    assert "0 referral(s) chased as of 2024-03-11" in out
    assert f"chased referral {referral.pk}" in out
    assert out.count("chased referral") == 1
    assert told("referral.chase") == [zhujian.pk]
    assert referral.matter.events.filter(action="chase").count() == 1


def test_commands_refuse_a_bad_date():
    with pytest.raises(CommandError, match="ISO"):
        call_command("matters", "chase", "--now", "yesterday")
