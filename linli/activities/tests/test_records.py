"""Volunteer records: hours added by staff need evidence and are marked; corrections asked
by the volunteer and settled by staff; the certificate (its PDF text, its check code); the
Excel export (staff, audited); and a failed award step that a second close completes."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from pypdf import PdfReader

from linli.activities import selectors
from linli.activities.choices import CorrectionStatus, HoursKind
from linli.activities.models import Attendance, Certificate, ServiceHours
from linli.activities.pdf import certificate_html, certificate_pdf
from linli.activities.services import (
    activity_close,
    attendance_scan,
    certificate_issue,
    closing,
    correction_request,
    correction_settle,
    hours_add,
    hours_export_xlsx,
    signup_create,
)
from linli.activities.tokens import make_token
from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, NotFound, ValidationFailed
from linli.points.models import Award
from linli.points.selectors import resident_balance
from tests import uploads

from .conftest import END, START, make_resident

pytestmark = pytest.mark.django_db

NOW = END + dt.timedelta(days=1)


def attend(user, activity, minutes_out=120):
    for direction, minute in (("in", 0), ("out", minutes_out)):
        at = START + dt.timedelta(minutes=minute)
        attendance_scan(
            actor=user,
            activity=activity,
            direction=direction,
            token=make_token(activity.pk, direction, at),
            now=at,
        )


@pytest.fixture
def closed_patrol(patrol, team_leader, resident_user):
    signup_create(actor=resident_user, activity=patrol, now=START - dt.timedelta(days=1))
    attend(resident_user, patrol)
    activity_close(actor=team_leader, activity=patrol, now=END + dt.timedelta(minutes=5))
    return patrol


def test_staff_add_hours_with_evidence_marked_as_added(tree, staff, dzj, resident_user):
    with pytest.raises(ValidationFailed, match="凭证"):
        hours_add(
            actor=staff,
            resident=dzj,
            served_on=dt.date(2026, 2, 14),
            title="春节慰问独居老人",
            half_hours=4,
            evidence_note=" ",
            now=NOW,
        )
    with pytest.raises(ValidationFailed):
        hours_add(
            actor=staff,
            resident=dzj,
            served_on=NOW.date() + dt.timedelta(days=2),
            title="未来",
            half_hours=4,
            evidence_note="签到表",
            now=NOW,
        )
    photo = uploads.jpeg("sheet.jpg")
    line = hours_add(
        actor=staff,
        resident=dzj,
        served_on=dt.date(2026, 2, 14),
        title="春节慰问独居老人",
        half_hours=4,
        evidence_note="纸质签到表（社区存档 2026-02 第3页）",
        evidence_file=photo,
        now=NOW,
    )
    assert line.kind == HoursKind.ADDED and line.created_by == staff
    assert line.evidence_file.name.startswith("activities/evidence/")
    assert line.evidence_file.name.endswith(".jpg")
    assert AuditEvent.objects.filter(action="activities.hours_add", target_id=str(line.pk))


def test_residents_leaders_and_outsiders_cannot_add_hours(
    tree, dzj, resident_user, leader, outsider, team_leader
):
    for actor in (resident_user, leader, outsider, team_leader):
        with pytest.raises(NotFound):
            hours_add(
                actor=actor,
                resident=dzj,
                served_on=dt.date(2026, 2, 14),
                title="x",
                half_hours=2,
                evidence_note="y",
                now=NOW,
            )


def test_correction_accepted_adds_a_line_rejected_says_why(
    closed_patrol, resident_user, staff, dzj, outsider
):
    req = correction_request(
        actor=resident_user,
        activity=closed_patrol,
        text="3月3日巡逻我21:30签退时手机没电，实际服务到22:00",
        now=NOW,
    )
    assert req.status == CorrectionStatus.OPEN and req.resident == dzj
    assert list(selectors.corrections_open(staff)) == [req]
    assert list(selectors.corrections_open(outsider)) == []
    with pytest.raises(NotFound):
        correction_settle(actor=outsider, correction=req, accept=True, answer="", half_hours=1)
    with pytest.raises(ValidationFailed):
        correction_settle(actor=staff, correction=req, accept=True, answer="", half_hours=0)
    correction_settle(
        actor=staff, correction=req, accept=True, answer="队长核实属实", half_hours=1, now=NOW
    )
    with pytest.raises(Conflict):
        correction_settle(actor=staff, correction=req, accept=False, answer="重复")
    line = ServiceHours.objects.get(correction=req)
    assert line.kind == HoursKind.CORRECTION and line.half_hours == 1
    assert line.served_on == dt.date(2026, 3, 3)
    assert selectors.record_totals(dzj).half_hours == 5  # 2 h scanned + 0.5 h corrected
    # A rejection needs a reason; the record may not go below zero.
    second = correction_request(actor=resident_user, text="多记了一次", now=NOW)
    with pytest.raises(ValidationFailed):
        correction_settle(actor=staff, correction=second, accept=False, answer="")
    with pytest.raises(ValidationFailed, match="负"):
        correction_settle(actor=staff, correction=second, accept=True, answer="", half_hours=-6)
    correction_settle(actor=staff, correction=second, accept=False, answer="经核实记录无误")
    second.refresh_from_db()
    assert second.status == CorrectionStatus.REJECTED and second.answer == "经核实记录无误"


def test_certificate_text_and_check_code(closed_patrol, resident_user, staff, dzj, outsider):
    hours_add(
        actor=staff,
        resident=dzj,
        served_on=dt.date(2026, 2, 14),
        title="春节慰问独居老人",
        half_hours=3,
        evidence_note="纸质签到表",
        now=NOW,
    )
    with pytest.raises(NotFound):
        certificate_issue(actor=outsider, resident=dzj)
    cert = certificate_issue(actor=resident_user, resident=dzj, now=NOW)
    assert cert.half_hours == 7 and cert.activities == 1 and selectors.is_code(cert.code)
    # Unchanged record: the same certificate; the check finds it by a typed code.
    assert certificate_issue(actor=staff, resident=dzj, now=NOW).pk == cert.pk
    typed = selectors.format_code(cert.code).lower().replace("-", " ")
    assert selectors.certificate_by_code(typed) == cert
    assert selectors.certificate_by_code("ABCD-EFGH-JKMN") is None

    lines = list(selectors.record_lines(dzj).filter(pk__lte=cert.last_line_id))
    html = certificate_html(cert, lines, "https://linli.example/volunteer/check/?code=X")
    assert "代正菊" in html and "3.5" in html
    body = certificate_pdf(cert, lines, "https://linli.example/volunteer/check/?code=X")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)
    flat = text.replace(" ", "").replace("\n", "")
    assert "志愿服务记录证明" in flat
    assert "代正菊" in flat and "和平社区" in flat
    assert "累计志愿服务时长3.5小时" in flat
    assert "参加志愿活动1次" in flat
    assert selectors.format_code(cert.code) in flat
    assert "补录" in flat and "周二夜间巡逻" in flat and "免费" in flat
    # A changed record gets a new certificate with a new code; the old one stays checkable.
    hours_add(
        actor=staff,
        resident=dzj,
        served_on=dt.date(2026, 2, 15),
        title="楼道清理",
        half_hours=2,
        evidence_note="照片",
        now=NOW,
    )
    newer = certificate_issue(actor=resident_user, resident=dzj, now=NOW)
    assert newer.pk != cert.pk and newer.code != cert.code and newer.half_hours == 9
    assert Certificate.objects.count() == 2


def test_no_certificate_without_hours(resident_user, dzj):
    with pytest.raises(ValidationFailed):
        certificate_issue(actor=resident_user, resident=dzj)


def test_export_is_staff_only_and_audited(
    tree, closed_patrol, staff, secretary, resident_user, team_leader
):
    with pytest.raises(NotFound):
        hours_export_xlsx(actor=resident_user, community=tree.heping)
    with pytest.raises(NotFound):
        hours_export_xlsx(actor=team_leader, community=tree.heping)
    body, n = hours_export_xlsx(actor=staff, community=tree.heping)
    assert n == 1
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "姓名" and rows[1][0] == "代正菊" and rows[1][5] == 2
    assert all("139" not in str(c) for row in rows for c in row if c)  # no phone numbers
    event = AuditEvent.objects.get(action="activities.hours_export")
    assert event.actor_id == staff.pk and event.data["lines"] == 1


def test_a_failed_award_step_is_completed_by_closing_again(
    tree, patrol, team_leader, resident_user, dzj, monkeypatch
):
    signup_create(actor=resident_user, activity=patrol, now=START - dt.timedelta(days=1))
    attend(resident_user, patrol)
    real = closing.points_award_batch

    def crash(**kw):
        raise RuntimeError("the process stopped here")

    monkeypatch.setattr(closing, "points_award_batch", crash)
    with pytest.raises(RuntimeError):
        activity_close(actor=team_leader, activity=patrol, now=END)
    patrol.refresh_from_db()
    assert patrol.status == "closed" and Award.objects.count() == 0
    assert [a.resident for a in closing.unpaid(patrol)] == [dzj]
    monkeypatch.setattr(closing, "points_award_batch", real)
    result = activity_close(actor=team_leader, activity=patrol, now=END)
    assert not result.closed_now and result.awarded == 1
    assert resident_balance(dzj) == 10 and closing.unpaid(patrol) == []
    assert Attendance.objects.get(activity=patrol).award is not None
    assert activity_close(actor=team_leader, activity=patrol, now=END).awarded == 0
    assert Award.objects.count() == 1


def test_record_totals_and_team_hours(tree, closed_patrol, team, dzj, member):
    totals = selectors.record_totals(dzj)
    assert (totals.half_hours, totals.activities, totals.lines) == (4, 1, 1)
    rows = {
        m.resident_id: (in_team, total) for m, in_team, total in selectors.team_member_hours(team)
    }
    assert rows[dzj.pk] == (4, 4)
    other = make_resident(tree, 3)
    assert other.pk not in rows
