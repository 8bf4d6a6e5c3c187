"""Volunteer activities for the Heping demo (issue 6): the 义务巡逻队's patrols and 代正菊's
volunteer record.

- The patrol's leader gets a sign-in (he organises: the QR code, the list, closing).
- 2023, history: the eleven first-Friday patrols 代正菊 walked (``DAI_ACTIVITIES`` in
  ``linli.demo.points_plan``). Their points were registered in the ledger then, as batches with
  the source ``activity`` / ``patrol-2023-…``; each patrol is entered here with that source
  (``ledger_source_id``), its crew signed in and out from the list by the leader (代签: a
  paper sheet then) and closed — closing finds every award already in the ledger and links
  it, so nobody is paid twice and 代正菊 still holds exactly 170, then 180 after the seed's
  evening. (The one patroller whose award was reversed is not on the sheet.)
- This season: a weekly series, 周二夜间巡逻 19:30–21:30, eight Tuesdays before the first
  load and four after it (the dates are fixed by the first load, like the cycle's). The
  eight past ones have their crews (the leader scans; members without a phone are signed
  in by him), one who left early does not count, and each is closed: the points arrive
  through the ledger's batch award. 代正菊 sat this season out; she has signed up, on her
  phone, for the next one, with six team-mates; the next one asks for the phone within
  200 m of 和平新村's east gate (a forwarded photo of the code signs nobody in from home).
- 代正菊's record: 22 hours of 2023 patrols; 2022's 核酸检测点 shifts added by staff from the
  paper sheets (with evidence, marked 补录); a correction she asked for and staff accepted
  (学雷锋日 2023), one still open; and a certificate with its check code.

Planned from fixed data and a fixed ``random.Random``; every row is looked up by a natural
key (team + ledger source, series title, activity + resident) before a service is called,
so a second run creates nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from linli.activities.models import (
    Activity,
    ActivitySeries,
    Attendance,
    Certificate,
    Correction,
    ServiceHours,
    Signup,
)
from linli.activities.selectors import format_code
from linli.activities.services import (
    activity_checkin_set,
    activity_close,
    activity_publish,
    attendance_mark,
    attendance_scan,
    certificate_issue,
    correction_request,
    correction_settle,
    hours_add,
    series_create,
    series_generate,
    signup_create,
)
from linli.activities.tokens import make_token
from linli.core.actors import SYSTEM
from linli.core.quarters import CHINA
from linli.demo.plan import HEPING, PASSWORD, PATROL, SEED, Demo, Writer, place_path
from linli.demo.points_plan import DAI_ACTIVITIES, RULES_BY_KEY, plan_points
from linli.people.models import Resident, User
from linli.people.services import account_create
from linli.points.models import Award, Rule

SEASON_TITLE = "周二夜间巡逻"
SEASON_DESCRIPTION = "防火防盗提醒、文明养犬宣传；19:20 在和平新村东门集合，穿好马甲"
SEASON_PAST = 8  # Tuesdays before the first load
SEASON_AHEAD = 4  # and after it
SEASON_CAPACITY = 12
START, END = dt.time(19, 30), dt.time(21, 30)
NEXT_SIGNUPS = 6  # team-mates signed up for the next patrol, besides 代正菊
# 和平新村's east gate, where the patrol gathers (the map's centre, LINLI_MAP_CENTER).
EAST_GATE = (Decimal("30.309500"), Decimal("112.257000"))
CHECKIN_RADIUS_M = 200

DAI_ADDED: list[tuple[dt.date, str]] = [
    (dt.date(2022, 3, 19), "疫情防控：核酸检测点秩序维护、扫码登记（半天）"),
    (dt.date(2022, 3, 26), "疫情防控：核酸检测点秩序维护、扫码登记（半天）"),
    (dt.date(2022, 5, 14), "疫情防控：核酸检测点秩序维护、扫码登记（半天）"),
    (dt.date(2022, 6, 11), "疫情防控：核酸检测点秩序维护、扫码登记（半天）"),
]
DAI_ADDED_EVIDENCE = "2022 年核酸检测点纸质签到表（社区档案 2022-疫情-03），系统上线前的记录"
DAI_CORRECTION = (
    "2023年3月5日学雷锋日义务服务（义剪、磨刀、家电维修），我上午在场三个小时，记录里没有",
    "经核对当日签到表属实，补记 3 小时",
    6,
)
DAI_OPEN_CORRECTION = "2023年8月26日的全民大扫除我参加了，麻烦核实一下时长"


def _at(day: dt.date, t: dt.time, minutes: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, t, tzinfo=CHINA) + dt.timedelta(minutes=minutes)


def _leader_user(demo: Demo) -> User:
    """The patrol's leader, with a sign-in (the demo's shared password). It is printed on
    the loader's line, not added to ``demo.signins`` (the sign-in table lists the named
    people and the sponsors)."""
    plan = next(t for t in demo.plan.teams if t.name == PATROL)
    resident = demo.residents[plan.leader.key]
    resident.refresh_from_db(fields=["user"])
    created = resident.user_id is None
    demo.tally.add("account", created)
    if created:
        user, _secret = account_create(actor=SYSTEM, resident=resident, password=PASSWORD)
        resident.refresh_from_db(fields=["user"])
    else:
        user = User.objects.get(resident=resident)
    return user


def _sign(
    leader: User, activity: Activity, resident: Resident, direction: str, at: dt.datetime
) -> None:
    """The leader scans his own code; everyone else is signed by him from the list."""
    if resident.user_id == leader.pk:
        attendance_scan(
            actor=leader,
            activity=activity,
            direction=direction,
            token=make_token(activity.pk, direction, at),
            now=at,
        )
    else:
        attendance_mark(
            actor=leader, activity=activity, resident=resident, direction=direction, at=at, now=at
        )


def _run(
    demo: Demo,
    leader: User,
    activity: Activity,
    crew: list[Resident],
    *,
    early: Resident | None = None,
) -> None:
    """Sign-ups, sign-ins and sign-outs for ``crew``, then close (idempotent). The minutes
    come from a generator of the activity's own, so a re-run draws the same times."""
    rng = random.Random(f"{SEED}:{activity.starts_at.isoformat()}")
    if activity.status == "closed":
        demo.tally.add("activity_closed", False)
        return
    have = set(
        Signup.objects.filter(activity=activity, status="confirmed").values_list(
            "resident_id", flat=True
        )
    )
    for r in crew if activity.signup_required else []:
        demo.tally.add("activity_signup", r.pk not in have)
        if r.pk not in have:
            if r.user_id == leader.pk:
                signup_create(
                    actor=leader, activity=activity, now=activity.starts_at - dt.timedelta(days=2)
                )
            else:
                signup_create(
                    actor=leader,
                    activity=activity,
                    resident=r,
                    now=activity.starts_at - dt.timedelta(days=2),
                )
    attended = {a.resident_id: a for a in Attendance.objects.filter(activity=activity)}
    for r in crew:
        row = attended.get(r.pk)
        demo.tally.add("activity_attendance", row is None)
        if row is None:
            _sign(
                leader,
                activity,
                r,
                "in",
                activity.starts_at - dt.timedelta(minutes=rng.randint(3, 12)),
            )
        if row is None or row.signed_out_at is None:
            out = (
                activity.starts_at + dt.timedelta(minutes=50)
                if early is not None and r.pk == early.pk
                else activity.ends_at + dt.timedelta(minutes=rng.randint(0, 8))
            )
            _sign(leader, activity, r, "out", out)
    activity_close(actor=leader, activity=activity, now=activity.ends_at + dt.timedelta(minutes=15))
    demo.tally.add("activity_closed", True)


