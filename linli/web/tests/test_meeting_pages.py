# ruff: noqa: F811 - the shared fixtures are imported by name, then used as arguments
"""Meeting pages: the policy matrix for every page × persona, the whole meeting through the
pages, the member's voting screen, and the secret ballot's confidentiality on every page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.matters.choices import MatterState
from linli.matters.models import (
    AgendaItem,
    MatterSettings,
    Meeting,
    MeetingMember,
    MeetingState,
    Motion,
    MotionState,
    VoteCast,
    VoteChoice,
)
from linli.matters.services.meetings import (
    meeting_call,
    meeting_close,
    meeting_open,
    meeting_publish_results,
    motion_close,
    motion_open,
    vote_cast,
)
from linli.matters.tests.test_meetings_support import (  # noqa: F401 - fixtures
    held,
    held_building,
    meeting,
    member_user,
    members,
    soon,
)
from linli.notifications.models import Notification
from linli.points.models import Award
from linli.web.tests.security_checks import HOSTILE_NEXT, assert_security_headers

pytestmark = pytest.mark.django_db

PERSONAS = [
    "anonymous",
    "resident_user",
    "member_user",
    "leader",
    "staff",
    "secretary",
    "supervisor",
    "outsider",
]


def _as(request, client, persona):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    return client


@pytest.fixture
def published(tree, staff, members) -> Meeting:
    """An earlier meeting of the compound, held, closed and published."""
    m = meeting_call(actor=staff, compound=tree.compound1, title="上次议事会", scheduled_at=soon(1))
    present = list(MeetingMember.objects.filter(meeting=m).order_by("id"))[:4]
    meeting_open(actor=staff, meeting=m, present=present)
    motion = motion_open(actor=staff, meeting=m, text="同意修订居民公约")
    for p in present:
        vote_cast(actor=staff, motion=motion, choice="for", member=p)
    motion_close(actor=staff, motion=motion)
    meeting_close(actor=staff, meeting=m, minutes="到会 4 人，一致同意。")
    return meeting_publish_results(actor=staff, meeting=m)


@pytest.fixture
def running(staff, meeting) -> tuple[Meeting, Motion]:
    """The fixture meeting opened with 4 of 6 present (李建国 among them) and a motion open."""
    ms = sorted(
        MeetingMember.objects.filter(meeting=meeting), key=lambda m: m.resident.user_id is None
    )
    meeting_open(actor=staff, meeting=meeting, present=ms[:4])
    item = AgendaItem.objects.get(meeting=meeting)
    motion = motion_open(actor=staff, meeting=meeting, text="同意建小广场", item=item)
    return meeting, motion


# anonymous, resident, member, leader, staff, secretary, supervisor, outsider
GET_MATRIX = {
    "meeting_list": [302, 200, 200, 200, 200, 200, 200, 200],
    "meeting_new": [302, 404, 404, 404, 200, 200, 404, 200],  # outsider: their own community
    "meeting_detail": [302, 404, 200, 404, 200, 200, 200, 404],
    "meeting_detail_published": [302, 302, 200, 302, 200, 200, 200, 404],
    "meeting_results": [302, 404, 404, 404, 200, 200, 200, 404],
    "meeting_results_published": [302, 200, 200, 200, 200, 200, 200, 404],
    "meeting_vote": [302, 404, 200, 404, 404, 404, 404, 404],
    "meeting_tally": [302, 404, 404, 404, 200, 200, 200, 404],
}


@pytest.mark.parametrize("page", list(GET_MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_meeting_page_matrix(request, client, running, published, page, persona):
    meeting, motion = running
    urls = {
        "meeting_list": reverse("web:meeting_list"),
        "meeting_new": reverse("web:meeting_new"),
        "meeting_detail": reverse("web:meeting_detail", args=[meeting.pk]),
        "meeting_detail_published": reverse("web:meeting_detail", args=[published.pk]),
        "meeting_results": reverse("web:meeting_results", args=[meeting.pk]),
        "meeting_results_published": reverse("web:meeting_results", args=[published.pk]),
        "meeting_vote": reverse("web:meeting_vote", args=[meeting.pk]),
        "meeting_tally": reverse("web:meeting_tally", args=[meeting.pk, motion.pk]),
    }
    resp = _as(request, client, persona).get(urls[page])
    expected = GET_MATRIX[page][PERSONAS.index(persona)]
    assert resp.status_code == expected, (page, persona, resp.status_code)
    assert_security_headers(resp)
    if expected == 302 and persona == "anonymous":
        assert "/login/" in resp["Location"]
    elif expected == 302:
        assert resp["Location"] == reverse("web:meeting_results", args=[published.pk])


# A POST per persona: 302 when it is done or refused with a message, 404 outside.
POST_MATRIX = {
    # step: (expected per persona, personas whose POST changes something)
    "meeting_act_close": ([302, 404, 302, 404, 302, 302, 302, 404], {"staff", "secretary"}),
    "meeting_motion_close": ([302, 404, 302, 404, 302, 302, 302, 404], {"staff", "secretary"}),
    "meeting_vote_cast": ([302, 404, 302, 404, 302, 302, 302, 404], {"member_user"}),
    "meeting_check_in": ([302, 404, 302, 404, 404, 404, 404, 404], {"member_user"}),
    "meeting_attend": ([302, 404, 302, 404, 302, 302, 302, 404], {"staff", "secretary"}),
    "meeting_agenda_add": ([302, 404, 302, 404, 302, 302, 302, 404], {"staff", "secretary"}),
    "meeting_item_defer": ([302, 404, 302, 404, 302, 302, 302, 404], set()),
    "meeting_motion_open": ([302, 404, 302, 404, 302, 302, 302, 404], {"staff", "secretary"}),
}


def _fingerprint(meeting: Meeting) -> tuple:
    meeting.refresh_from_db()
    return (
        meeting.state,
        meeting.minutes,
        list(Motion.objects.filter(meeting=meeting).values_list("state", "votes_for")),
        VoteCast.objects.count(),
        list(MeetingMember.objects.filter(meeting=meeting).values_list("present", flat=True)),
        list(AgendaItem.objects.filter(meeting=meeting).values_list("matter_id", "outcome")),
    )


@pytest.mark.parametrize("step", list(POST_MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_meeting_post_matrix(request, client, running, held_building, step, persona):
    meeting, motion = running
    absent = MeetingMember.objects.filter(meeting=meeting, present=False).order_by("id").first()
    own = MeetingMember.objects.get(meeting=meeting, resident__user__phone="13900000021")
    if step == "meeting_check_in":
        MeetingMember.objects.filter(pk=own.pk).update(present=False)
    if step == "meeting_act_close":
        motion_close(actor=request.getfixturevalue("staff"), motion=motion)
    item = AgendaItem.objects.get(meeting=meeting)
    posts = {
        "meeting_act_close": (
            reverse("web:meeting_act", args=[meeting.pk, "close"]),
            {"minutes": "会议记录"},
        ),
        "meeting_motion_close": (
            reverse("web:meeting_motion_close", args=[meeting.pk, motion.pk]),
            {},
        ),
        "meeting_vote_cast": (
            reverse("web:meeting_vote_cast", args=[meeting.pk, motion.pk]),
            {"choice": "for"},
        ),
        "meeting_check_in": (reverse("web:meeting_check_in", args=[meeting.pk]), {}),
        "meeting_attend": (
            reverse("web:meeting_attend", args=[meeting.pk, absent.pk]),
            {"present": "1"},
        ),
        "meeting_agenda_add": (
            reverse("web:meeting_agenda_add", args=[meeting.pk]),
            {"matter": held_building.pk},
        ),
        # The item has a motion open: even staff are refused (and nothing changes).
        "meeting_item_defer": (
            reverse("web:meeting_item_act", args=[meeting.pk, item.pk, "defer"]),
            {"reason": "暂缓"},
        ),
        "meeting_motion_open": (
            reverse("web:meeting_motion_open", args=[meeting.pk]),
            {"text": "另一项表决"},
        ),
    }
    url, data = posts[step]
    before = _fingerprint(meeting)
    resp = _as(request, client, persona).post(url, data)
    expected, changers = POST_MATRIX[step]
    assert resp.status_code == expected[PERSONAS.index(persona)], (step, persona)
    changed = _fingerprint(meeting) != before
    assert changed == (persona in changers), (step, persona)


# --- the whole meeting through the pages -------------------------------------------------


def _html(resp) -> str:
    return resp.content.decode()


def test_a_meeting_through_the_pages(
    client, tree, staff, resident_user, member_user, members, held, suggestion_rule
):
    client.force_login(staff)
    form = client.get(reverse("web:meeting_new"))
    assert "小广场" in _html(form)  # the held matter is offered for the agenda
    when = timezone.localtime(soon(2)).strftime("%Y-%m-%dT%H:%M")
    resp = client.post(
        reverse("web:meeting_new"),
        {
            "compound": tree.compound1.pk,
            "title": "和平小区六月议事会",
            "scheduled_at": when,
            "location": "社区二楼会议室",
            "matters": [held.pk],
        },
    )
    meeting = Meeting.objects.get(title="和平小区六月议事会")
    assert resp["Location"] == reverse("web:meeting_detail", args=[meeting.pk])
    page = _html(client.get(resp["Location"]))
    assert "小区空地改成休闲小广场" in page and "记名投票" in page
    assert "到会 0 / 应到 6 人" in page
    client.post(reverse("web:meeting_act", args=[meeting.pk, "open"]))
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.OPEN
    # Check-in with big buttons, by htmx: the row and the count come back.
    rows = list(MeetingMember.objects.filter(meeting=meeting).order_by("id"))
    for m in rows[1:4]:
        part = client.post(
            reverse("web:meeting_attend", args=[meeting.pk, m.pk]),
            {"present": "1"},
            HTTP_HX_REQUEST="true",
        )
        html = _html(part)
        assert f'id="member-{m.pk}"' in html and "已到" in html and "hx-swap-oob" in html
    assert "到会 3 / 应到 6 人" in html and "未达法定人数" in html
    # The member checks in and votes on the phone: choose, confirm, done.
    client.force_login(member_user)
    client.post(reverse("web:meeting_check_in", args=[meeting.pk]))
    client.force_login(staff)
    item = AgendaItem.objects.get(meeting=meeting)
    client.post(
        reverse("web:meeting_motion_open", args=[meeting.pk]),
        {"text": "同意把空地改成小广场", "item": item.pk},
    )
    motion = Motion.objects.get(meeting=meeting)
    client.force_login(member_user)
    vote_page = _html(client.get(reverse("web:meeting_vote", args=[meeting.pk])))
    assert "已签到" in vote_page and 'data-testid="choose-for"' in vote_page
    confirm = _html(
        client.get(
            reverse("web:meeting_vote", args=[meeting.pk]), {"motion": motion.pk, "choice": "for"}
        )
    )
    assert 'data-testid="confirm"' in confirm and "赞成" in confirm
    assert not VoteCast.objects.exists()  # choosing is not voting
    client.post(reverse("web:meeting_vote_cast", args=[meeting.pk, motion.pk]), {"choice": "for"})
    after = _html(client.get(reverse("web:meeting_vote", args=[meeting.pk])))
    assert "您已投票（赞成）" in after and 'data-testid="choose-for"' not in after
    # A second vote is refused with a message, nothing changes.
    resp = client.post(
        reverse("web:meeting_vote_cast", args=[meeting.pk, motion.pk]),
        {"choice": "against"},
        follow=True,
    )
    assert "只能投一票" in _html(resp)
    assert VoteCast.objects.get().choice == VoteChoice.FOR
    # Staff record the others' paper votes, see the live tally, close, decide.
    client.force_login(staff)
    for m in rows[1:4]:
        client.post(
            reverse("web:meeting_vote_cast", args=[meeting.pk, motion.pk]),
            {"member": m.pk, "choice": "for" if m != rows[3] else "abstain"},
        )
    tally = _html(client.get(reverse("web:meeting_tally", args=[meeting.pk, motion.pk])))
    assert re.search(r'data-testid="for">3<', tally) and re.search(r'"abstain">1<', tally)
    assert "记名表决" in tally and "李建国 赞成" in tally  # an open ballot names the voters
    client.post(reverse("web:meeting_motion_close", args=[meeting.pk, motion.pk]))
    motion.refresh_from_db()
    assert motion.state == MotionState.CARRIED
    client.post(
        reverse("web:meeting_item_act", args=[meeting.pk, item.pk, "decide"]),
        {"outcome": "adopted", "decision": "采纳：清理空地，安装座椅 6 张", "points": "10"},
    )
    held.refresh_from_db()
    assert held.state == MatterState.DECIDED
    assert Award.objects.get(source_type="matter", source_id=str(held.pk)).points == 10
    # Close without minutes is refused; with them it closes; then publish.
    resp = client.post(
        reverse("web:meeting_act", args=[meeting.pk, "close"]), {"minutes": ""}, follow=True
    )
    assert "请先填写会议记录" in _html(resp)
    client.post(
        reverse("web:meeting_act", args=[meeting.pk, "close"]),
        {"minutes": "应到 6 人，到会 4 人。议题一表决通过。"},
    )
    resp = client.post(reverse("web:meeting_act", args=[meeting.pk, "publish"]))
    assert resp["Location"] == reverse("web:meeting_results", args=[meeting.pk])
    # The residents of the compound see the results, with masked names.
    client.force_login(resident_user)
    assert _html(client.get(reverse("web:meeting_list"))).count("和平小区六月议事会") == 1
    results = _html(client.get(reverse("web:meeting_results", args=[meeting.pk])))
    assert "采纳：清理空地，安装座椅 6 张" in results and "赞成 3，反对 0，弃权 1" in results
    assert "李*国" in results and "李建国" not in results and "王秀兰" not in results
    assert "13900000021" not in results
    # And on the matter's page, the panel tells the story.
    matter_page = _html(client.get(reverse("web:matter_detail", args=[held.pk])))
    assert 'data-testid="meeting-panel"' in matter_page and "和平小区六月议事会" in matter_page
    assert reverse("web:meeting_results", args=[meeting.pk]) in matter_page
    assert Notification.objects.filter(user=resident_user, kind="matter_decided").exists()


def test_the_matter_panel_puts_a_held_matter_on_the_agenda(client, staff, meeting, held_building):
    client.force_login(staff)
    page = _html(client.get(reverse("web:matter_detail", args=[held_building.pk])))
    assert 'data-testid="panel-agenda-add"' in page and "和平小区第一次议事会" in page
    url = reverse("web:matter_detail", args=[held_building.pk])
    resp = client.post(
        reverse("web:meeting_agenda_add", args=[meeting.pk]),
        {"matter": held_building.pk, "next": url},
    )
    assert resp["Location"] == url
    held_building.refresh_from_db()
    assert held_building.state == MatterState.DELIBERATING
    page = _html(client.get(url))
    assert 'data-testid="panel-agenda-add"' not in page and "待议" in page


def test_panel_not_shown_to_a_resident_for_a_held_matter(client, resident_user, held_building):
    client.force_login(resident_user)
    page = _html(client.get(reverse("web:matter_detail", args=[held_building.pk])))
    assert 'data-testid="meeting-panel"' not in page


def test_meeting_list_queries_do_not_grow(
    client, tree, staff, members, django_assert_max_num_queries
):
    for n in range(6):
        meeting_call(actor=staff, compound=tree.compound1, title=f"会{n}", scheduled_at=soon(n + 1))
    client.force_login(staff)
    with django_assert_max_num_queries(12):
        resp = client.get(reverse("web:meeting_list"))
    assert _html(resp).count('data-testid="meeting-') == 6


# --- the secret ballot on every page ----------------------------------------------------


def test_no_page_shows_who_voted_how_in_a_secret_ballot(
    client, tree, staff, supervisor, resident_user, member_user, members, held
):
    MatterSettings.objects.create(community=tree.heping, secret_ballot=True)
    meeting = meeting_call(
        actor=staff,
        compound=tree.compound1,
        title="无记名议事会",
        scheduled_at=soon(),
        matters=[held],
    )
    ms = sorted(
        MeetingMember.objects.filter(meeting=meeting), key=lambda m: m.resident.user_id is None
    )
    meeting_open(actor=staff, meeting=meeting, present=ms[:5])
    item = AgendaItem.objects.get(meeting=meeting)
    motion = motion_open(actor=staff, meeting=meeting, text="同意建小广场", item=item)
    choices = ["against", "for", "for", "abstain", "for"]
    vote_cast(actor=member_user, motion=motion, choice=choices[0])
    for m, c in zip(ms[1:5], choices[1:], strict=True):
        vote_cast(actor=staff, motion=motion, choice=c, member=m)
    names = [m.resident.name for m in ms]
    labels = [str(label) for _v, label in VoteChoice.choices]

    def pages() -> list[str]:
        out = []
        for user, urls in (
            (staff, ["meeting_detail", "meeting_tally", "meeting_results"]),
            (supervisor, ["meeting_detail", "meeting_tally", "meeting_results"]),
            (member_user, ["meeting_detail", "meeting_vote"]),
        ):
            client.force_login(user)
            for name in urls:
                args = [meeting.pk, motion.pk] if name == "meeting_tally" else [meeting.pk]
                resp = client.get(reverse(f"web:{name}", args=args))
                assert resp.status_code == 200, (user, name)
                out.append(_html(resp))
            out.append(_html(client.get(reverse("web:matter_detail", args=[held.pk]))))
        return out

    def assert_secret(htmls: list[str]) -> None:
        for html in htmls:
            assert 'data-testid="named"' not in html and "记名表决" not in html
            for name in names:
                for label in labels:
                    assert f"{name} {label}" not in html and f"{name}（{label}" not in html
            # The member's own screen says that they voted, not how.
            assert "您已投票（" not in html

    open_pages = pages()
    assert_secret(open_pages)
    # While the vote is open, not even the split is shown (it would move as one member votes).
    staff_tally = open_pages[1]
    assert 'data-testid="for"' not in staff_tally and "已投 5 票" in staff_tally
    motion_close(actor=staff, motion=motion)
    meeting_close(actor=staff, meeting=meeting, minutes="记录")
    meeting_publish_results(actor=staff, meeting=meeting)
    closed_pages = pages()
    assert_secret(closed_pages)
    assert re.search(r'data-testid="for">3<', closed_pages[1])
    client.force_login(resident_user)
    results = _html(client.get(reverse("web:meeting_results", args=[meeting.pk])))
    assert_secret([results])
    assert "赞成 3，反对 1，弃权 1" in results
    assert set(VoteCast.objects.filter(motion=motion).values_list("choice", flat=True)) == {""}


def test_names_in_full_for_staff_only(client, running, staff, supervisor, member_user):
    meeting, _motion = running
    url = reverse("web:meeting_detail", args=[meeting.pk])
    client.force_login(staff)
    assert "李建国" in _html(client.get(url))
    for user in (supervisor, member_user):
        client.force_login(user)
        html = _html(client.get(url))
        assert "李*国" in html and "李建国" not in html and "王秀兰" not in html


@pytest.mark.parametrize("hostile", HOSTILE_NEXT)
def test_meeting_steps_stay_on_the_site_whatever_next_says(client, running, staff, hostile):
    meeting, _motion = running
    client.force_login(staff)
    resp = client.post(
        reverse("web:meeting_act", args=[meeting.pk, "minutes"]),
        {"minutes": "记录", "next": hostile},
    )
    assert resp.status_code == 302
    assert resp["Location"] == reverse("web:meeting_detail", args=[meeting.pk]) + "#minutes"
    ours = reverse("web:meeting_detail", args=[meeting.pk]) + "?x=1"
    resp = client.post(
        reverse("web:meeting_act", args=[meeting.pk, "minutes"]), {"minutes": "记录", "next": ours}
    )
    assert resp["Location"] == ours
