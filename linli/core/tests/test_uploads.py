"""The one upload service (issue 10, holes 1–4 and 6): every file decoded and written again,
bombs refused before decoding, metadata dropped, names and types chosen by the server."""

from __future__ import annotations

import io
import time

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from linli.core.errors import ValidationFailed
from linli.core.uploads import (
    AWARD_EVIDENCE,
    MATTER_PHOTO,
    REWARD_PHOTO,
    stored_content_type,
    upload_check,
    upload_check_many,
    upload_store,
)
from tests import uploads as f


def _refused(upload, kind=MATTER_PHOTO) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as exc:
        upload_check(upload, kind=kind, field="photo")
    return exc.value


def _decoded(checked) -> Image.Image:
    img = Image.open(io.BytesIO(checked.data))
    img.load()
    return img


@pytest.mark.parametrize("make", [f.polyglot_png, f.polyglot_gif])
@pytest.mark.parametrize("name", ["x.html", "x.jpg", "x.svg"])
def test_polyglots_are_rewritten_without_their_payload(make, name):
    checked = upload_check(make(name), kind=MATTER_PHOTO)
    assert b"<script" not in checked.data and b"<html" not in checked.data
    assert checked.ext in {"jpg", "png"}
    assert _decoded(checked).format == {"jpg": "JPEG", "png": "PNG"}[checked.ext]
    assert checked.content_type in {"image/jpeg", "image/png"}


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (f.svg_with_script, "not_image"),
        (f.html_as_jpg, "not_image"),
        (f.empty, "empty"),
        (f.truncated_jpeg, "corrupt"),
        (f.tiff, "not_image"),
        (f.huge, "too_large"),
        (f.bomb_png, "too_many_pixels"),
    ],
)
def test_refused_with_a_clear_reason(make, code):
    exc = _refused(make())
    assert exc.errors == {"photo": [code]}
    assert str(exc) and "Traceback" not in str(exc)


def test_a_truncated_photo_is_refused_even_after_weasyprint_is_imported():
    import weasyprint  # noqa: F401 - sets PIL.ImageFile.LOAD_TRUNCATED_IMAGES = True
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = True
    assert _refused(f.truncated_jpeg()).errors == {"photo": ["corrupt"]}


def test_the_bomb_is_refused_from_its_header_quickly():
    bomb = f.bomb_png()
    assert bomb.size < 1024 * 1024  # a few hundred KB declaring 400 million pixels
    started = time.monotonic()
    exc = _refused(bomb)
    assert time.monotonic() - started < 2  # never decoded
    assert "像素太多" in str(exc)


def test_thirty_megabytes_is_refused_without_reading_it_all():
    big = f.huge()
    exc = _refused(big)
    assert exc.errors == {"photo": ["too_large"]}
    assert "10 MB" in str(exc)


@pytest.mark.parametrize(
    ("make", "ext", "mode"),
    [
        (f.cmyk_jpeg, "jpg", "RGB"),
        (f.png16, "jpg", "L"),
        (f.animated_gif, "jpg", "RGB"),
        (f.heic, "jpg", "RGB"),
        (f.png, "jpg", "RGB"),
        (f.jpeg, "jpg", "RGB"),
    ],
)
def test_awkward_images_are_decoded_and_written_as_plain_images(make, ext, mode):
    checked = upload_check(make(), kind=MATTER_PHOTO)
    img = _decoded(checked)
    assert checked.ext == ext and img.mode == mode
    assert getattr(img, "n_frames", 1) == 1  # an animation keeps its first frame


def test_sixteen_bit_png_keeps_its_brightness():
    img = _decoded(upload_check(f.png16(), kind=MATTER_PHOTO))
    assert img.getpixel((0, 0)) > 240 and img.getpixel((5, 5)) < 10


def test_transparency_is_kept_as_png():
    data = f.image_bytes("PNG", mode="RGBA", color=(255, 0, 0, 128))
    checked = upload_check(f.upload("logo.png", data, "image/png"), kind=REWARD_PHOTO)
    assert checked.ext == "png" and _decoded(checked).mode == "RGBA"


