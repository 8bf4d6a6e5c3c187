"""Volunteer activity pages: the policy matrix for every page × persona (another community's
activity is 404), and the flows through them — sign-up, the organiser's QR code and the
scan it opens (expired, forged, another activity's), manual sign-in, closing with points,
the record, the certificate and its check page, corrections, export, the team page."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from linli.activities.models import Activity, Attendance, Certificate, Correction, ServiceHours
from linli.activities.services import (
    activity_publish,
    attendance_scan,
    certificate_issue,
    signup_create,
)
from linli.activities.tokens import make_token
from linli.audit.models import AuditEvent
from linli.people.models import Resident
from linli.points.models import Award
from linli.points.selectors import resident_balance
from linli.web.tests.activity_world import _as, _scan
from linli.web.tests.security_checks import assert_security_headers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


GEO_PAGES = {"activity_new", "activity_organise", "activity_organise_other", "activity_scan"}

PERSONAS = [
    "anonymous",
    "resident_user",
    "team_leader",
    "staff",
    "secretary",
    "supervisor",
    "outsider",
]

# anonymous, resident (a patrol member), team leader, staff, secretary, supervisor, outsider
MATRIX = {
    "activity_list": [302, 200, 200, 200, 200, 200, 200],
    "activity_new": [302, 404, 200, 200, 200, 404, 200],
    "activity_detail": [302, 200, 200, 200, 200, 200, 404],
    "activity_detail_other": [302, 404, 404, 404, 404, 200, 200],
    "activity_organise": [302, 404, 200, 200, 200, 404, 404],
    "activity_organise_other": [302, 404, 404, 404, 404, 404, 200],
    "activity_qr": [302, 404, 200, 200, 200, 404, 404],
    "activity_scan": [302, 200, 409, 409, 409, 409, 404],
    "activity_scan_confirm": [302, 302, 409, 409, 409, 409, 404],
    "activity_scan_done": [302, 302, 302, 302, 302, 302, 404],
    "activity_checkin_place": [302, 404, 302, 302, 302, 404, 404],
    "activity_signup": [302, 302, 302, 302, 302, 302, 404],
    "activity_attend": [302, 404, 302, 302, 302, 404, 404],
    "activity_close": [302, 404, 302, 302, 302, 404, 404],
    "volunteer_record": [302, 200, 200, 404, 404, 404, 404],
    "volunteer_record_of": [302, 200, 404, 200, 200, 404, 404],
    "volunteer_certificate": [302, 302, 404, 302, 302, 404, 404],
    "volunteer_certificate_pdf": [302, 200, 404, 200, 200, 404, 404],
    "volunteer_check": [200, 200, 200, 200, 200, 200, 200],
    "volunteer_hours": [302, 404, 404, 200, 200, 404, 200],
    "volunteer_export": [302, 404, 404, 200, 200, 404, 200],
    "volunteer_hours_add": [302, 404, 404, 200, 200, 404, 404],
    "volunteer_corrections": [302, 404, 404, 200, 200, 404, 200],
    "team_list": [302, 200, 200, 200, 200, 404, 404],
    "team_detail": [302, 200, 200, 200, 200, 404, 404],
}
POSTS = {
    "activity_signup",
    "activity_scan_confirm",
    "activity_checkin_place",
    "activity_attend",
    "activity_close",
    "volunteer_certificate",
}


@pytest.mark.parametrize("page", list(MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_activity_page_matrix(
    request, client, tree, signed_up, elsewhere, dzj, with_hours, page, persona
):
    live = signed_up
    urls = {
        "activity_list": reverse("web:activity_list"),
        "activity_new": reverse("web:activity_new"),
        "activity_detail": reverse("web:activity_detail", args=[live.pk]),
        "activity_detail_other": reverse("web:activity_detail", args=[elsewhere.pk]),
        "activity_organise": reverse("web:activity_organise", args=[live.pk]),
        "activity_organise_other": reverse("web:activity_organise", args=[elsewhere.pk]),
        "activity_qr": reverse("web:activity_qr", args=[live.pk, "in"]),
        "activity_scan": _scan(live),
        "activity_scan_confirm": reverse("web:activity_scan_confirm", args=[live.pk, "in"]),
        "activity_scan_done": reverse("web:activity_scan_done", args=[live.pk, "in"]),
        "activity_checkin_place": reverse("web:activity_checkin_place", args=[live.pk]),
        "activity_signup": reverse("web:activity_signup", args=[live.pk]),
        "activity_attend": reverse("web:activity_attend", args=[live.pk, "in"]),
        "activity_close": reverse("web:activity_close", args=[live.pk]),
        "volunteer_record": reverse("web:volunteer_record"),
        "volunteer_record_of": reverse("web:volunteer_record_of", args=[dzj.pk]),
        "volunteer_certificate": reverse("web:volunteer_certificate", args=[dzj.pk]),
        "volunteer_certificate_pdf": "",
        "volunteer_check": reverse("web:volunteer_check") + "?code=ABCD-EFGH-JKMN",
        "volunteer_hours": reverse("web:volunteer_hours"),
        "volunteer_export": reverse("web:volunteer_export"),
        "volunteer_hours_add": reverse("web:volunteer_hours_add", args=[dzj.pk]),
        "volunteer_corrections": reverse("web:volunteer_corrections"),
        "team_list": reverse("web:team_list"),
        "team_detail": reverse("web:team_detail", args=[live.team_id]),
    }
    if page == "volunteer_certificate_pdf":
        cert = certificate_issue(actor=request.getfixturevalue("staff"), resident=dzj)
        urls[page] = reverse("web:volunteer_certificate_pdf", args=[dzj.pk, cert.code])
    c = _as(request, client, persona)
    url = urls[page]
    data: dict = {}
    if page == "activity_attend":
        data = {"resident": dzj.pk}
    elif page == "activity_scan_confirm":
        data = {"token": make_token(live.pk, "in", timezone.now())}
    resp = c.post(url, data) if page in POSTS else c.get(url)
    expected = MATRIX[page][PERSONAS.index(persona)]
    assert resp.status_code == expected, (page, persona, resp.status_code)
    # The pages that ask the phone for its position (the check-in point's "use my location",
    # the scan's confirmation) allow geolocation for themselves; every other page forbids it.
    assert_security_headers(resp, geolocation=page in GEO_PAGES and expected == 200)
    if expected == 302 and persona == "anonymous":
        assert "/login/" in resp["Location"]


def test_refused_page_actions_change_nothing(client, signed_up, resident_user, outsider, dzj):
    live = signed_up
    before = (
        Attendance.objects.count(),
        Award.objects.count(),
        Activity.objects.get(pk=live.pk).status,
    )
    client.force_login(resident_user)
    client.post(reverse("web:activity_close", args=[live.pk]))
    client.post(reverse("web:activity_attend", args=[live.pk, "in"]), {"resident": dzj.pk})
    client.force_login(outsider)
    client.post(reverse("web:activity_close", args=[live.pk]))
    assert (
        Attendance.objects.count(),
        Award.objects.count(),
        Activity.objects.get(pk=live.pk).status,
    ) == before


def test_sign_up_and_withdraw_on_the_page(client, tree, upcoming, resident_user, dzj):
    client.force_login(resident_user)
    page = client.get(reverse("web:activity_detail", args=[upcoming.pk])).content.decode()
    assert 'data-testid="signup"' in page
    resp = client.post(reverse("web:activity_signup", args=[upcoming.pk]), follow=True)
    assert "报名成功" in resp.content.decode()
    assert 'data-testid="withdraw"' in resp.content.decode()
    resp = client.post(reverse("web:activity_signup", args=[upcoming.pk]), follow=True)
    assert "已经报名了" in resp.content.decode()  # refused, said clearly
    resp = client.post(reverse("web:activity_withdraw", args=[upcoming.pk]), follow=True)
    assert "已取消报名" in resp.content.decode()


def test_full_activity_offers_the_waiting_list(client, tree, upcoming, resident_user):
    from linli.activities.tests.conftest import make_resident

    for n in (1, 2):
        signup_create(actor=make_resident(tree, n).user, activity=upcoming)
    client.force_login(resident_user)
    page = client.get(reverse("web:activity_detail", args=[upcoming.pk])).content.decode()
    assert "名额已满，加入候补" in page
    resp = client.post(reverse("web:activity_signup", args=[upcoming.pk]), follow=True)
    assert "候补名单" in resp.content.decode()


def test_manual_sign_in_close_and_points(client, tree, signed_up, team_leader, dzj):
    live = signed_up
    client.force_login(team_leader)
    url = reverse("web:activity_organise", args=[live.pk])
    resp = client.post(
        reverse("web:activity_attend", args=[live.pk, "in"]), {"resident": dzj.pk}, follow=True
    )
    assert "已为 代正菊 代签到" in resp.content.decode()
    row = Attendance.objects.get(activity=live, resident=dzj)
    assert row.in_manual and row.in_by == team_leader
    resp = client.post(reverse("web:activity_close", args=[live.pk]), follow=True)
    assert "没有签退" in resp.content.decode()
    # Sign out everyone still in (now), then close.
    resp = client.post(reverse("web:activity_sign_out_all", args=[live.pk]), follow=True)
    assert "已为 1 人代签退" in resp.content.decode()
    row.refresh_from_db()
    assert row.out_manual and row.out_by == team_leader
    resp = client.post(reverse("web:activity_close", args=[live.pk]), follow=True)
    html = resp.content.decode()
    assert "活动已结束" in html
    live.refresh_from_db()
    assert live.status == "closed"
    # Half an hour in: 30 of 120 minutes, below 60 %: no points, said on the list.
    row.refresh_from_db()
    assert row.counts is False and resident_balance(dzj) == 0
    resp = client.post(reverse("web:activity_close", args=[live.pk]), follow=True)
    assert "无需重复操作" in resp.content.decode()
    assert client.get(url).status_code == 200


def test_closed_patrol_pays_points_through_the_page(
    client, tree, team, team_leader, patrol_rule, resident_user, dzj, member
):
    now = timezone.now()
    past = activity_publish(
        actor=team_leader,
        community=tree.heping,
        team=team,
        title="昨晚巡逻",
        starts_at=now - dt.timedelta(hours=3),
        ends_at=now - dt.timedelta(hours=1),
        capacity=5,
        rule=patrol_rule,
        now=now - dt.timedelta(days=2),
    )
    signup_create(actor=resident_user, activity=past, now=now - dt.timedelta(days=1))
    for direction, at in (("in", past.starts_at), ("out", past.ends_at)):
        attendance_scan(
            actor=resident_user,
            activity=past,
            direction=direction,
            token=make_token(past.pk, direction, at),
            now=at,
        )
    client.force_login(team_leader)
    listing = client.get(reverse("web:activity_list")).content.decode()
    assert 'data-testid="to-close"' in listing and "昨晚巡逻" in listing
    resp = client.post(reverse("web:activity_close", args=[past.pk]), follow=True)
    assert "1 人获得积分（共 10 分）" in resp.content.decode()
    listing = client.get(reverse("web:activity_list")).content.decode()
    assert 'data-testid="to-close"' not in listing
    assert resident_balance(dzj) == 10
    client.post(reverse("web:activity_close", args=[past.pk]))
    assert resident_balance(dzj) == 10 and Award.objects.count() == 1
    # The resident sees it on the activity and in the record.
    client.force_login(resident_user)
    html = client.get(reverse("web:activity_detail", args=[past.pk])).content.decode()
    assert "服务时长 2 小时" in html and "积分 +10" in html
    record = client.get(reverse("web:volunteer_record")).content.decode()
    assert "昨晚巡逻" in record and 'data-testid="total-hours">2<' in record


def test_certificate_pdf_and_public_check(client, resident_user, dzj, with_hours):
    client.force_login(resident_user)
    # Issuing writes a row: a GET is refused and writes nothing; the POST issues.
    assert client.get(reverse("web:volunteer_certificate", args=[dzj.pk])).status_code == 405
    assert not Certificate.objects.exists()
    issued = client.post(reverse("web:volunteer_certificate", args=[dzj.pk]))
    assert issued.status_code == 302
    resp = client.get(issued["Location"])
    assert resp["Content-Type"] == "application/pdf"
    # Downloading again (a GET) issues nothing new; a code of nobody's is 404.
    assert client.get(issued["Location"]).status_code == 200
    assert Certificate.objects.count() == 1
    wrong = reverse("web:volunteer_certificate_pdf", args=[dzj.pk, "ABCDEFGHJKMN"])
    assert client.get(wrong).status_code == 404
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(resp.content)).pages)
    flat = text.replace(" ", "").replace("\n", "")
    cert = Certificate.objects.get(resident=dzj)
    assert "代正菊" in flat and "累计志愿服务时长2小时" in flat and "补录" in flat
    code = "-".join(cert.code[i : i + 4] for i in range(0, 12, 4))
    assert code in flat
    client.logout()
    ok = client.get(reverse("web:volunteer_check"), {"code": code.lower()})
    html = ok.content.decode()
    assert 'data-ok="1"' in html and "代*菊" in html and "代正菊" not in html and "2 小时" in html
    bad = client.get(reverse("web:volunteer_check"), {"code": "ABCD-EFGH-JKMN"})
    assert 'data-ok="0"' in bad.content.decode() and "伪造" in bad.content.decode()
    malformed = client.get(reverse("web:volunteer_check"), {"code": "12"})
    assert "12 位" in malformed.content.decode()


def test_no_certificate_without_hours(client, resident_user, dzj):
    client.force_login(resident_user)
    resp = client.post(reverse("web:volunteer_certificate", args=[dzj.pk]), follow=True)
    assert "还没有志愿服务时长" in resp.content.decode()
    assert not Certificate.objects.exists()


def test_corrections_through_the_pages(client, resident_user, staff, dzj, with_hours):
    client.force_login(resident_user)
    resp = client.post(
        reverse("web:volunteer_correction_new"), {"text": "2月巡逻漏记一次，约2小时"}, follow=True
    )
    assert "已提交更正申请" in resp.content.decode()
    correction = Correction.objects.get(resident=dzj)
    client.force_login(staff)
    queue = client.get(reverse("web:volunteer_corrections")).content.decode()
    assert "2月巡逻漏记一次" in queue
    resp = client.post(
        reverse("web:volunteer_correction_settle", args=[correction.pk]),
        {"decision": "accept", "hours": "2", "answer": "队长核实"},
        follow=True,
    )
    assert "已处理" in resp.content.decode()
    assert ServiceHours.objects.get(correction=correction).half_hours == 4
    record = client.get(reverse("web:volunteer_record_of", args=[dzj.pk])).content.decode()
    assert "更正" in record and 'data-testid="total-hours">4<' in record


def test_staff_add_hours_needs_evidence(client, staff, dzj):
    client.force_login(staff)
    url = reverse("web:volunteer_hours_add", args=[dzj.pk])
    day = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    resp = client.post(
        url, {"served_on": day, "title": "陪老人看病", "hours": "1.5", "evidence_note": ""}
    )
    assert resp.status_code == 400 and not ServiceHours.objects.exists()
    resp = client.post(
        url, {"served_on": day, "title": "陪老人看病", "hours": "1.2", "evidence_note": "x"}
    )
    assert resp.status_code == 400 and "半小时" in resp.content.decode()
    resp = client.post(
        url,
        {"served_on": day, "title": "陪老人看病", "hours": "1.5", "evidence_note": "医院挂号单"},
    )
    assert resp.status_code == 302
    line = ServiceHours.objects.get()
    assert line.kind == "added" and line.half_hours == 3


def test_export_is_audited(client, staff, with_hours):
    client.force_login(staff)
    resp = client.get(reverse("web:volunteer_export"))
    assert resp.status_code == 200 and resp["Content-Type"].startswith("application/vnd.openxml")
    assert (
        AuditEvent.objects.filter(action="activities.hours_export", actor_id=staff.pk).count() == 1
    )
    page = client.get(reverse("web:volunteer_hours")).content.decode()
    assert "代正菊" in page


def test_team_page_hours_for_leader_not_for_members(
    client, signed_up, team_leader, resident_user, with_hours
):
    live = signed_up
    url = reverse("web:team_detail", args=[live.team_id])
    client.force_login(team_leader)
    html = client.get(url).content.decode()
    assert 'data-testid="team-members"' in html and "代正菊" in html and "今晚夜间巡逻" in html
    client.force_login(resident_user)
    html = client.get(url).content.decode()
    assert 'data-testid="team-members"' not in html and "今晚夜间巡逻" in html


def test_publish_through_the_page_weekly(client, tree, team, team_leader, patrol_rule):
    client.force_login(team_leader)
    page = client.get(reverse("web:activity_new")).content.decode()
    assert "义务巡逻队" in page
    day = timezone.localdate() + dt.timedelta(days=1)
    resp = client.post(
        reverse("web:activity_new"),
        {
            "community": tree.heping.pk,
            "title": "周二夜间巡逻",
            "place": tree.compound1.pk,
            "team": team.pk,
            "day": day.isoformat(),
            "start_time": "19:30",
            "end_time": "21:30",
            "capacity": "12",
            "signup_required": "on",
            "rule": patrol_rule.pk,
            "points_basis": "per_activity",
            "points": "",
            "repeat_weekly": "on",
            "repeat_until": (day + dt.timedelta(days=27)).isoformat(),
        },
    )
    assert resp.status_code == 302
    created = Activity.objects.filter(title="周二夜间巡逻").order_by("starts_at")
    assert created.count() == 4 and all(a.points == 10 for a in created)
    # A team leader cannot publish an activity open to all (no team).
    resp = client.post(
        reverse("web:activity_new"),
        {
            "community": tree.heping.pk,
            "title": "全社区活动",
            "place": tree.heping.pk,
            "day": day.isoformat(),
            "start_time": "09:00",
            "end_time": "11:00",
            "capacity": "10",
            "points_basis": "per_activity",
        },
    )
    assert resp.status_code == 404 and not Activity.objects.filter(title="全社区活动").exists()


def test_publish_asking_for_the_phone_near_the_place(client, tree, team, team_leader):
    client.force_login(team_leader)
    page = client.get(reverse("web:activity_new"))
    html = page.content.decode()
    assert "geolocation=(self)" in page["Permissions-Policy"]
    assert "data-map-picker" in html and 'data-radius="#id_checkin_radius_m"' in html
    assert "linli/map.js" in html and "<script>" not in html
    day = timezone.localdate() + dt.timedelta(days=1)
    form = {
        "community": tree.heping.pk,
        "title": "周二夜间巡逻",
        "place": tree.compound1.pk,
        "team": team.pk,
        "day": day.isoformat(),
        "start_time": "19:30",
        "end_time": "21:30",
        "capacity": "12",
        "signup_required": "on",
        "points_basis": "per_activity",
        "checkin_required": "on",
        "checkin_radius_m": "200",
    }
    # Asked for, but no point on the map: the form says so, nothing is published.
    resp = client.post(reverse("web:activity_new"), form)
    assert resp.status_code == 400 and "请在地图上标出活动地点" in resp.content.decode()
    assert "geolocation=(self)" in resp["Permissions-Policy"]
    resp = client.post(
        reverse("web:activity_new"), {**form, "checkin_lat": "30.3095", "checkin_lng": "inf"}
    )
    assert resp.status_code == 400 and "经纬度无效" in resp.content.decode()
    assert not Activity.objects.filter(title="周二夜间巡逻").exists()
    resp = client.post(
        reverse("web:activity_new"),
        {**form, "checkin_lat": "30.309500", "checkin_lng": "112.257000"},
    )
    assert resp.status_code == 302
    a = Activity.objects.get(title="周二夜间巡逻")
    assert (str(a.checkin_lat), str(a.checkin_lng), a.checkin_radius_m) == (
        "30.309500",
        "112.257000",
        200,
    )
    # Unticked, the point typed is ignored: no position asked.
    resp = client.post(
        reverse("web:activity_new"),
        {
            **form,
            "title": "周三夜间巡逻",
            "checkin_required": "",
            "checkin_lat": "30.3",
            "checkin_lng": "112.2",
        },
    )
    assert resp.status_code == 302
    assert not Activity.objects.get(title="周三夜间巡逻").requires_location


def test_list_pages_query_counts(
    client, tree, signed_up, resident_user, team_leader, django_assert_max_num_queries
):
    from linli.activities.tests.conftest import make_resident

    for n in range(1, 4):
        now = timezone.now()
        activity_publish(
            actor=team_leader,
            community=tree.heping,
            team=signed_up.team,
            title=f"巡逻{n}",
            starts_at=now + dt.timedelta(days=n),
            ends_at=now + dt.timedelta(days=n, hours=2),
            capacity=5,
        )
        make_resident(tree, n)
    client.force_login(resident_user)
    with django_assert_max_num_queries(25):
        assert client.get(reverse("web:activity_list")).status_code == 200
    client.force_login(team_leader)
    with django_assert_max_num_queries(30):
        assert client.get(reverse("web:activity_organise", args=[signed_up.pk])).status_code == 200
    assert Resident.objects.count() >= 5


def test_leader_signs_up_team_members_only(client, tree, live, team, team_leader, staff):
    from linli.activities.tests.conftest import make_resident
    from linli.people.models import TeamMember

    mate = make_resident(tree, 31, user=False)
    TeamMember.objects.create(team=team, resident=mate)
    stranger = make_resident(tree, 32, user=False)
    client.force_login(team_leader)
    page = client.get(reverse("web:activity_organise", args=[live.pk]), {"q": "居民"})
    html = page.content.decode()
    assert "居民31" in html and "居民32" not in html  # no resident register for a leader
    resp = client.post(
        reverse("web:activity_signup_for", args=[live.pk]), {"resident": stranger.pk}
    )
    assert resp.status_code == 404
    resp = client.post(
        reverse("web:activity_signup_for", args=[live.pk]), {"resident": mate.pk}, follow=True
    )
    assert "已为 居民31 报名" in resp.content.decode()
    # Staff search the whole community.
    client.force_login(staff)
    html = client.get(reverse("web:activity_organise", args=[live.pk]), {"q": "居民"}).content
    assert "居民32" in html.decode()