def load_history(demo: Demo, leader: User, rule: Rule) -> list[Activity]:
    """2023: the first-Friday patrols 代正菊 walked, their points already in the ledger."""
    plan = plan_points(demo.plan)
    batches = {b.slug: b for b in plan.batches}
    reversed_ = {(r.batch, r.person.key) for r in plan.reversals}
    team = demo.teams[PATROL]
    existing = {
        a.ledger_source_id: a
        for a in Activity.objects.filter(team=team).exclude(ledger_source_id="")
    }
    out = []
    for rule_key, slug in DAI_ACTIVITIES:
        if rule_key != "patrol":
            continue
        batch = batches[slug]
        day = dt.date.fromisoformat(slug.removeprefix("patrol-"))
        activity = existing.get(slug)
        demo.tally.add("activity", activity is None)
        if activity is None:
            activity = activity_publish(
                actor=leader,
                community=demo.heping,
                place=demo.places[place_path(HEPING, "和平新村")],
                team=team,
                title=f"{day.month}月{day.day}日晚义务巡逻",
                description="防火防盗提醒、文明养犬宣传（2023 年纸质签到表，上线后补入）",
                starts_at=_at(day, START),
                ends_at=batch.when,
                capacity=max(SEASON_CAPACITY, len(batch.people)),
                rule=rule,
                points=RULES_BY_KEY["patrol"].points_min,
                ledger_source_id=slug,
                signup_required=False,  # a paper sheet then: no sign-ups
                now=_at(day, START) - dt.timedelta(days=3),
            )
        crew = [demo.residents[p.key] for p in batch.people if (slug, p.key) not in reversed_]
        _run(demo, leader, activity, crew)
        out.append(activity)
    return out


