"""Files through the pages (issue 10, holes 1–6): what a hostile upload becomes, who may
fetch it back, and with which headers.

Each test reproduces a hole first reported on the site — a polyglot photo that ran script in
the site's origin, SVG/HTML evidence served inline, evidence nobody could open, reward photos
that never showed, GPS positions kept — and asserts what the site does now.
"""

# ruff: noqa: F811 - pytest fixtures imported from the points tests are parameters here
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from linli.activities.models import ServiceHours
from linli.audit.models import AuditEvent
from linli.matters.models import Matter, MatterPhoto
from linli.points.models import Award, Reward
from linli.points.tests.conftest import dzj, suggestion_rule, version  # noqa: F401 - fixtures
from tests import uploads as f

pytestmark = pytest.mark.django_db

SANDBOX = "default-src 'none'; sandbox"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _file_headers_ok(resp, content_type: str, *, inline: bool) -> None:
    assert resp.status_code == 200
    assert resp["Content-Type"] == content_type
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert resp["Content-Security-Policy"] == SANDBOX
    disposition = resp["Content-Disposition"]
    assert disposition.startswith("inline" if inline else "attachment"), disposition


def _body(resp) -> bytes:
    return b"".join(resp.streaming_content) if resp.streaming else resp.content


def _raise(client, tree, photos, title="楼道灯坏了"):
    return client.post(
        reverse("web:matter_new"),
        {
            "kind": "problem",
            "place": tree.building1.pk,
            "title": title,
            "source": "resident",
            "photos": photos,
        },
    )


# Hole 1: stored XSS from a resident to staff through a matter photo.
@pytest.mark.parametrize("make", [f.polyglot_png, f.polyglot_gif])
def test_a_polyglot_photo_named_html_comes_back_as_a_plain_image(
    client, tree, resident_user, staff, make
):
    client.force_login(resident_user)
    assert _raise(client, tree, [make("x.html")]).status_code == 302
    photo = MatterPhoto.objects.get()
    assert photo.image.name.endswith((".jpg", ".png")) and "x" not in photo.image.name[-8:]
    client.force_login(staff)  # the handler taps the thumbnail
    resp = client.get(reverse("web:matter_photo", args=[photo.pk]))
    _file_headers_ok(resp, "image/jpeg", inline=True)
    body = _body(resp)
    assert b"<script" not in body and Image.open(io.BytesIO(body)).format == "JPEG"


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (f.svg_with_script, "这不是照片"),
        (f.html_as_jpg, "这不是照片"),
        (f.empty, "文件是空的"),
        (f.truncated_jpeg, "不完整"),
        (f.huge, "10 MB"),
        (f.bomb_png, "像素太多"),
    ],
)
def test_bad_photos_are_refused_on_the_form_and_nothing_is_stored(
    client, tree, resident_user, make, says
):
    client.force_login(resident_user)
    resp = _raise(client, tree, [make()], title="留着的标题")
    assert resp.status_code == 400
    html = resp.content.decode()
    assert says in html and "留着的标题" in html
    assert not Matter.objects.exists() and not MatterPhoto.objects.exists()
    assert not AuditEvent.objects.filter(action="matters.raise").exists()


def test_ten_photos_where_nine_are_allowed(client, tree, resident_user):
    client.force_login(resident_user)
    resp = _raise(client, tree, [f.png(f"{i}.png") for i in range(10)])
    assert resp.status_code == 400 and "最多上传 9 张照片" in resp.content.decode()
    assert not Matter.objects.exists()


# Hole 6: photos kept their EXIF data, GPS position included.
def test_gps_is_gone_from_the_photo_served_back(client, tree, resident_user):
    client.force_login(resident_user)
    assert _raise(client, tree, [f.jpeg_with_gps()]).status_code == 302
    resp = client.get(reverse("web:matter_photo", args=[MatterPhoto.objects.get().pk]))
    body = _body(resp)
    img = Image.open(io.BytesIO(body))
    assert dict(img.getexif()) == {} and b"Exif" not in body and b"iPhone" not in body


