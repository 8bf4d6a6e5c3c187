"""Notifications: notify (exclusion, idempotency by key, each recipient's language),
marking read, one's e-mail address, and the daily digest through Django's mail (locmem)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from linli.audit.models import AuditEvent
from linli.core.errors import ValidationFailed
from linli.notifications.models import Notification
from linli.notifications.selectors import notifications_inbox, unread_count
from linli.notifications.services import (
    notifications_mark_read,
    notifications_send_digest,
    notifications_set_email,
    notify,
)
from linli.notifications.texts import NOTICES
from linli.people.choices import Role
from tests.factories import UserFactory
from tests.race import race

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()


def at(y: int, m: int, d: int, h: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=TZ)


@pytest.fixture
def people(db):
    a = UserFactory(name="代正菊", phone="13900000101", email="dzj@example.cn")
    b = UserFactory(name="杨声芬", phone="13900000102", email="ysf@example.cn", language="en")
    c = UserFactory(name="无邮箱", phone="13900000103")
    return a, b, c


# --- notify ------------------------------------------------------------------------------------


def test_notify_drops_the_actor_and_duplicates(people):
    a, b, c = people
    stored = notify([a, b, b.pk, c, None], kind="t", text="有新事项", exclude=a)
    assert stored == 2
    assert sorted(Notification.objects.values_list("user_id", flat=True)) == sorted([b.pk, c.pk])
    # Several actors may be excluded at once; nobody left stores nothing.
    assert notify([a, b], kind="t", text="x", exclude=[a, b]) == 0
    assert Notification.objects.count() == 2


def test_notify_with_a_key_is_stored_once_per_person(people):
    a, b, c = people
    assert notify([a, b], kind="remind", text="提醒", key="referral:1:remind") == 2
    assert notify([a, b, c], kind="remind", text="提醒", key="referral:1:remind") == 1
    assert notify([a, b, c], kind="remind", text="提醒", key="referral:1:remind") == 0
    assert Notification.objects.filter(key="referral:1:remind").count() == 3
    # Without a key, a second notice is a second row.
    notify([a], kind="t", text="x")
    notify([a], kind="t", text="x")
    assert Notification.objects.filter(user=a, key="").count() == 2


@pytest.mark.django_db(transaction=True)
def test_notify_with_a_key_from_two_runs_at_once_stores_one(people):
    """Two scheduled runs released together behind a barrier: the unique (user, key)
    constraint keeps one row."""
    a, _b, _c = people
    results = race(2, lambda _i: notify([a], kind="remind", text="提醒", key="k:race"))
    assert Notification.objects.filter(user=a, key="k:race").count() == 1
    assert sorted(results) in ([0, 1], [1, 1])  # the loser may count the winner's row
    connection.close()


@pytest.fixture
def role_notice():
    """A notice kind whose one parameter is an enumeration (a role), for these tests."""
    NOTICES.add("test.role", "%(role)s", enums={"role": Role})
    yield "test.role"
    NOTICES.discard("test.role")


def test_a_notice_is_stored_as_kind_and_params_and_read_in_the_readers_language(
    people, role_notice
):
    a, b, _c = people
    notify([a, b], kind=role_notice, params={"role": Role.BUILDING_LEADER})
    row = Notification.objects.get(user=b)
    assert row.params == {"role": "building_leader"} and row.text == "楼栋长"
    assert row.message == "楼栋长"
    with translation.override("en"):
        assert row.message == "Building leader"


def test_a_kind_without_a_template_needs_a_text(people):
    with pytest.raises(ValueError):
        notify([people[0]], kind="nowhere.registered", params={"x": 1})
    with pytest.raises(ValueError):
        notify([people[0]], kind="nowhere.registered", text=lambda: "x")
    assert Notification.objects.count() == 0


def test_unknown_or_legacy_kinds_are_shown_as_stored(people):
    notify([people[0]], kind="legacy", text="旧的提醒")
    with translation.override("en"):
        assert Notification.objects.get().message == "旧的提醒"


def test_texts_are_cut_to_the_columns(people):
    a, *_ = people
    notify([a], kind="k" * 40, text="长" * 400, url="/" + "u" * 300)
    n = Notification.objects.get()
    assert len(n.text) == 300 and len(n.kind) == 32 and len(n.url) == 200


# --- reading ----------------------------------------------------------------------------------


def test_inbox_unread_first_and_mark_read_only_ones_own(people):
    a, b, _c = people
    notify([a], kind="t", text="一", when=at(2024, 3, 1))
    notify([a], kind="t", text="二", when=at(2024, 3, 2))
    notify([a], kind="t", text="三", when=at(2024, 3, 3))
    notify([b], kind="t", text="别人的", when=at(2024, 3, 4))
    first = Notification.objects.get(text="三")
    assert notifications_mark_read(actor=a, ids=[first.pk]) == 1
    assert [n.text for n in notifications_inbox(a)] == ["二", "一", "三"]
    assert unread_count(a) == 2
    others = Notification.objects.get(user=b)
    assert notifications_mark_read(actor=a, ids=[others.pk]) == 0
    assert unread_count(b) == 1
    assert notifications_mark_read(actor=a) == 2
    assert unread_count(a) == 0


# --- e-mail address ---------------------------------------------------------------------------


def test_set_email_validates_and_is_audited(people):
    _a, _b, c = people
    with pytest.raises(ValidationFailed, match="有效的电子邮箱"):
        notifications_set_email(actor=c, email="not-an-address")
    c.refresh_from_db()
    assert c.email == "" and not AuditEvent.objects.filter(action="notifications.email").exists()
    notifications_set_email(actor=c, email="  c@example.cn ")
    c.refresh_from_db()
    assert c.email == "c@example.cn"
    event = AuditEvent.objects.get(action="notifications.email")
    assert event.actor_id == c.pk and "c@example.cn" not in str(event.data)
    notifications_set_email(actor=c, email="")
    c.refresh_from_db()
    assert c.email == ""


# --- the digest ---------------------------------------------------------------------------------


def test_digest_one_mail_per_person_each_notice_once(people, mailoutbox):
    a, b, c = people
    notify([a, b, c], kind="t", text="事项 和平-2024-0001「楼道灯坏了」已受理", url="/matters/1/")
    notify([a], kind="t", text="事项 和平-2024-0002「加装电梯」已上报到社区", url="/matters/2/")
    read = Notification.objects.filter(user=a).order_by("pk").first()
    assert read is not None
    sent = notifications_send_digest(base_url="https://linli.example.cn/")
    assert sent == 2  # c has no address
    assert sorted(m.to[0] for m in mailoutbox) == ["dzj@example.cn", "ysf@example.cn"]
    mail_a = next(m for m in mailoutbox if m.to == ["dzj@example.cn"])
    assert "和平-2024-0001" in mail_a.body and "和平-2024-0002" in mail_a.body
    assert "https://linli.example.cn/matters/2/" in mail_a.body
    assert mail_a.subject == "邻里：您有 2 条新提醒"
    # Running again sends nothing; a new notice goes out alone the next day.
    assert notifications_send_digest() == 0
    assert len(mailoutbox) == 2
    notify([a], kind="t", text="新的提醒")
    assert notifications_send_digest() == 1
    assert "新的提醒" in mailoutbox[-1].body and "和平-2024-0001" not in mailoutbox[-1].body
    assert not Notification.objects.filter(user=c, emailed_at__isnull=False).exists()


def test_digest_skips_read_notices_and_inactive_people(people, mailoutbox):
    a, b, _c = people
    notify([a, b], kind="t", text="已经看过")
    notifications_mark_read(actor=a)
    b.is_active = False
    b.save(update_fields=["is_active"])
    assert notifications_send_digest() == 0
    assert mailoutbox == []


def test_digest_language_follows_the_person(people, mailoutbox, role_notice):
    a, b, _c = people
    notify([a, b], kind=role_notice, params={"role": Role.BUILDING_LEADER})
    notifications_send_digest()
    mail_b = next(m for m in mailoutbox if m.to == ["ysf@example.cn"])
    mail_a = next(m for m in mailoutbox if m.to == ["dzj@example.cn"])
    with translation.override("en"):
        subject_en = _("邻里：您有 %(n)s 条新提醒") % {"n": 1}
    assert mail_b.subject == subject_en and "Building leader" in mail_b.body
    assert mail_a.subject == "邻里：您有 1 条新提醒" and "楼栋长" in mail_a.body


def test_digest_only_takes_notices_up_to_now(people, mailoutbox):
    a, *_ = people
    notify([a], kind="t", text="早", when=at(2024, 3, 1))
    notify([a], kind="t", text="晚", when=at(2024, 3, 5))
    assert notifications_send_digest(now=at(2024, 3, 2)) == 1
    assert "早" in mailoutbox[0].body and "晚" not in mailoutbox[0].body
    assert notifications_send_digest(now=at(2024, 3, 6)) == 1
    assert "晚" in mailoutbox[1].body


def test_a_failed_send_is_retried_next_run(people, mailoutbox, settings):
    a, *_ = people
    notify([a], kind="t", text="重试")
    # A real SMTP backend pointed at a port nobody listens on: the connection is refused.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    assert notifications_send_digest() == 0
    assert Notification.objects.get(user=a).emailed_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications_send_digest() == 1


def test_digest_command_is_idempotent(people, mailoutbox, capsys):
    a, b, _c = people
    notify([a, b], kind="t", text="命令")
    call_command("notifications", "digest", "--base-url", "https://x.cn")
    call_command("notifications", "digest")
    out = capsys.readouterr().out
    assert "2 digest e-mail(s) sent" in out and "0 digest e-mail(s) sent" in out
    assert len(mailoutbox) == 2