def test_gps_and_all_metadata_are_dropped_and_orientation_applied():
    original = f.jpeg_with_gps(orientation=6)  # 60 × 40 stored, to be shown rotated
    assert b"iPhone 15" in original.read()
    checked = upload_check(original, kind=MATTER_PHOTO)
    img = _decoded(checked)
    assert img.size == (40, 60)  # rotated as the phone meant
    assert dict(img.getexif()) == {}
    assert b"Exif" not in checked.data and b"iPhone" not in checked.data
    assert "icc_profile" not in img.info and "xmp" not in img.info


def test_longest_side_is_capped(settings):
    settings.LINLI_IMAGE_MAX_SIDE = 500
    checked = upload_check(f.jpeg(size=(2000, 1000)), kind=MATTER_PHOTO)
    assert _decoded(checked).size == (500, 250)


def test_pixel_limit_is_a_setting(settings):
    settings.LINLI_IMAGE_MAX_PIXELS = 100
    exc = _refused(f.jpeg(size=(20, 20)))
    assert exc.errors == {"photo": ["too_many_pixels"]} and "20 × 20" in str(exc)


def test_size_limit_per_kind_is_a_setting(settings):
    settings.LINLI_UPLOAD_MAX_BYTES = {"matter_photo": 100}
    assert _refused(f.jpeg()).errors == {"photo": ["too_large"]}
    assert upload_check(f.jpeg(), kind=AWARD_EVIDENCE).ext == "jpg"  # default 10 MB


def test_pdf_is_evidence_but_never_a_photo():
    pdf = upload_check(f.pdf_with_js(), kind=AWARD_EVIDENCE)
    assert pdf.ext == "pdf" and pdf.content_type == "application/pdf"
    assert _refused(f.pdf_with_js()).errors == {"photo": ["not_image"]}
    exc = _refused(f.html_as_jpg("evidence.pdf"), kind=AWARD_EVIDENCE)
    assert exc.errors == {"photo": ["not_allowed"]}
    assert "PDF" in str(exc)


def test_ten_photos_where_nine_are_allowed():
    with pytest.raises(ValidationFailed) as exc:
        upload_check_many(
            [f.png(f"{i}.png") for i in range(10)], kind=MATTER_PHOTO, limit=9, field="photos"
        )
    assert exc.value.errors == {"photos": ["too_many"]}
    assert len(upload_check_many([f.png()] * 9, kind=MATTER_PHOTO, limit=9)) == 9


def test_which_photo_is_wrong_is_named():
    with pytest.raises(ValidationFailed) as exc:
        upload_check_many([f.png(), f.html_as_jpg()], kind=MATTER_PHOTO, limit=9, field="photos")
    assert exc.value.errors == {"photos": ["not_image"]}
    assert "2" in str(exc.value)


@pytest.mark.parametrize("name", ["a" * 500 + ".jpg", "../../etc/passwd.jpg", "..\\..\\x.html"])
def test_stored_under_a_name_the_server_chooses(name):
    checked = upload_check(f.jpeg(name), kind=MATTER_PHOTO)
    stored = upload_store(checked, kind=MATTER_PHOTO)
    try:
        assert stored.startswith("matters/") and stored.endswith(".jpg")
        assert ".." not in stored and "passwd" not in stored and "aaaa" not in stored
        assert len(stored) < 60
        with default_storage.open(stored, "rb") as fh:
            assert fh.read() == checked.data
    finally:
        default_storage.delete(stored)


def test_public_files_live_under_the_public_prefix():
    stored = upload_store(upload_check(f.png(), kind=REWARD_PHOTO), kind=REWARD_PHOTO)
    try:
        assert stored.startswith("public/rewards/")
    finally:
        default_storage.delete(stored)


def test_content_type_comes_from_our_own_extensions_only():
    assert stored_content_type("matters/2026/01/abc.jpg") == "image/jpeg"
    assert stored_content_type("matters/2026/01/abc.png") == "image/png"
    assert stored_content_type("points/evidence/abc.pdf") == "application/pdf"
    # Files stored before the upload service kept the uploader's extension.
    for legacy in ("matters/x.html", "matters/x.svg", "x.gif", "x", "x.webp"):
        assert stored_content_type(legacy) == "application/octet-stream"