def test_a_photo_outside_ones_places_is_404(client, tree, resident_user, outsider):
    client.force_login(resident_user)
    _raise(client, tree, [f.png()])
    client.force_login(outsider)
    assert (
        client.get(reverse("web:matter_photo", args=[MatterPhoto.objects.get().pk])).status_code
        == 404
    )


# Hole 2: stored XSS from staff to residents through volunteer evidence.
def _add_hours(client, dzj, upload):
    day = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    return client.post(
        reverse("web:volunteer_hours_add", args=[dzj.pk]),
        {
            "served_on": day,
            "title": "陪老人看病",
            "hours": "1.5",
            "evidence_note": "医院挂号单",
            "evidence_file": upload,
        },
    )


@pytest.mark.parametrize(
    "make", [f.svg_with_script, f.html_as_jpg, lambda: f.html_as_jpg("x.html")]
)
def test_volunteer_evidence_refuses_svg_and_html(client, staff, dzj, make):
    client.force_login(staff)
    resp = _add_hours(client, dzj, make())
    assert resp.status_code == 400
    assert "只接受照片（JPEG、PNG、WebP、HEIC）或 PDF 文件" in resp.content.decode()
    assert not ServiceHours.objects.exists()


def test_volunteer_evidence_pdf_is_only_ever_an_attachment(
    client,
    staff,
    dzj,
    resident_user,
    outsider,
):
    client.force_login(staff)
    assert _add_hours(client, dzj, f.pdf_with_js()).status_code == 302
    line = ServiceHours.objects.get()
    assert line.evidence_file.name.endswith(".pdf")
    url = reverse("web:volunteer_evidence", args=[line.pk])
    for viewer in (staff, resident_user):  # the volunteer sees their own record
        client.force_login(viewer)
        resp = client.get(url)
        _file_headers_ok(resp, "application/pdf", inline=False)
        assert _body(resp).startswith(b"%PDF-")
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_volunteer_evidence_photo_is_an_image(client, staff, dzj):
    client.force_login(staff)
    assert _add_hours(client, dzj, f.polyglot_png("sheet.html")).status_code == 302
    line = ServiceHours.objects.get()
    resp = client.get(reverse("web:volunteer_evidence", args=[line.pk]))
    _file_headers_ok(resp, "image/jpeg", inline=True)


# Hole 3: award evidence accepted any file of any size, and no one could ever view it.
def _award(client, dzj, rule, upload, key):
    return client.post(
        reverse("web:points_award") + f"?community={dzj.household.community_id}",
        {
            "resident": dzj.pk,
            "rule": rule.pk,
            "points": "10",
            "evidence_note": "好建议",
            "evidence_file": upload,
            "idempotency_key": key,
        },
    )


def test_award_evidence_thirty_megabytes_of_html_is_refused(
    client,
    staff,
    dzj,
    suggestion_rule,
):
    client.force_login(staff)
    resp = _award(client, dzj, suggestion_rule, f.huge("x.html"), "k-huge")
    assert resp.status_code in (200, 400)
    assert "文件太大" in resp.content.decode()
    assert not Award.objects.exists()
    assert not default_storage.listdir("")[1]  # no file left behind at the top level


def test_award_evidence_can_be_opened_by_staff_and_the_proposer_only(
    client,
    staff,
    leader,
    resident_user,
    outsider,
    dzj,
    suggestion_rule,
):
    client.force_login(leader)  # a building leader proposes, with a photo of the deed
    resp = _award(client, dzj, suggestion_rule, f.jpeg_with_gps("deed.html"), "k-photo")
    assert resp.status_code == 302, resp.content.decode()[:2000]
    award = Award.objects.get()
    assert award.evidence_file.name.startswith("points/evidence/")
    url = reverse("web:points_award_evidence", args=[award.pk])
    for viewer in (staff, leader):
        client.force_login(viewer)
        resp = client.get(url)
        _file_headers_ok(resp, "image/jpeg", inline=True)
        assert b"Exif" not in _body(resp)
    for viewer in (resident_user, outsider):
        client.force_login(viewer)
        assert client.get(url).status_code == 404
    client.force_login(staff)
    assert url in client.get(reverse("web:points_proposals")).content.decode()


