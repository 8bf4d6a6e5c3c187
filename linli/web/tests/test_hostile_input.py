"""Hostile input through every page of the site: no 5xx, nothing stored when the input is
refused, nothing invisible or control stored when it is accepted.

The pages come from the URL patterns: ``test_every_url_is_walked`` fails when a URL name has
no entry in ``PAGES`` (who may open it, with which objects), and ``test_every_form_is_covered``
fails when a page renders a POST form whose target has no case in ``FORMS`` or
``BUTTONS``, or whose inputs are not all in the case's fields. So a new page or a new field
cannot be forgotten.

How one form is walked (``hostile_walk._walk_form``): the world is built once per group, the
persona signs in, a savepoint is taken; the case's valid post must change the database (else
the case is not testing anything); then each field gets each hostile value of its kind, one
post each, and after each post: no 5xx; nothing reached the bad-input net
(``linli.web.bad_input`` logs every DataError/ValueError it turns into a 400: each one is a
cause still to fix); no raw ``<script>`` echoed; if the value must be refused, the
database's content hash is the one before (AuditEvent rows included: a refused write writes
no audit row); if it was accepted, no text column holds a control, bidi or zero-width
character. Then back to the savepoint.
A full-width number (１０) must do what 10 does. GET pages are opened with every query
parameter set to each hostile value, raw percent-encoded junk in the query string, and
out-of-range ids in the path.

On PostgreSQL: NUL in text and integers past 2³¹−1 only fail there (SQLite takes both).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import connection, transaction
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, include, path, resolve, reverse
from django.utils import timezone

from linli.activities.tokens import make_token
from linli.web.tests.hostile_walk import (
    OBJ,
    Db,
    Form,
    NetCatcher,
    W,
    Walk,
    _c,
    _field_name,
    _get_walk,
    _junk_post,
    _pk,
    _q,
    _report,
    _sign_in,
    _u,
    _walk_form,
    _world,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def net():
    catcher = NetCatcher()
    logger = logging.getLogger("linli.web.bad_input")
    logger.addHandler(catcher)
    yield catcher
    logger.removeHandler(catcher)


# --- the pages -------------------------------------------------------------------------------

HEPING = lambda w: f"community={w.tree.heping.pk}"  # noqa: E731
SEC, STAFF, RES = "secretary", "staff", "resident_user"

# Every URL name → (persona who may open it, its path). test_every_url_is_walked keeps this
# complete.
PAGES: dict[str, tuple[str, Callable[[W], str]]] = {
    "home": (RES, _u("home")),
    "login": ("anonymous", _u("login")),
    "logout": (RES, _u("logout")),
    "password_change": (RES, _u("password_change")),
    "preferences": (RES, _u("preferences")),
    "place_tree": (SEC, _u("place_tree")),
    "place_detail": (SEC, _u("place_detail", lambda w: w.tree.building1.pk)),
    "resident_list": (SEC, _u("resident_list")),
    "resident_new": (SEC, _u("resident_new")),
    "resident_import": (SEC, _u("resident_import")),
    "resident_import_preview": (SEC, _u("resident_import_preview", lambda w: 1)),
    "resident_export": (SEC, _u("resident_export")),
    "resident_detail": (SEC, _u("resident_detail", _pk("dzj"))),
    "resident_account": (SEC, _u("resident_account", _pk("neighbour"))),
    "resident_points": (SEC, _u("resident_points", _pk("dzj"))),
    "points_home": (SEC, _u("points_home")),
    "points_award": (SEC, _q("points_award", lambda w: f"resident={w.dzj.pk}")),
    "points_award_search": (SEC, _u("points_award_search")),
    "points_award_reverse": (SEC, _u("points_award_reverse", _pk("posted"))),
    "points_award_evidence": (SEC, _u("points_award_evidence", _pk("posted"))),
    "points_proposals": (SEC, _u("points_proposals")),
    "points_proposal_decide": (SEC, _u("points_proposal_decide", _pk("proposal"), _c("reject"))),
    "points_rules": (SEC, _u("points_rules")),
    "points_rule_new": (SEC, _q("points_rule_new", HEPING)),
    "points_rule_revise": (SEC, _u("points_rule_revise", _pk("bonus_rule"))),
    "points_ledger": (SEC, _u("points_ledger")),
    "publication_index": ("anonymous", _u("publication_index")),
    "publication_check": ("anonymous", _u("publication_check")),
    "publication_public": ("anonymous", _u("publication_public", _pk("publication"))),
    "publication_object": (RES, _u("publication_object", _pk("publication"), lambda w: 1)),
    "publication_pdf": ("anonymous", _u("publication_pdf", _pk("publication"))),
    "publication_xlsx": (SEC, _u("publication_xlsx", _pk("publication"))),
    "publication_list": (SEC, _u("publication_list")),
    "publication_detail": (SEC, _u("publication_detail", _pk("draft"))),
    "publication_objections": (SEC, _u("publication_objections", _pk("publication"))),
    "publication_action": (SEC, _u("publication_action", _pk("draft"), _c("recompute"))),
    "objection_settle": (SEC, _u("objection_settle", _pk("objection"))),
    "shop_home": (RES, _u("shop_home")),
    "shop_redeem": (RES, _u("shop_redeem", _pk("masks"))),
    "shop_my_orders": (RES, _u("shop_my_orders")),
    "shop_order": (RES, _u("shop_order", _pk("order"))),
    "shop_order_cancel": (RES, _u("shop_order_cancel", _pk("order"))),
    "shop_order_fulfil": (SEC, _u("shop_order_fulfil", _pk("order"))),
    "shop_orders": (SEC, _u("shop_orders")),
    "shop_redeem_for": (SEC, _u("shop_redeem_for")),
    "shop_rewards": (SEC, _u("shop_rewards")),
    "shop_reward_new": (SEC, _q("shop_reward_new", HEPING)),
    "shop_reward_edit": (SEC, _u("shop_reward_edit", _pk("masks"))),
    "shop_reward_restock": (SEC, _u("shop_reward_restock", _pk("masks"))),
    "shop_sponsors": (SEC, _u("shop_sponsors")),
    "shop_sponsor_new": (SEC, _q("shop_sponsor_new", HEPING)),
    "shop_sponsor_edit": (SEC, _u("shop_sponsor_edit", _pk("barber"))),
    "shop_pledge_new": (SEC, _u("shop_pledge_new", _pk("barber"))),
    "shop_pledge_deliver": (SEC, _u("shop_pledge_deliver", _pk("pledge"))),
    "shop_sponsor": ("sponsor_user", _u("shop_sponsor")),
    "shop_thanks": ("anonymous", _u("shop_thanks", lambda w: w.tree.heping.pk)),
    "matter_list": (STAFF, _u("matter_list")),
    "matter_new": (RES, _u("matter_new")),
    "matter_similar": (RES, _u("matter_similar")),
    "matter_referrals": ("handler", _u("matter_referrals")),
    "matter_referral_act": ("handler", _u("matter_referral_act", _pk("referral"), _c("answer"))),
    "matter_detail": (STAFF, _u("matter_detail", _pk("raised"))),
    "matter_act": (STAFF, _u("matter_act", _pk("raised"), _c("accept"))),
    "matter_photo": (STAFF, _u("matter_photo", lambda w: 1)),
    "meeting_list": (STAFF, _u("meeting_list")),
    "meeting_new": (STAFF, _u("meeting_new")),
    "meeting_detail": (STAFF, _u("meeting_detail", _pk("running"))),
    "meeting_results": (STAFF, _u("meeting_results", _pk("running"))),
    "meeting_vote": ("member_user", _u("meeting_vote", _pk("running"))),
    "meeting_check_in": ("member_user", _u("meeting_check_in", _pk("running"))),
    "meeting_agenda_add": (STAFF, _u("meeting_agenda_add", _pk("called"))),
    "meeting_item_act": (STAFF, _u("meeting_item_act", _pk("running"), _pk("item"), _c("defer"))),
    "meeting_motion_open": (STAFF, _u("meeting_motion_open", _pk("running"))),
    "meeting_motion_close": (STAFF, _u("meeting_motion_close", _pk("running"), _pk("motion"))),
    "meeting_tally": (STAFF, _u("meeting_tally", _pk("running"), _pk("motion"))),
    "meeting_vote_cast": ("member_user", _u("meeting_vote_cast", _pk("running"), _pk("motion"))),
    "meeting_attend": (STAFF, _u("meeting_attend", _pk("running"), _pk("absent_row"))),
    "meeting_act": (STAFF, _u("meeting_act", _pk("running"), _c("minutes"))),
    "rating_give": (RES, _u("rating_give", _pk("to_rate"))),
    "rating_rectify": (STAFF, _u("rating_rectify", _pk("rect"))),
    "rating_visit": (STAFF, _u("rating_visit", _pk("rect"))),
    "appeal_new": (STAFF, _u("appeal_new", _pk("rating"))),
    "appeal_queue": ("supervisor", _u("appeal_queue")),
    "appeal_decide": ("supervisor", _u("appeal_decide", _pk("appeal"))),
    "flag_queue": ("supervisor", _u("flag_queue")),
    "flag_new": (RES, _u("flag_new", _pk("done"))),
    "flag_answer": ("supervisor", _u("flag_answer", _pk("flag"))),
    "notification_list": (RES, _u("notification_list")),
    "notification_read_all": (RES, _u("notification_read_all")),
    "notification_email": (RES, _u("notification_email")),
    "notification_open": (RES, _u("notification_open", _pk("notification"))),
    "matter_settings": (SEC, _u("matter_settings")),
    "calendar_days": (SEC, _u("calendar_days")),
    "calendar_day_delete": (SEC, _u("calendar_day_delete", _pk("calendar_day"))),
    "board": (STAFF, _u("board")),
    "activity_list": (RES, _u("activity_list")),
    "activity_new": (SEC, _u("activity_new")),
    "activity_detail": (RES, _u("activity_detail", _pk("upcoming"))),
    "activity_signup": (RES, _u("activity_signup", _pk("upcoming"))),
    "activity_withdraw": (RES, _u("activity_withdraw", _pk("approval"))),
    "activity_organise": (SEC, _u("activity_organise", _pk("ongoing"))),
    "activity_qr": (SEC, _u("activity_qr", _pk("ongoing"), _c("in"))),
    "activity_scan": (RES, _u("activity_scan", _pk("ongoing"), _c("in"), _c("x"))),
    "activity_scan_confirm": (RES, _u("activity_scan_confirm", _pk("ongoing"), _c("out"))),
    "activity_scan_done": (RES, _u("activity_scan_done", _pk("ongoing"), _c("in"))),
    "activity_checkin_place": (SEC, _u("activity_checkin_place", _pk("ongoing"))),
    "activity_attend": (SEC, _u("activity_attend", _pk("ongoing"), _c("out"))),
    "activity_sign_out_all": (SEC, _u("activity_sign_out_all", _pk("ongoing"))),
    "activity_signup_for": (SEC, _u("activity_signup_for", _pk("upcoming"))),
    "activity_signup_decide": (
        SEC, _u("activity_signup_decide", _pk("pending_signup"), _c("reject"))
    ),
    "activity_close": (SEC, _u("activity_close", _pk("past"))),
    "activity_cancel": (SEC, _u("activity_cancel", _pk("upcoming"))),
    "volunteer_record": (RES, _u("volunteer_record")),
    "volunteer_check": ("anonymous", _u("volunteer_check")),
    "volunteer_hours": (SEC, _u("volunteer_hours")),
    "volunteer_export": (SEC, _u("volunteer_export")),
    "volunteer_corrections": (SEC, _u("volunteer_corrections")),
    "volunteer_correction_new": (RES, _u("volunteer_correction_new")),
    "volunteer_correction_settle": (SEC, _u("volunteer_correction_settle", _pk("correction"))),
    "volunteer_evidence": (SEC, _u("volunteer_evidence", lambda w: 1)),
    "volunteer_record_of": (SEC, _u("volunteer_record_of", _pk("dzj"))),
    "volunteer_hours_add": (SEC, _u("volunteer_hours_add", _pk("dzj"))),
    "volunteer_certificate": (RES, _u("volunteer_certificate", _pk("dzj"))),
    "volunteer_certificate_pdf": (
        RES, _u("volunteer_certificate_pdf", _pk("dzj"), _c("ABCDEFGHJKLM"))
    ),
    "team_list": (RES, _u("team_list")),
    "team_detail": (RES, _u("team_detail", _pk("team"))),
    "points_stats": (SEC, _u("points_stats")),
    "points_stats_public": ("anonymous", _u("points_stats_public", _pk("heping"), _c(2023))),
}  # fmt: skip


def _resident_form(w: W) -> dict[str, Any]:
    return {"name": "新居民", "phone": "", "gender": "", "birth_year": "1956",
            "building": w.tree.building2.pk, "unit": "2", "room": "201",
            "moved_in": ""}  # fmt: skip


def _rule_form(w: W) -> dict[str, Any]:
    return {"version": w.version.pk, "decision": "", "decided_on": "", "key": "new-rule",
            "name": "新规则", "category": "environment", "description": "说明",
            "points_min": "2", "points_max": "5", "cap_day": "", "cap_month": "",
            "cap_quarter": "", "awarders": "staff", "evidence": "none",
            "active_from": "2026-01-01", "active_until": ""}  # fmt: skip


def _activity_form(w: W) -> dict[str, Any]:
    day = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    return {"title": "周末清扫", "description": "清扫楼道", "place": w.tree.compound1.pk,
            "team": "", "day": day, "start_time": "09:00", "end_time": "11:00",
            "capacity": "10", "signup_required": "on", "rule": w.patrol_rule.pk,
            "points_basis": "per_activity", "points": "", "repeat_until": ""}  # fmt: skip


def _reward_form(w: W) -> dict[str, Any]:
    return {"kind": "goods", "name": "毛巾", "description": "纯棉", "price": "10", "stock": "5",
            "per_resident_limit": "", "sponsor": "", "active": "on"}  # fmt: skip


def _sponsor_form(w: W) -> dict[str, Any]:
    return {"name": "便民超市", "kind": "business", "contact_name": "李老板",
            "contact_phone": "13800000000", "address": "和平路1号", "user": "",
            "thanks_public": "on"}  # fmt: skip


RULE_FIELDS = {"decision": "text?", "key": "free", "name": "text", "category": "choice",
               "description": "text?", "points_min": "int", "points_max": "int?",
               "cap_day": "int?", "cap_month": "int?", "cap_quarter": "int?",
               "awarders": "choice", "evidence": "choice", "active_from": "date",
               "active_until": "date?", "version": "id?", "decided_on": "date?"}  # fmt: skip
REWARD_FIELDS = {"kind": "choice", "name": "text", "description": "text?", "price": "int",
                 "stock": "int", "per_resident_limit": "int?", "sponsor": "id?",
                 "active": "free"}  # fmt: skip
SPONSOR_FIELDS = {"name": "text", "kind": "choice", "contact_name": "text?",
                  "contact_phone": "text?", "address": "text?", "user": "id?",
                  "thanks_public": "free"}  # fmt: skip

FORMS: list[Form] = [
    Form("resident_new", SEC, _u("resident_new"), _resident_form,
         {"name": "text", "phone": "text?", "gender": "choice?", "birth_year": "int?",
          "building": "id", "unit": "text?", "room": "text", "moved_in": "date?"}),
    Form("points_award", SEC, _u("points_award"),
         lambda w: {"resident": w.dzj.pk, "rule": w.bonus_rule.pk, "points": "10",
                    "evidence_note": "打扫楼道", "idempotency_key": "k-1"},
         {"resident": "id", "rule": "id", "points": "int", "evidence_note": "text?",
          "idempotency_key": "text"},
         page=lambda w: reverse("web:points_award") + f"?resident={w.dzj.pk}"),
    Form("points_proposal_decide", SEC, PAGES["points_proposal_decide"][1],
         lambda w: {"reason": "分值不对"}, {"reason": "text"},
         page=_u("points_proposals")),
    Form("points_award_reverse", SEC, PAGES["points_award_reverse"][1],
         lambda w: {"reason": "登记错了"}, {"reason": "text"},
         page=_u("resident_points", _pk("neighbour"))),
    Form("points_rule_new", SEC, PAGES["points_rule_new"][1], _rule_form, RULE_FIELDS),
    Form("points_rule_revise", SEC, PAGES["points_rule_revise"][1],
         lambda w: {**_rule_form(w), "version": "", "decision": "2026 年居民会议通过",
                    "decided_on": "2026-01-05", "active_from": "2026-02-01"},
         RULE_FIELDS),
    Form("publication_object", RES, PAGES["publication_object"][1],
         lambda w: {"reason": "漏登了巡逻"}, {"reason": "text"}),
    Form("publication_list", SEC, _u("publication_list"),
         lambda w: {"community": w.tree.heping.pk, "year": "2024", "quarter": "1"},
         {"community": "id", "year": "int", "quarter": "choice"}),
    Form("objection_settle", SEC, PAGES["objection_settle"][1],
         lambda w: {f"{OBJ(w)}-upheld": "1", f"{OBJ(w)}-response": "属实，已补加",
                    f"{OBJ(w)}-reverse_award": "", f"{OBJ(w)}-rule": w.patrol_rule.pk,
                    f"{OBJ(w)}-points": "10", f"{OBJ(w)}-occurred_on": ""},
         {"upheld": "choice", "response": "text", "reverse_award": "id?", "rule": "id?",
          "points": "int?", "occurred_on": "date?"},
         page=_u("publication_objections", _pk("publication"))),
    Form("shop_redeem", RES, PAGES["shop_redeem"][1],
         lambda w: {"quantity": "2", "idempotency_key": "r-1"},
         {"quantity": "int", "idempotency_key": "text"}),
    Form("shop_order_cancel", RES, PAGES["shop_order_cancel"][1],
         lambda w: {"reason": "不需要了"}, {"reason": "text?", "next": "free"},
         page=_u("shop_order", _pk("order"))),
    Form("shop_reward_new", SEC, PAGES["shop_reward_new"][1], _reward_form, REWARD_FIELDS),
    Form("shop_reward_edit", SEC, PAGES["shop_reward_edit"][1], _reward_form, REWARD_FIELDS),
    Form("shop_reward_restock", SEC, PAGES["shop_reward_restock"][1],
         lambda w: {"add": "5"}, {"add": "int"}, page=_q("shop_rewards", HEPING)),
    Form("shop_sponsor_new", SEC, PAGES["shop_sponsor_new"][1], _sponsor_form, SPONSOR_FIELDS),
    Form("shop_sponsor_edit", SEC, PAGES["shop_sponsor_edit"][1], _sponsor_form, SPONSOR_FIELDS),
    Form("shop_pledge_new", SEC, PAGES["shop_pledge_new"][1],
         lambda w: {"year": "2024", "quarter": "1", "description": "理发 5 次",
                    "value_yuan": "150.00"},
         {"year": "int", "quarter": "choice", "description": "text", "value_yuan": "decimal"}),
    Form("shop_pledge_deliver", SEC, PAGES["shop_pledge_deliver"][1],
         lambda w: {"note": "已交付"}, {"note": "text?"}, page=_q("shop_sponsors", HEPING)),
    Form("shop_sponsor", "sponsor_user", _u("shop_sponsor"),
         lambda w: {"code": w.voucher.voucher_code}, {"code": "text"},
         page=lambda w: reverse("web:shop_sponsor") + f"?code={w.voucher.voucher_code}"),
    Form("matter_new", RES, _u("matter_new"),
         lambda w: {"kind": "problem", "source": "resident", "place": w.tree.building1.pk,
                    "title": "2单元漏水", "description": "楼顶漏水", "backers": "1",
                    "latitude": "", "longitude": "", "key": "m-1",
                    "on_behalf_of_name": ""},
         {"kind": "choice", "source": "choice", "place": "id", "title": "text",
          "description": "text?", "backers": "int?", "latitude": "decimal?",
          "longitude": "decimal?", "key": "free", "on_behalf_of_name": "text?"},
         min_zero={"latitude", "longitude"}),
    Form("matter_act:accept", STAFF, _u("matter_act", _pk("raised"), _c("accept")),
         lambda w: {"text": "已受理"}, {"text": "text?"}, page=_u("matter_detail", _pk("raised"))),
    Form("matter_act:decline", STAFF, _u("matter_act", _pk("raised"), _c("decline")),
         lambda w: {"text": "不属于社区事务"}, {"text": "text"},
         page=_u("matter_detail", _pk("raised"))),
    Form("matter_act:merge", STAFF, _u("matter_act", _pk("raised"), _c("merge")),
         lambda w: {"into": w.other_raised.case_number}, {"into": "text"},
         page=_u("matter_detail", _pk("raised"))),
    Form("matter_act:escalate", STAFF, _u("matter_act", _pk("raised"), _c("escalate")),
         lambda w: {"text": "需要小区协调"}, {"text": "text"},
         page=_u("matter_detail", _pk("raised"))),
    Form("matter_act:withdraw", RES, _u("matter_act", _pk("raised"), _c("withdraw")),
         lambda w: {"text": "已自行解决"}, {"text": "text?"},
         page=_u("matter_detail", _pk("raised"))),
    Form("matter_act:settle", STAFF, _u("matter_act", _pk("community"), _c("settle")),
         lambda w: {"text": "已修复路面"}, {"text": "text"},
         page=_u("matter_detail", _pk("community"))),
    Form("matter_act:decide", STAFF, _u("matter_act", _pk("community"), _c("decide")),
         lambda w: {"text": "社区出资修复", "adopted": ""}, {"text": "text", "adopted": "free"},
         page=_u("matter_detail", _pk("community"))),
    Form("matter_act:refer", STAFF, _u("matter_act", _pk("community"), _c("refer")),
         lambda w: {"departments": w.dept.pk, "lead": w.dept.pk, "kind": "help",
                    "text": "请住建局处理"},
         {"departments": "id", "lead": "id", "kind": "choice", "text": "text?"},
         page=_u("matter_detail", _pk("community")), multi={"departments"}),
    Form("matter_act:reopen", STAFF, _u("matter_act", _pk("done"), _c("reopen")),
         lambda w: {"text": "又松了"}, {"text": "text"}, page=_u("matter_detail", _pk("done"))),
    Form("matter_act:close", STAFF, _u("matter_act", _pk("done"), _c("close")),
         lambda w: {"text": "已办结"}, {"text": "text?"}, page=_u("matter_detail", _pk("done"))),
    Form("matter_referral_act:answer", "handler", PAGES["matter_referral_act"][1],
         lambda w: {"text": "已安排维修"}, {"text": "text"},
         page=_u("matter_detail", _pk("referred"))),
    Form("matter_referral_act:extend", "handler",
         _u("matter_referral_act", _pk("referral"), _c("extend")),
         lambda w: {"text": "材料未到", "days": "3"}, {"text": "text", "days": "int"},
         page=_u("matter_detail", _pk("referred"))),
    Form("matter_referral_act:return", "handler",
         _u("matter_referral_act", _pk("referral"), _c("return")),
         lambda w: {"text": "不属于本部门"}, {"text": "text"},
         page=_u("matter_detail", _pk("referred"))),
    Form("matter_referral_act:complete", "handler",
         _u("matter_referral_act", _pk("referral"), _c("complete")),
         lambda w: {"text": "已修复"}, {"text": "text"},
         page=_u("matter_detail", _pk("referred"))),
    Form("meeting_new", STAFF, _u("meeting_new"),
         lambda w: {"compound": w.tree.compound1.pk, "title": "第三次议事会",
                    "scheduled_at": (timezone.localtime() + dt.timedelta(days=5))
                    .strftime("%Y-%m-%dT%H:%M"), "location": "活动室",
                    "matters": w.held.pk},
         {"compound": "id", "title": "text", "scheduled_at": "date", "location": "text?",
          "matters": "id?"}),
    Form("meeting_act:minutes", STAFF, PAGES["meeting_act"][1],
         lambda w: {"minutes": "到会 3 人"}, {"minutes": "text?", "next": "free"},
         page=_u("meeting_detail", _pk("running"))),
    Form("meeting_act:close", STAFF, _u("meeting_act", _pk("quiet"), _c("close")),
         lambda w: {"minutes": "会议结束"}, {"minutes": "text?", "next": "free"},
         page=_u("meeting_detail", _pk("quiet"))),
    Form("meeting_act:cancel", STAFF, _u("meeting_act", _pk("called"), _c("cancel")),
         lambda w: {"reason": "人数不够"}, {"reason": "text", "next": "free"},
         page=_u("meeting_detail", _pk("called"))),
    Form("meeting_agenda_add", STAFF, PAGES["meeting_agenda_add"][1],
         lambda w: {"matter": w.held.pk}, {"matter": "id", "next": "free"},
         page=_u("meeting_detail", _pk("called"))),
    Form("meeting_item_act:defer", STAFF, PAGES["meeting_item_act"][1],
         lambda w: {"reason": "再议"}, {"reason": "text", "next": "free"},
         page=_u("meeting_detail", _pk("running"))),
    Form("meeting_item_act:decide", STAFF,
         _u("meeting_item_act", _pk("running"), _pk("item"), _c("decide")),
         lambda w: {"outcome": "escalated", "decision": "提交社区", "points": ""},
         {"outcome": "choice", "decision": "text", "points": "int?", "next": "free"},
         page=_u("meeting_detail", _pk("running"))),
    Form("meeting_motion_open", STAFF, PAGES["meeting_motion_open"][1],
         lambda w: {"text": "同意修订公约", "item": "", "catalog_version": ""},
         {"text": "text", "item": "id?", "catalog_version": "id?", "next": "free"},
         page=_u("meeting_detail", _pk("running"))),
    Form("meeting_attend", STAFF, PAGES["meeting_attend"][1],
         lambda w: {"present": "1"}, {"present": "free", "next": "free"},
         page=_u("meeting_detail", _pk("running"))),
    Form("meeting_vote_cast", "member_user", PAGES["meeting_vote_cast"][1],
         lambda w: {"choice": "for"}, {"choice": "choice", "member": "id?"},
         page=lambda w: reverse("web:meeting_vote", args=[w.running.pk])
         + f"?motion={w.motion.pk}&choice=for"),
    Form("meeting_vote_cast:staff", STAFF, PAGES["meeting_vote_cast"][1],
         lambda w: {"choice": "against", "member": w.running_members[1].pk},
         {"choice": "choice", "member": "id", "next": "free"},
         page=_u("meeting_detail", _pk("running"))),
    Form("rating_give", RES, PAGES["rating_give"][1],
         lambda w: {"level": "4", "comment": "很快修好了"},
         {"level": "choice", "comment": "text?"}),
    Form("rating_rectify", STAFF, PAGES["rating_rectify"][1],
         lambda w: {"note": "已重新铺贴", "return_visit": "居民满意"},
         {"note": "text", "return_visit": "text?"}),
    Form("rating_visit", STAFF, PAGES["rating_visit"][1],
         lambda w: {"text": "电话回访"}, {"text": "text", "next": "free"},
         page=_u("rating_rectify", _pk("rect"))),
    Form("appeal_new", STAFF, _u("appeal_new", _pk("unappealed")),
         lambda w: {"reason": "malicious", "text": "恶意差评"},
         {"reason": "choice", "text": "text"}),
    Form("appeal_decide", "supervisor", PAGES["appeal_decide"][1],
         lambda w: {"outcome": "dismissed", "decision": "评价属实"},
         {"outcome": "choice", "decision": "text"}, page=_u("appeal_queue")),
    Form("flag_new", RES, PAGES["flag_new"][1],
         lambda w: {"text": "扶手还是松的"}, {"text": "text"}),
    Form("flag_answer", "supervisor", PAGES["flag_answer"][1],
         lambda w: {"answer": "已督促整改"}, {"answer": "text", "next": "free"},
         page=_u("flag_queue")),
    Form("notification_email", RES, _u("notification_email"),
         lambda w: {"email": "dzj@example.com"}, {"email": "text?"}),
    Form("matter_settings", SEC, _u("matter_settings"),
         lambda w: {"quorum_percent": "60", "secret_ballot": "on", "consultation_days": "5",
                    "help_days": "10", "suggestion_days": "15", "complaint_days": "15",
                    "rectification_days": "5", "flag_days": "5", "reminder_days": "1"},
         {"quorum_percent": "int", "secret_ballot": "free", "consultation_days": "int",
          "help_days": "int", "suggestion_days": "int", "complaint_days": "int",
          "rectification_days": "int", "flag_days": "int", "reminder_days": "int"},
         min_zero={"reminder_days"}),
    Form("calendar_days", SEC, _u("calendar_days"),
         lambda w: {"day": "2031-05-07", "kind": "off", "note": "调休"},
         {"day": "date", "kind": "choice", "note": "text?"}),
    Form("calendar_day_delete", SEC, PAGES["calendar_day_delete"][1],
         lambda w: {"year": "2031"}, {"year": "free"},
         page=lambda w: reverse("web:calendar_days") + "?year=2031"),
    Form("activity_new", SEC, _u("activity_new"), _activity_form,
         {"title": "text", "description": "text?", "place": "id", "team": "id?",
          "team_only": "free", "day": "date", "start_time": "time", "end_time": "time",
          "capacity": "int", "signup_required": "free", "needs_approval": "free",
          "rule": "id?", "points_basis": "choice", "points": "int?",
          "repeat_weekly": "free", "repeat_until": "date?", "checkin_required": "free",
          # Read only when the check-in box is ticked (it is not in this post).
          "checkin_lat": "free", "checkin_lng": "free", "checkin_radius_m": "free"},
         min_zero={"points"}),
    Form("activity_checkin_place", SEC, PAGES["activity_checkin_place"][1],
         lambda w: {"checkin_required": "on", "checkin_lat": "30.3095",
                    "checkin_lng": "112.2570", "checkin_radius_m": "200"},
         {"checkin_required": "free", "checkin_lat": "decimal?", "checkin_lng": "decimal?",
          "checkin_radius_m": "int?"},
         page=_u("activity_organise", _pk("ongoing")), min_zero={"checkin_lat", "checkin_lng"}),
    Form("activity_scan_confirm", RES, PAGES["activity_scan_confirm"][1],
         lambda w: {"token": make_token(w.ongoing.pk, "out", timezone.now()), "lat": "",
                    "lng": "", "accuracy": ""},
         # The accuracy is read only with a position (lat and lng); alone it is ignored.
         {"token": "free", "lat": "decimal?", "lng": "decimal?", "accuracy": "free"},
         page=lambda w: reverse(
             "web:activity_scan",
             args=[w.ongoing.pk, "out", make_token(w.ongoing.pk, "out", timezone.now())])),
    Form("activity_attend", SEC, PAGES["activity_attend"][1],
         lambda w: {"resident": w.dzj.pk, "at": ""}, {"resident": "id", "at": "time?"},
         page=_u("activity_organise", _pk("ongoing"))),
    Form("activity_sign_out_all", SEC, PAGES["activity_sign_out_all"][1],
         lambda w: {"at": ""}, {"at": "time?"}, page=_u("activity_organise", _pk("ongoing"))),
    Form("activity_signup_for", SEC, PAGES["activity_signup_for"][1],
         lambda w: {"resident": w.neighbour.pk}, {"resident": "id"},
         page=lambda w: reverse("web:activity_organise", args=[w.upcoming.pk]) + "?q=邻居"),
    Form("activity_signup_decide", SEC, PAGES["activity_signup_decide"][1],
         lambda w: {"reason": "名额已满"}, {"reason": "text?"},
         page=_u("activity_organise", _pk("approval"))),
    Form("activity_cancel", SEC, PAGES["activity_cancel"][1],
         lambda w: {"reason": "下雨"}, {"reason": "text"},
         page=_u("activity_organise", _pk("upcoming"))),
    Form("volunteer_correction_new", RES, _u("volunteer_correction_new"),
         lambda w: {"text": "上周巡逻忘记签退", "activity": w.past.pk},
         {"text": "text", "activity": "id?"}, page=_u("volunteer_record")),
    Form("volunteer_correction_settle", SEC, PAGES["volunteer_correction_settle"][1],
         lambda w: {"decision": "accept", "hours": "1.5", "answer": "已核实"},
         {"decision": "choice", "hours": "decimal?", "answer": "text?"},
         page=_u("volunteer_corrections"), min_zero={"hours"}),
    Form("volunteer_hours", SEC, _u("volunteer_hours"),
         lambda w: {"min_share_percent": "50", "signin_open_minutes": "20"},
         {"min_share_percent": "int", "signin_open_minutes": "int"},
         min_zero={"signin_open_minutes"}),
    Form("volunteer_hours_add", SEC, PAGES["volunteer_hours_add"][1],
         lambda w: {"served_on": "2026-01-05", "title": "敬老院服务", "hours": "2",
                    "evidence_note": "纸质签到表"},
         {"served_on": "date", "title": "text", "hours": "decimal", "evidence_note": "text"}),
]  # fmt: skip
FORMS_BY_ID = {f.id: f for f in FORMS}
# POST targets without input of their own (a button): posted with junk only.
BUTTONS = {
    "logout",
    "volunteer_certificate",
    "preferences",
    "resident_account",
    "resident_import_preview",
    "points_proposal_decide",
    "publication_action",
    "shop_order_fulfil",
    "meeting_act",
    "meeting_motion_close",
    "meeting_check_in",
    "matter_act",
    "notification_read_all",
    "activity_signup",
    "activity_withdraw",
    "activity_close",
    "activity_signup_decide",
}
# Forms that are someone else's (sign-in, uploads): walked for 5xx only, see _junk_post.
OTHERS = {"login", "password_change", "resident_import"}


GROUPS = {
    "people": ["resident_new", "points_award", "points_proposal_decide", "points_award_reverse",
               "points_rule_new", "points_rule_revise", "notification_email"],
    "publication": ["publication_object", "publication_list", "objection_settle",
                    "matter_settings", "calendar_days", "calendar_day_delete"],
    "shop": [f.id for f in FORMS if f.id.startswith("shop_")],
    "matters": [f.id for f in FORMS if f.id.startswith(("matter_", "rating_", "appeal_", "flag_"))],
    "meetings": [f.id for f in FORMS if f.id.startswith("meeting_")],
    "activities": [f.id for f in FORMS if f.id.startswith(("activity_", "volunteer_"))],
}  # fmt: skip


# --- the tests -------------------------------------------------------------------------------


def _url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name and namespace == "web":
                names.add(p.name)

    walk(get_resolver().url_patterns, "")
    return names


def test_every_url_is_walked():
    """A new URL name must get an entry in PAGES (who opens it, with what) to be walked."""
    assert set(PAGES) == _url_names()
    targets = {f.url_name for f in FORMS}
    assert targets <= set(PAGES)
    assert not (BUTTONS | OTHERS) - set(PAGES)
    assert set(FORMS_BY_ID) == {i for ids in GROUPS.values() for i in ids}


_FORM_TAG = re.compile(r"<form\b[^>]*>.*?</form>", re.S | re.I)
_ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')
_INPUT = re.compile(r"<(input|select|textarea|button)\b([^>]*)>", re.I)


def _forms_on(html: str) -> list[tuple[str, str, set[str]]]:
    out = []
    for block in _FORM_TAG.findall(html):
        attrs = dict(_ATTR.findall(block[: block.index(">")]))
        if attrs.get("method", "get").lower() != "post":
            continue
        names = set()
        for _tag, rest in _INPUT.findall(block):
            a = dict(_ATTR.findall(rest))
            if a.get("name") and a.get("type") not in ("file", "submit"):
                names.add(a["name"])
        out.append((attrs.get("action", ""), attrs.get("hx-post", ""), names))
    return out


def test_every_form_is_covered(request, client):
    """Every POST form on every page the personas open targets a case in FORMS (with all its
    inputs among the case's fields) or a button, or someone else's form."""
    w = _world(request)
    problems = []
    seen: set[str] = set()
    pages = {name: spec for name, spec in PAGES.items()}
    for form in FORMS:
        pages[f"{form.id} page"] = (form.persona, form.page or form.url)
    for label, (persona, url) in pages.items():
        _sign_in(client, w, persona)
        response = client.get(url(w))
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        page_path = urlsplit(url(w)).path
        for action, hx, names in _forms_on(response.content.decode()):
            target = urlsplit(action or hx).path or page_path
            try:
                match = resolve(target)
            except Exception:
                problems.append(f"{label}: form posts to {target}, which resolves nowhere")
                continue
            name = match.url_name or ""
            kw = match.kwargs
            key = f"{name}:{kw['action']}" if "action" in kw else name
            key = f"{name}:{kw['decision']}" if name == "points_proposal_decide" else key
            cases = [f for f in FORMS if f.id == key or f.id.startswith(f"{key}:")]
            cases = cases or [f for f in FORMS if f.url_name == name]
            if not cases:
                if name in BUTTONS or name in OTHERS:
                    continue
                problems.append(f"{label}: a form posts to {name} ({target}): no case in FORMS")
                continue
            fields = {_field_name(c, w, f) for c in cases for f in c.fields}
            missing = names - fields - {"csrfmiddlewaretoken", "next", "community"}
            if missing and name not in BUTTONS:
                problems.append(f"{label}: form to {key} has inputs not walked: {sorted(missing)}")
            seen.add(name)
    assert not problems, "\n".join(problems)
    never = {f.url_name for f in FORMS} - seen
    assert not never, f"forms never found on a page: {sorted(never)}"


@pytest.mark.parametrize("group", list(GROUPS))
def test_hostile_values_through_every_form(request, client, net, group):
    started = time.monotonic()
    w = _world(request)
    walk = Walk(Db(), net)
    for form_id in GROUPS[group]:
        form = FORMS_BY_ID[form_id]
        _sign_in(client, w, form.persona)
        _walk_form(client, w, walk, form)
    _report(walk, started)


def test_hostile_query_parameters_and_junk_posts_on_every_page(request, client, net):
    started = time.monotonic()
    w = _world(request)
    walk = Walk(Db(), net)
    for name, (persona, url) in PAGES.items():
        _sign_in(client, w, persona)
        _get_walk(client, w, walk, name, url(w))
        if name in BUTTONS or name in OTHERS or name not in {f.url_name for f in FORMS}:
            _junk_post(client, w, walk, name, url(w))
    _report(walk, started)


def _overflow(request: Any) -> Any:
    """A view that lets PostgreSQL's "integer out of range" through (no cause fixed here)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::integer", [2**31])
    raise AssertionError("unreachable")  # pragma: no cover


def _encode(request: Any) -> Any:
    return HttpResponse("\ud800".encode())


urlpatterns = [
    path("overflow/", _overflow),
    path("encode/", _encode),
    path("", include("linli.web.urls")),
]


def test_the_bad_input_net_turns_a_database_error_into_a_400(client, net, settings, tree):
    """The second line of defence (BadInputMiddleware): an error the first line missed is a
    400 page in the user's language, not a 500, and it is logged (ERROR, with its traceback)
    for someone to fix the cause."""
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = True
    sid = transaction.savepoint()
    response = client.get("/overflow/")
    transaction.savepoint_rollback(sid)
    assert response.status_code == 400
    assert "提交的内容无法处理" in response.content.decode()
    assert len(net.records) == 1 and "DataError" in net.records[0]
    response = client.get("/encode/")
    assert response.status_code == 400 and "UnicodeEncodeError" in net.records[1]
    client.cookies["django_language"] = "en"
    response = client.get("/overflow/")
    assert response.status_code == 400