def _season_dates(today: dt.date) -> tuple[dt.date, dt.date]:
    """Eight Tuesdays up to the last one before ``today``, and four after."""
    last = today - dt.timedelta(days=(today.weekday() - 1) % 7 or 7)
    return last - dt.timedelta(weeks=SEASON_PAST - 1), last + dt.timedelta(weeks=SEASON_AHEAD)


def load_season(demo: Demo, leader: User, rule: Rule) -> list[Activity]:
    """This season's weekly patrols: the past ones run and closed, the next one signed up."""
    team = demo.teams[PATROL]
    series = ActivitySeries.objects.filter(team=team, title=SEASON_TITLE).first()
    demo.tally.add("activity_series", series is None)
    if series is None:
        first, last = _season_dates(timezone.localdate())
        series, _created = series_create(
            actor=leader,
            community=demo.heping,
            place=demo.places[place_path(HEPING, "和平新村")],
            team=team,
            title=SEASON_TITLE,
            description=SEASON_DESCRIPTION,
            first_date=first,
            last_date=last,
            start_time=START,
            end_time=END,
            capacity=SEASON_CAPACITY,
            rule=rule,
            points=RULES_BY_KEY["patrol"].points_min,
            now=_at(first, START) - dt.timedelta(days=7),
        )
    else:
        series_generate(actor=leader, series=series)
    occurrences = list(Activity.objects.filter(series=series).order_by("starts_at"))
    past, ahead = occurrences[:SEASON_PAST], occurrences[SEASON_PAST:]
    plan = next(t for t in demo.plan.teams if t.name == PATROL)
    dai = demo.resident("volunteer")
    members = [demo.residents[p.key] for p in plan.members if demo.residents[p.key] != dai]
    members = [m for m in members if m.moved_out is None]
    leader_resident = demo.residents[plan.leader.key]
    rng = random.Random(SEED + 7)
    for n, activity in enumerate(past):
        crew = [leader_resident, *rng.sample(members, min(len(members), rng.randint(7, 11)))]
        _run(demo, leader, activity, crew, early=crew[-1] if n == 2 else None)
    if ahead:
        _signups_for_next(demo, leader, ahead[0], dai, members, random.Random(SEED + 8))
        _ask_for_position(leader, ahead[0])
    return occurrences


def _ask_for_position(leader: User, activity: Activity) -> None:
    """The next patrol asks for the phone within 200 m of 和平新村's east gate, where the
    crew gathers: a photo of the code forwarded to the team's group chat signs nobody in
    from home. (An update of the activity, not a new row: not tallied.)"""
    if activity.checkin_radius_m is None:
        activity_checkin_set(
            actor=leader,
            activity=activity,
            lat=EAST_GATE[0],
            lng=EAST_GATE[1],
            radius_m=CHECKIN_RADIUS_M,
        )


def _signups_for_next(
    demo: Demo,
    leader: User,
    activity: Activity,
    dai: Resident,
    members: list[Resident],
    rng: random.Random,
) -> None:
    have = set(Signup.objects.filter(activity=activity).values_list("resident_id", flat=True))
    when = min(timezone.now(), activity.starts_at - dt.timedelta(hours=2))
    created = dai.pk not in have
    demo.tally.add("activity_signup", created)
    if created:
        dai_user = User.objects.get(resident=dai)
        signup_create(actor=dai_user, activity=activity, now=when - dt.timedelta(hours=1))
    for r in rng.sample(members, min(len(members), NEXT_SIGNUPS)):
        created = r.pk not in have
        demo.tally.add("activity_signup", created)
        if created:
            signup_create(actor=leader, activity=activity, resident=r, now=when)


