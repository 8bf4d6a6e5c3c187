"""好差评 and 办不成事 pages: the policy matrix for every page × persona, the flows through
them on a phone, bad input through the forms, the queues' query counts, and rating
confidentiality on the rendered HTML of every handler persona."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from linli.matters.choices import MatterState
from linli.matters.models import (
    AppealState,
    Flag,
    FlagState,
    Rating,
    RatingAppeal,
    Rectification,
    RectificationState,
)
from linli.matters.services.flags import flag_raise
from linli.matters.services.ratings import appeal_file, rating_give, rectification_done
from linli.matters.tests.test_ratings_support import (  # noqa: F401 - fixtures
    at,
    done_by_department,
    done_by_leader,
    fixture_neighbour_user,
    fixture_zhujian_handler,
    raise_lamp,
)
from linli.web.tests.security_checks import HOSTILE_NEXT, assert_security_headers

pytestmark = pytest.mark.django_db

PERSONAS = [
    "anonymous",
    "resident_user",
    "leader",
    "staff",
    "secretary",
    "supervisor",
    "department",
    "outsider",
]
RATER = "代正菊"
RATER_MASKED = "代*菊"

# anonymous, resident (the raiser), leader, staff, secretary, supervisor, department, outsider
MATRIX = {
    "rating_give": [302, 200, 404, 404, 404, 404, 404, 404],
    "rating_rectify": [302, 404, 404, 200, 200, 404, 200, 404],
    "rating_visit": [302, 404, 404, 302, 302, 404, 302, 404],
    "appeal_new": [302, 404, 404, 200, 200, 404, 200, 404],
    "appeal_queue": [302, 404, 404, 404, 404, 200, 404, 404],
    "appeal_decide": [302, 404, 404, 404, 404, 302, 404, 404],
    "flag_new": [302, 200, 200, 404, 404, 404, 404, 404],
    "flag_queue": [302, 404, 404, 404, 404, 200, 404, 404],
    "flag_answer": [302, 404, 404, 404, 404, 302, 404, 404],
    "matter_detail": [302, 200, 200, 200, 200, 200, 200, 404],
}
POSTS = {"rating_visit", "appeal_decide", "flag_answer"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def department(zhujian_handler):
    return zhujian_handler[0]


@pytest.fixture
def world(tree, resident_user, leader, staff, zhujian_handler):
    """m1: referred to 住建, done, rated 非常不满意 (rectification open, appeal pending, a flag);
    m2: settled by the leader, not rated yet."""
    handler, dept = zhujian_handler
    m1 = done_by_department(
        raise_lamp(tree, resident_user, "1栋外墙瓷砖脱落"), staff, handler, dept
    )
    rating = rating_give(actor=resident_user, matter=m1, level=1, comment="只清理了碎片")
    appeal = appeal_file(actor=staff, rating=rating, reason="mistaken", text="已加固，疑为误评")
    flag = flag_raise(actor=resident_user, matter=m1, text="说修好了其实没修好")
    m2 = done_by_leader(raise_lamp(tree, resident_user, "1栋楼道灯坏了"), leader)
    return {
        "m1": m1,
        "m2": m2,
        "rating": rating,
        "rect": Rectification.objects.get(matter=m1),
        "appeal": appeal,
        "flag": flag,
    }


def _as(request, client, persona):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    return client


def _url(page: str, w) -> str:
    args = {
        "rating_give": [w["m2"].pk],
        "rating_rectify": [w["rect"].pk],
        "rating_visit": [w["rect"].pk],
        "appeal_new": [w["rating"].pk],
        "appeal_queue": [],
        "appeal_decide": [w["appeal"].pk],
        "flag_new": [w["m1"].pk],
        "flag_queue": [],
        "flag_answer": [w["flag"].pk],
        "matter_detail": [w["m1"].pk],
    }[page]
    return reverse(f"web:{page}", args=args)


@pytest.mark.parametrize("page", list(MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_rating_page_matrix(request, client, world, page, persona):
    c = _as(request, client, persona)
    url = _url(page, world)
    resp = c.post(url) if page in POSTS else c.get(url)
    expected = MATRIX[page][PERSONAS.index(persona)]
    assert resp.status_code == expected, (page, persona, resp.status_code)
    assert_security_headers(resp)
    if persona == "anonymous":
        assert "/login/" in resp["Location"]
    # An empty POST changes nothing for anyone.
    assert RatingAppeal.objects.get().state == AppealState.PENDING
    assert Flag.objects.get().state == FlagState.OPEN
    assert Rectification.objects.get(matter=world["m1"]).return_visit == ""


# --- flows ------------------------------------------------------------------------------------


def test_rate_on_a_phone_then_rectify_and_rate_again(client, tree, resident_user, leader, staff):
    m = done_by_leader(raise_lamp(tree, resident_user), leader)
    client.force_login(resident_user)
    page = client.get(reverse("web:matter_detail", args=[m.pk])).content.decode()
    form = page[page.index('data-testid="rating-form"') :]
    labels = re.findall(r'name="level" value="(\d)"', form)
    assert labels == ["5", "4", "3", "2", "1"]
    for word in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert word in form
    resp = client.post(
        reverse("web:rating_give", args=[m.pk]), {"level": "2", "comment": "灯还是闪"}
    )
    assert resp.status_code == 302 and resp["Location"] == reverse("web:matter_detail", args=[m.pk])
    m.refresh_from_db()
    assert m.state == MatterState.RECTIFYING
    rect = Rectification.objects.get()
    page = client.get(reverse("web:matter_detail", args=[m.pk])).content.decode()
    assert 'data-testid="rating-form"' not in page  # rated this round
    assert rect.due_on.strftime("%Y-%m-%d") in page and "我的评价" in page
    assert "灯还是闪" in page  # one's own comment
    # Staff put it right from the panel's link, with the return visit.
    client.force_login(staff)
    page = client.get(reverse("web:matter_detail", args=[m.pk])).content.decode()
    assert reverse("web:rating_rectify", args=[rect.pk]) in page
    resp = client.post(
        reverse("web:rating_rectify", args=[rect.pk]),
        {"note": "更换了整条线路", "return_visit": "电话回访，灯已正常"},
    )
    assert resp.status_code == 302
    rect.refresh_from_db()
    assert rect.state == RectificationState.DONE
    # The rater is asked to rate the rectification.
    client.force_login(resident_user)
    page = client.get(reverse("web:matter_detail", args=[m.pk])).content.decode()
    assert 'data-testid="rate-again"' in page and "电话回访，灯已正常" in page
    client.post(reverse("web:rating_give", args=[m.pk]), {"level": "5"})
    assert list(Rating.objects.order_by("round").values_list("round", "level")) == [(0, 2), (1, 5)]
    m.refresh_from_db()
    assert m.state == MatterState.RATED


def test_second_rating_and_bad_input_through_the_page(client, tree, resident_user, leader):
    m = done_by_leader(raise_lamp(tree, resident_user), leader)
    client.force_login(resident_user)
    url = reverse("web:rating_give", args=[m.pk])
    for bad in ({}, {"level": "7"}, {"level": "abc"}, {"level": "5", "comment": "长" * 501}):
        resp = client.post(url, bad, follow=True)
        assert resp.status_code == 200 and 'class="msg error"' in resp.content.decode()
    assert not Rating.objects.exists()
    client.post(url, {"level": "4"})
    resp = client.post(url, {"level": "1"}, follow=True)
    assert "您已经评价过了" in resp.content.decode()
    assert list(Rating.objects.values_list("level", flat=True)) == [4]
    m.refresh_from_db()
    assert m.state == MatterState.RATED
    page = client.get(url).content.decode()
    assert 'data-testid="cannot-rate"' in page


def test_appeal_then_supervisor_decides(client, world, staff, supervisor, resident_user):
    client.force_login(supervisor)
    page = client.get(reverse("web:appeal_queue")).content.decode()
    assert f'data-testid="appeal-{world["appeal"].pk}"' in page
    # The supervisor deciding sees the rater (documented choice), with their record.
    assert RATER in page and "共评价 1 次，其中差评 1 次" in page
    resp = client.post(
        reverse("web:appeal_decide", args=[world["appeal"].pk]),
        {"outcome": "upheld", "decision": "现场核实已加固"},
    )
    assert resp.status_code == 302
    world["rating"].refresh_from_db()
    assert world["rating"].excluded
    page = client.get(reverse("web:appeal_queue")).content.decode()
    assert 'data-testid="no-appeals"' in page and "现场核实已加固" in page
    # The matter stays rectifying: the rectification is still owed.
    world["m1"].refresh_from_db()
    assert world["m1"].state == MatterState.RECTIFYING


def test_appeal_from_the_panel(client, tree, resident_user, leader):
    m = done_by_leader(raise_lamp(tree, resident_user), leader)
    rating = rating_give(actor=resident_user, matter=m, level=1)
    client.force_login(leader)
    page = client.get(reverse("web:matter_detail", args=[m.pk])).content.decode()
    assert f'data-testid="appeal-{rating.pk}"' in page
    resp = client.post(
        reverse("web:appeal_new", args=[rating.pk]), {"reason": "mistaken", "text": "灯已修好"}
    )
    assert resp.status_code == 302
    assert RatingAppeal.objects.get().appellant_id == leader.pk
    resp = client.post(
        reverse("web:appeal_new", args=[rating.pk]),
        {"reason": "malicious", "text": "再申诉"},
        follow=True,
    )
    assert "已经申诉过" in resp.content.decode()
    assert RatingAppeal.objects.count() == 1
    resp = client.post(reverse("web:appeal_new", args=[rating.pk]), {"reason": "x", "text": ""})
    assert resp.status_code == 400


def test_flag_by_a_neighbour_answered_by_the_supervisor(
    client, tree, resident_user, neighbour_user, supervisor, staff
):
    m = raise_lamp(tree, resident_user)
    client.force_login(neighbour_user)
    page = client.get(reverse("web:matter_detail", args=[m.pk])).content.decode()
    assert 'data-testid="flag-button"' in page
    resp = client.post(reverse("web:flag_new", args=[m.pk]), {"text": "反映两个月了没人管"})
    assert resp.status_code == 302
    flag = Flag.objects.get()
    page = client.get(reverse("web:flag_new", args=[m.pk])).content.decode()
    assert 'data-testid="already-flagged"' in page
    resp = client.post(reverse("web:flag_new", args=[m.pk]), {"text": "再反映"}, follow=True)
    assert "已经反映过" in resp.content.decode() and Flag.objects.count() == 1
    # Handlers see the flag, not who raised it.
    client.force_login(staff)
    page = client.get(reverse("web:matter_detail", args=[m.pk])).content.decode()
    assert "反映两个月了没人管" in page and "孙秀兰" not in page and "孙*兰" not in page
    # The supervisor's queue: the matter's timeline link, age, due date, answer form.
    client.force_login(supervisor)
    page = client.get(reverse("web:flag_queue")).content.decode()
    item = page[page.index(f'data-testid="queue-{flag.pk}"') :]
    assert reverse("web:matter_detail", args=[m.pk]) in item
    assert flag.due_on.strftime("%Y-%m-%d") in item and "反映第 1 天" in item
    assert "第 1 天，在楼栋" in item and "孙秀兰" in item
    resp = client.post(reverse("web:flag_answer", args=[flag.pk]), {"answer": "已督促三天内修好"})
    assert resp.status_code == 302 and resp["Location"] == reverse("web:flag_queue")
    flag.refresh_from_db()
    assert flag.state == FlagState.ANSWERED
    client.force_login(neighbour_user)
    page = client.get(reverse("web:matter_detail", args=[m.pk])).content.decode()
    assert "已督促三天内修好" in page


def test_flag_answer_from_the_matter_page_returns_there(client, world, supervisor):
    client.force_login(supervisor)
    detail = reverse("web:matter_detail", args=[world["m1"].pk])
    page = client.get(detail).content.decode()
    assert 'data-testid="flag-answer-form"' in page
    resp = client.post(
        reverse("web:flag_answer", args=[world["flag"].pk]), {"answer": "已督办", "next": detail}
    )
    assert resp["Location"] == detail
    resp = client.post(
        reverse("web:flag_answer", args=[world["flag"].pk]),
        {"answer": "x", "next": "https://evil.example/"},
    )
    assert resp["Location"] == reverse("web:flag_queue")


def test_overdue_flags_marked_in_the_queue(client, tree, resident_user, neighbour_user, supervisor):
    m = raise_lamp(tree, resident_user)
    flag_raise(actor=neighbour_user, matter=m, text="没人管", now=at(2025, 3, 3))
    client.force_login(supervisor)
    page = client.get(reverse("web:flag_queue")).content.decode()
    assert 'data-testid="overdue"' in page


# --- query counts -----------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_queues_do_not_grow_with_their_rows(
    client, tree, resident_user, neighbour_user, staff, supervisor
):
    def add(n: int) -> None:
        for i in range(n):
            title = f"事项{Rating.objects.count()}-{i}"
            m = done_by_leader(raise_lamp(tree, resident_user, title), staff)
            r = rating_give(actor=resident_user, matter=m, level=1)
            appeal_file(actor=staff, rating=r, reason="mistaken", text="误评")
            flag_raise(actor=neighbour_user, matter=m, text="没人管")

    add(2)
    client.force_login(supervisor)
    few = (
        _queries(client, reverse("web:flag_queue")),
        _queries(client, reverse("web:appeal_queue")),
    )
    add(4)
    many = (
        _queries(client, reverse("web:flag_queue")),
        _queries(client, reverse("web:appeal_queue")),
    )
    assert many == few


# --- confidentiality --------------------------------------------------------------------------


def _count_rater(html: str) -> int:
    return html.count(RATER) + html.count(RATER_MASKED)


def _section(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index("</section>", start)]


@pytest.mark.parametrize("persona", ["leader", "staff", "secretary", "department"])
def test_handlers_never_see_who_rated(request, client, tree, resident_user, leader, staff, persona):
    """The same page before and after the rating names the raiser exactly as often (the
    timeline's raise step names the raiser to handlers; nothing about the rating adds a
    name), the ratings panel and the appeal page name nobody."""
    handler, dept = request.getfixturevalue("zhujian_handler")
    if persona == "leader":
        m = done_by_leader(raise_lamp(tree, resident_user), leader)
    else:
        m = done_by_department(raise_lamp(tree, resident_user), staff, handler, dept)
    user = handler if persona == "department" else request.getfixturevalue(persona)
    client.force_login(user)
    detail = reverse("web:matter_detail", args=[m.pk])
    before = client.get(detail).content.decode()
    listing_before = client.get(reverse("web:matter_list")).content.decode()
    rating = rating_give(actor=resident_user, matter=m, level=1, comment="很不满意")
    after = client.get(detail).content.decode()
    assert "很不满意" in after  # the handler reads the comment …
    assert _count_rater(after) == _count_rater(before)  # … but not who wrote it
    panel = _section(after, "ratings")
    assert _count_rater(panel) == 0 and 'data-testid="rating-form"' not in panel
    timeline = _section(after, "timeline")
    rated_line = next(li for li in timeline.split("<li>") if "rate_bad" in li or "差评" in li)
    assert _count_rater(rated_line) == 0
    appeal_page = client.get(reverse("web:appeal_new", args=[rating.pk])).content.decode()
    assert appeal_page.count("很不满意") == 1 and _count_rater(appeal_page) == 0
    # After an appeal and its decision, the pages still name nobody.
    appeal_file(actor=user, rating=rating, reason="malicious", text="恶意")
    page = client.get(detail).content.decode()
    assert _count_rater(_section(page, "ratings")) == 0
    rect = Rectification.objects.get(matter=m)
    rectify_page = client.get(reverse("web:rating_rectify", args=[rect.pk])).content.decode()
    assert _count_rater(rectify_page) == 0
    rectifier = staff if persona == "leader" else user
    rectification_done(actor=rectifier, rectification=rect, note="已整改", return_visit="已回访")
    page = client.get(detail).content.decode()
    assert _count_rater(_section(page, "ratings")) == 0
    assert _count_rater(page) == _count_rater(before)
    # Lists: the matter list names nobody more than before the rating.
    listing = client.get(reverse("web:matter_list")).content.decode()
    assert _count_rater(listing) == _count_rater(listing_before)


@pytest.mark.parametrize("hostile", HOSTILE_NEXT)
def test_flag_answer_and_visit_stay_on_the_site_whatever_next_says(
    client, world, supervisor, staff, hostile
):
    """A refused answer (empty) and a refused visit still return, but only to our own pages."""
    client.force_login(supervisor)
    resp = client.post(reverse("web:flag_answer", args=[world["flag"].pk]), {"next": hostile})
    assert resp.status_code == 302 and resp["Location"] == reverse("web:flag_queue")
    client.force_login(staff)
    resp = client.post(reverse("web:rating_visit", args=[world["rect"].pk]), {"next": hostile})
    assert resp.status_code == 302
    assert resp["Location"] == reverse("web:matter_detail", args=[world["m1"].pk])
    assert Flag.objects.get().state == FlagState.OPEN
    assert Rectification.objects.get(matter=world["m1"]).return_visit == ""


def test_flag_answer_returns_to_a_page_of_ours(client, world, supervisor):
    client.force_login(supervisor)
    back = reverse("web:matter_detail", args=[world["m1"].pk]) + "?tab=1"
    resp = client.post(reverse("web:flag_answer", args=[world["flag"].pk]), {"next": back})
    assert resp["Location"] == back