def test_award_evidence_pdf_with_javascript_is_an_attachment(
    client,
    staff,
    dzj,
    suggestion_rule,
):
    client.force_login(staff)
    assert _award(client, dzj, suggestion_rule, f.pdf_with_js(), "k-pdf").status_code == 302
    award = Award.objects.get()
    resp = client.get(reverse("web:points_award_evidence", args=[award.pk]))
    _file_headers_ok(resp, "application/pdf", inline=False)


# Hole 5: reward photos never showed (/media/ was not served); serving all of MEDIA_ROOT
# would have exposed private files.
def test_reward_photo_is_public_and_private_files_are_not(client, secretary, tree, resident_user):
    client.force_login(secretary)
    resp = client.post(
        reverse("web:shop_reward_new") + f"?community={tree.heping.pk}",
        {
            "kind": "goods",
            "name": "洗衣液",
            "price": "50",
            "stock": "4",
            "active": "on",
            "photo": f.polyglot_png("soap.html"),
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    reward = Reward.objects.get()
    assert reward.photo.name.startswith("public/rewards/") and reward.photo.name.endswith(".jpg")
    client.force_login(resident_user)
    shop = client.get(reverse("web:shop_home") + f"?community={tree.heping.pk}").content.decode()
    assert reward.photo.url in shop
    client.logout()
    resp = client.get(reward.photo.url)  # anyone, signed in or not
    _file_headers_ok(resp, "image/jpeg", inline=True)
    assert "public" in resp["Cache-Control"]
    # A matter photo exists on the same storage; no public path reaches it.
    client.force_login(resident_user)
    _raise(client, tree, [f.png()])
    private = MatterPhoto.objects.get().image.name
    client.logout()
    for path in (
        f"/media/{private}",
        f"/media/public/../{private}",
        "/media/public/%2e%2e/" + private,
        "/media/public/..%2f" + private,
        "/media/public/rewards/../../" + private,
        "/media/public/" + private.replace("/", "\\"),
    ):
        assert client.get(path).status_code == 404, path


def test_bad_reward_photo_is_refused_on_its_field(client, secretary, tree):
    client.force_login(secretary)
    resp = client.post(
        reverse("web:shop_reward_new") + f"?community={tree.heping.pk}",
        {
            "kind": "goods",
            "name": "洗衣液",
            "price": "50",
            "stock": "4",
            "photo": f.svg_with_script(),
        },
    )
    assert resp.status_code == 200 and "这不是照片" in resp.content.decode()
    assert not Reward.objects.exists()


def test_x_accel_redirect_after_the_permission_check(
    client, settings, tree, resident_user, outsider
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.LINLI_X_ACCEL_REDIRECT = "/_protected/"
    client.force_login(resident_user)
    assert _raise(client, tree, [f.png()]).status_code == 302
    photo = MatterPhoto.objects.get()
    resp = client.get(reverse("web:matter_photo", args=[photo.pk]))
    assert resp.status_code == 200 and resp.content == b""
    assert resp["X-Accel-Redirect"] == f"/_protected/{photo.image.name}"
    assert resp["Content-Type"] == "image/jpeg" and resp["X-Content-Type-Options"] == "nosniff"
    client.force_login(outsider)
    resp = client.get(reverse("web:matter_photo", args=[photo.pk]))
    assert resp.status_code == 404 and "X-Accel-Redirect" not in resp