def load_record(demo: Demo) -> Certificate:
    """代正菊's record beyond her patrols: staff-added hours, corrections, a certificate."""
    dai = demo.resident("volunteer")
    dai_user = User.objects.get(resident=dai)
    staff = demo.users["staff"]
    added = set(
        ServiceHours.objects.filter(resident=dai, kind="added").values_list("served_on", "title")
    )
    for day, title in DAI_ADDED:
        created = (day, title) not in added
        demo.tally.add("activity_hours", created)
        if created:
            hours_add(
                actor=staff,
                resident=dai,
                served_on=day,
                title=title,
                half_hours=8,
                evidence_note=DAI_ADDED_EVIDENCE,
                now=_at(day, dt.time(12)) + dt.timedelta(days=600),
            )
    text, answer, half = DAI_CORRECTION
    settled = Correction.objects.filter(resident=dai, text=text).first()
    demo.tally.add("activity_correction", settled is None)
    if settled is None:
        settled = correction_request(actor=dai_user, text=text)
    if settled.status == "open":
        correction_settle(
            actor=staff,
            correction=settled,
            accept=True,
            answer=answer,
            half_hours=half,
            served_on=dt.date(2023, 3, 5),
        )
    waiting = Correction.objects.filter(resident=dai, text=DAI_OPEN_CORRECTION).exists()
    demo.tally.add("activity_correction", not waiting)
    if not waiting:
        correction_request(actor=dai_user, text=DAI_OPEN_CORRECTION)
    return certificate_issue(actor=dai_user, resident=dai)


def load_activities(demo: Demo, out: Writer | None = None) -> None:
    """The patrol team's activities and 代正菊's record; idempotent (see the module)."""
    leader = _leader_user(demo)
    rule = Rule.objects.get(community=demo.heping, key="patrol", supersedes__isnull=True)
    history = load_history(demo, leader, rule)
    season_ids = [
        str(pk)
        for pk in Activity.objects.filter(
            series__team=demo.teams[PATROL], series__title=SEASON_TITLE
        ).values_list("pk", flat=True)
    ]
    found = Award.objects.filter(source_type="activity", source_id__in=season_ids).count()
    season = load_season(demo, leader, rule)
    # Awards this loader's closes wrote (the history's are the points loader's), counted with
    # the demo's awards: created now, or found from an earlier run.
    paid = Award.objects.filter(
        source_type="activity", source_id__in=[str(a.pk) for a in season]
    ).count()
    demo.tally.present["award"] += found
    demo.tally.created["award"] += paid - found
    cert = load_record(demo)
    if out is not None:
        out.write(
            f"义务巡逻队队长 {leader.name}（手机号 {leader.phone}，共用密码 {PASSWORD}）："
            "发布每周巡逻、组织者页面的签到二维码、代签、结束活动发积分。\n"
        )
        dai = demo.resident("volunteer")
        total = sum(ServiceHours.objects.filter(resident=dai).values_list("half_hours", flat=True))
        fresh = list(Activity.objects.filter(pk__in=[a.pk for a in season]).order_by("starts_at"))
        closed = sum(1 for a in fresh if a.status == "closed")
        upcoming = next((a for a in fresh if a.status == "open"), None)
        out.write(
            f"志愿活动：义务巡逻队 2023 年巡逻 {len(history)} 次（积分已在账本中），"
            f"本季{SEASON_TITLE} {len(fresh)} 次（已结束 {closed} 次，发放积分 {paid} 笔）"
            + (
                f"，下一次 {timezone.localtime(upcoming.starts_at):%m-%d %H:%M} 已有 "
                f"{Signup.objects.filter(activity=upcoming, status='confirmed').count()} 人报名"
                if upcoming
                else ""
            )
            + f"；代正菊志愿服务 {total / 2:g} 小时，证明核验码 {format_code(cert.code)}。\n"
        )
