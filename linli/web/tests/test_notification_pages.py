"""Notifications, matter settings and calendar pages: the policy matrix (every page ×
persona; another community's settings are 404) and the flows through them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from linli.audit.models import AuditEvent
from linli.core.workdays import LAST_COVERED_YEAR
from linli.matters.models import CalendarDay, MatterSettings
from linli.matters.services import matter_accept, matter_raise
from linli.matters.services.community_settings import calendar_day_add
from linli.notifications.models import Notification
from linli.notifications.services import notify
from linli.people.choices import Role
from linli.web.tests.security_checks import assert_security_headers
from tests.factories import GrantFactory, UserFactory

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "resident_user", "leader", "staff", "secretary", "supervisor", "outsider"]
UNCOVERED = LAST_COVERED_YEAR + 1

# anonymous, resident, leader, staff, secretary, supervisor, outsider
MATRIX = {
    "notification_list": [302, 200, 200, 200, 200, 200, 200],
    "notification_email": [302, 200, 200, 200, 200, 200, 200],
    "notification_open_residents": [302, 302, 404, 404, 404, 404, 404],
    "notification_read_all": [302, 302, 302, 302, 302, 302, 302],
    "matter_settings": [302, 404, 404, 200, 200, 404, 200],
    "matter_settings_heping": [302, 404, 404, 200, 200, 404, 404],
    "matter_settings_other": [302, 404, 404, 404, 404, 404, 200],
    "calendar_days": [302, 404, 404, 404, 200, 404, 200],
    "calendar_days_heping": [302, 404, 404, 404, 200, 404, 404],
    "calendar_day_delete": [302, 404, 404, 404, 302, 404, 404],
}


def weekday_on_or_after(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _as(request, client, persona):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    return client


@pytest.fixture
def lamp(tree, resident_user, leader):
    m = matter_raise(
        actor=resident_user, place=tree.building1, kind="problem", title="1栋楼道灯坏了"
    )
    matter_accept(actor=leader, matter=m)  # tells 代正菊
    return m


@pytest.mark.parametrize("page", list(MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_page_matrix(request, client, tree, lamp, resident_user, secretary, page, persona):
    note = Notification.objects.get(user=resident_user)
    holiday = calendar_day_add(
        actor=secretary,
        community=tree.heping,
        day=weekday_on_or_after(dt.date(UNCOVERED, 6, 7)),
        is_workday=False,
        note="端午节",
    )
    urls = {
        "notification_list": reverse("web:notification_list"),
        "notification_email": reverse("web:notification_email"),
        "notification_open_residents": reverse("web:notification_open", args=[note.pk]),
        "notification_read_all": reverse("web:notification_read_all"),
        "matter_settings": reverse("web:matter_settings"),
        "matter_settings_heping": reverse("web:matter_settings") + f"?community={tree.heping.pk}",
        "matter_settings_other": reverse("web:matter_settings") + f"?community={tree.other.pk}",
        "calendar_days": reverse("web:calendar_days"),
        "calendar_days_heping": reverse("web:calendar_days") + f"?community={tree.heping.pk}",
        "calendar_day_delete": reverse("web:calendar_day_delete", args=[holiday.pk]),
    }
    c = _as(request, client, persona)
    url = urls[page]
    if page in ("notification_read_all", "calendar_day_delete"):
        resp = c.post(url, {"community": tree.heping.pk})
    else:
        resp = c.get(url)
    expected = MATRIX[page][PERSONAS.index(persona)]
    assert resp.status_code == expected, (page, persona, resp.status_code)
    assert_security_headers(resp)
    if expected == 302 and persona == "anonymous":
        assert "/login/" in resp["Location"]
    # Nothing of another person's changes through these pages.
    if persona not in ("anonymous", "resident_user"):
        note.refresh_from_db()
        assert note.read_at is None
    if page == "calendar_day_delete" and expected == 404:
        assert CalendarDay.objects.filter(pk=holiday.pk).exists()


def test_matrix_with_an_operator_on_the_street(client, tree):
    """An operator granted on the street edits every community below it."""
    op = UserFactory(name="运维", phone="13900000061")
    GrantFactory(user=op, role=Role.OPERATOR, place=tree.street)
    client.force_login(op)
    for name in ("web:matter_settings", "web:calendar_days"):
        for community in (tree.heping, tree.other):
            assert client.get(reverse(name) + f"?community={community.pk}").status_code == 200


# --- the inbox and the bell ----------------------------------------------------------------


def test_inbox_unread_first_open_marks_read_and_goes_to_the_matter(client, lamp, resident_user):
    notify([resident_user], kind="t", text="一条已读的旧提醒")
    Notification.objects.filter(text="一条已读的旧提醒").update(read_at="2024-01-01T00:00Z")
    client.force_login(resident_user)
    page = client.get(reverse("web:notification_list")).content.decode()
    assert page.index("已受理") < page.index("一条已读的旧提醒")
    assert 'data-testid="unread-badge"' in page and 'data-testid="read-all"' in page
    note = Notification.objects.get(user=resident_user, read_at__isnull=True)
    resp = client.get(reverse("web:notification_open", args=[note.pk]))
    assert resp.status_code == 302 and resp["Location"] == reverse(
        "web:matter_detail", args=[lamp.pk]
    )
    note.refresh_from_db()
    assert note.read_at is not None
    page = client.get(reverse("web:notification_list")).content.decode()
    assert 'data-testid="unread-badge"' not in page


def test_read_all(client, resident_user):
    notify([resident_user], kind="t", text="甲")
    notify([resident_user], kind="t", text="乙")
    client.force_login(resident_user)
    assert (
        'data-testid="unread-badge"'
        in client.get(reverse("web:notification_list")).content.decode()
    )
    resp = client.post(reverse("web:notification_read_all"), follow=True)
    assert "已将 2 条提醒标为已读" in resp.content.decode()
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert client.get(reverse("web:notification_read_all")).status_code == 405


def test_an_outside_url_is_not_followed(client, resident_user):
    notify([resident_user], kind="t", text="外链", url="//evil.example.com/x")
    note = Notification.objects.get()
    client.force_login(resident_user)
    resp = client.get(reverse("web:notification_open", args=[note.pk]))
    assert resp["Location"] == reverse("web:notification_list")


def test_the_badge_counts_in_one_query(client, resident_user):
    for i in range(3):
        notify([resident_user], kind="t", text=f"提醒{i}")
    client.force_login(resident_user)
    html = client.get(reverse("web:home")).content.decode()
    assert 'data-testid="unread-badge"' in html and ">3</span>" in html
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("web:home"))
    badge = [q for q in ctx.captured_queries if "notifications_notification" in q["sql"]]
    assert len(badge) == 1 and "COUNT" in badge[0]["sql"].upper()


def test_anonymous_pages_have_no_bell(client):
    html = client.get(reverse("web:login")).content.decode()
    assert "notification-bell" not in html


# --- one's e-mail address -----------------------------------------------------------------------


def test_email_form(client, resident_user):
    client.force_login(resident_user)
    url = reverse("web:notification_email")
    resp = client.post(url, {"email": "not an address"})
    assert resp.status_code == 200 and "请填写有效的电子邮箱" in resp.content.decode()
    resident_user.refresh_from_db()
    assert resident_user.email == ""
    resp = client.post(url, {"email": "dzj@example.cn"})
    assert resp.status_code == 302
    resident_user.refresh_from_db()
    assert resident_user.email == "dzj@example.cn"
    assert "dzj@example.cn" in client.get(reverse("web:notification_list")).content.decode()
    client.post(url, {"email": ""})
    resident_user.refresh_from_db()
    assert resident_user.email == ""
    assert AuditEvent.objects.filter(action="notifications.email").count() == 2


# --- matter settings ------------------------------------------------------------------------------

FORM = {
    "quorum_percent": "60",
    "secret_ballot": "on",
    "consultation_days": "4",
    "help_days": "10",
    "suggestion_days": "15",
    "complaint_days": "15",
    "rectification_days": "5",
    "flag_days": "5",
    "reminder_days": "1",
}


def test_settings_page_saves_and_is_audited(client, tree, secretary):
    client.force_login(secretary)
    url = reverse("web:matter_settings")
    page = client.get(url).content.decode()
    assert 'name="quorum_percent"' in page and 'value="50"' in page and 'min="50"' in page
    resp = client.post(url, {**FORM, "community": tree.heping.pk})
    assert resp.status_code == 302
    row = MatterSettings.objects.get(community=tree.heping)
    assert (row.quorum_percent, row.secret_ballot, row.consultation_days) == (60, True, 4)
    assert AuditEvent.objects.filter(action="matters.settings", actor_id=secretary.pk).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("quorum_percent", "30", "法律要求过半数出席"),
        ("rectification_days", "20", "整改期限须在 2 到 15 个工作日之间"),
        ("consultation_days", "", "咨询办理期限须在 1 到 60 个工作日之间"),
        ("reminder_days", "4", "到期前提醒的天数须少于最短的办理期限"),
    ],
)
def test_settings_page_shows_clear_errors_and_saves_nothing(
    client, tree, staff, field, value, message
):
    client.force_login(staff)
    resp = client.post(reverse("web:matter_settings"), {**FORM, field: value})
    assert resp.status_code == 200
    assert message in resp.content.decode()
    assert not MatterSettings.objects.exists()


def test_settings_of_another_community_cannot_be_posted(client, tree, staff):
    client.force_login(staff)
    resp = client.post(reverse("web:matter_settings"), {**FORM, "community": tree.other.pk})
    assert resp.status_code == 404 and not MatterSettings.objects.exists()


# --- the calendar -----------------------------------------------------------------------------


def test_calendar_warns_for_a_year_the_package_lacks(client, tree, secretary):
    client.force_login(secretary)
    url = reverse("web:calendar_days")
    uncovered = client.get(url, {"year": UNCOVERED}).content.decode()
    assert 'data-testid="not-covered"' in uncovered
    covered = client.get(url, {"year": LAST_COVERED_YEAR}).content.decode()
    assert 'data-testid="covered"' in covered and 'data-testid="not-covered"' not in covered
    assert "everywhere" not in covered  # the global switch is for operators on a city


def test_calendar_add_duplicate_and_delete(client, tree, secretary):
    client.force_login(secretary)
    url = reverse("web:calendar_days") + f"?year={UNCOVERED}"
    monday = dt.date(UNCOVERED, 6, 7)
    while monday.weekday() != 0:
        monday += dt.timedelta(days=1)
    data = {"day": monday.isoformat(), "kind": "off", "note": "端午节（国办发明电）"}
    resp = client.post(url, {**data, "community": tree.heping.pk})
    assert resp.status_code == 302
    row = CalendarDay.objects.get()
    assert (row.community_id, row.day, row.is_workday) == (tree.heping.pk, monday, False)
    page = client.get(url).content.decode()
    assert "端午节（国办发明电）" in page and monday.isoformat() in page
    resp = client.post(url, {**data, "kind": "work"})
    assert resp.status_code == 200 and "已有调整" in resp.content.decode()
    sunday = monday - dt.timedelta(days=1)
    resp = client.post(url, {"day": sunday.isoformat(), "kind": "off"})
    assert "本来就是休息日" in resp.content.decode()
    resp = client.post(url, {"day": "", "kind": "off"})
    assert "请填写日期" in resp.content.decode()
    assert CalendarDay.objects.count() == 1
    resp = client.post(
        reverse("web:calendar_day_delete", args=[row.pk]),
        {"community": tree.heping.pk, "year": UNCOVERED},
    )
    assert resp.status_code == 302 and not CalendarDay.objects.exists()


def test_a_city_operator_enters_a_holiday_for_every_community(client, tree, outsider):
    op = UserFactory(name="市运维", phone="13900000062")
    GrantFactory(user=op, role=Role.OPERATOR, place=tree.city)
    client.force_login(op)
    url = reverse("web:calendar_days") + f"?community={tree.heping.pk}&year={UNCOVERED}"
    assert 'name="everywhere"' in client.get(url).content.decode()
    day = weekday_on_or_after(dt.date(UNCOVERED, 10, 1))
    resp = client.post(url, {"day": day.isoformat(), "kind": "off", "everywhere": "on"})
    assert resp.status_code == 302
    assert CalendarDay.objects.get().community_id is None
    # The outsider (胜利社区's secretary) sees it on their page, without a delete button.
    client.force_login(outsider)
    page = client.get(reverse("web:calendar_days"), {"year": UNCOVERED}).content.decode()
    assert day.isoformat() in page and 'data-testid="delete-override"' not in page


def test_inbox_queries_do_not_grow_with_notifications(client, resident_user):
    client.force_login(resident_user)
    url = reverse("web:notification_list")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    notify([resident_user], kind="t", text="一")
    few = count()
    for i in range(20):
        notify([resident_user], kind="t", text=f"提醒{i}")
    assert count() == few
