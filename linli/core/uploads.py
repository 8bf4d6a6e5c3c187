"""One upload service for every file Linli accepts.

Nothing a person uploads is stored as it arrived:

- **Images** are decoded by Pillow and written again: the pixel count is read from the header
  and checked *before* any pixel is decoded (a 389 KB PNG can declare 20,000 × 20,000 pixels),
  the EXIF orientation is applied, the longest side is capped, and the new file carries no
  EXIF, XMP, GPS, ICC or text chunks — only pixels. Whatever followed the image in the upload
  (HTML after a PNG's end, a ZIP after a GIF) is gone, because we write new bytes. iPhone HEIC
  is decoded through pillow-heif and written as JPEG.
- **Documents** (evidence that is not a photo) are accepted by *content*, never by name:
  a PDF must start with ``%PDF-``; anything else is refused. A PDF is kept as it is (it may
  carry JavaScript: it is only ever served as an attachment in a sandbox, see
  ``linli.web.common.files``).
- Every file is stored through Django's storage API (``default_storage``: the file system on
  a laptop, S3-compatible object storage through django-storages in production) under a
  name the server chooses — ``<kind>/<yyyy>/<mm>/<random>.<ext>`` — whose extension is the
  format actually written, so the content type served later comes from our own name.
  The uploader's file name is never used for anything.

Checking (``upload_check``) is CPU work on bytes in memory and happens before any row lock;
storing (``upload_store``) writes the file before the transaction, and a service that fails
afterwards removes it again (``upload_discard``) — no file I/O under a row lock.

Limits are settings (``LINLI_UPLOAD_MAX_BYTES`` per kind, ``LINLI_IMAGE_MAX_PIXELS``,
``LINLI_IMAGE_MAX_SIDE``).
"""

from __future__ import annotations

import io
import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from linli.core.errors import ValidationFailed

try:  # iPhone photos (HEIC/HEIF): decoded when pillow-heif is installed, refused otherwise.
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIF = True
except ImportError:  # pragma: no cover - pillow-heif is in requirements.txt
    HEIF = False

logger = logging.getLogger(__name__)
MB = 1024 * 1024
# Formats we decode. Anything else Pillow can open (TIFF, PSD, EPS, ICO, …) is refused.
IMAGE_FORMATS = frozenset({"JPEG", "MPO", "PNG", "GIF", "WEBP", "BMP", "HEIF"})
# What we write, by extension: the only names ``upload_store`` ever makes.
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "pdf": "application/pdf",
}
IMAGE_EXTENSIONS = frozenset({"jpg", "png"})


@dataclass(frozen=True)
class UploadKind:
    """What one kind of upload accepts and where it is stored."""

    key: str
    folder: str
    documents: bool = False  # PDF accepted besides images
    public: bool = False  # served to anyone (reward photos), stored under "public/"

    @property
    def max_bytes(self) -> int:
        limits = getattr(settings, "LINLI_UPLOAD_MAX_BYTES", {})
        return int(limits.get(self.key, 10 * MB))

    @property
    def prefix(self) -> str:
        return f"public/{self.folder}" if self.public else self.folder


MATTER_PHOTO = UploadKind("matter_photo", "matters")
AWARD_EVIDENCE = UploadKind("award_evidence", "points/evidence", documents=True)
HOURS_EVIDENCE = UploadKind("hours_evidence", "activities/evidence", documents=True)
REWARD_PHOTO = UploadKind("reward_photo", "rewards", public=True)
KINDS = {k.key: k for k in (MATTER_PHOTO, AWARD_EVIDENCE, HOURS_EVIDENCE, REWARD_PHOTO)}


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed its checks: the bytes to store and their extension."""

    data: bytes
    ext: str
    width: int = 0
    height: int = 0

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.ext]


def _refuse(message: str, code: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, errors={field: [code]})


def _max_pixels() -> int:
    return int(getattr(settings, "LINLI_IMAGE_MAX_PIXELS", 60_000_000))


def _max_side() -> int:
    return int(getattr(settings, "LINLI_IMAGE_MAX_SIDE", 2048))


def _read(upload: Any, kind: UploadKind, field: str) -> bytes:
    """The upload's bytes, refusing empty and oversized files before reading them whole."""
    limit = kind.max_bytes
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _refuse(_("文件太大：每个不超过 %(mb)s MB") % {"mb": limit // MB}, "too_large", field)
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _refuse(_("文件太大：每个不超过 %(mb)s MB") % {"mb": limit // MB}, "too_large", field)
    if not data:
        raise _refuse(_("文件是空的，请重新选择"), "empty", field)
    return bytes(data)


def _flatten(img: Image.Image) -> tuple[Image.Image, bool]:
    """The image in a mode JPEG or PNG can hold: (image, has_alpha)."""
    if img.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        # 16-bit (or 32-bit integer) greyscale: scale to 8 bits.
        img = img.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    elif img.mode == "F":
        img = img.convert("L")
    has_alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
    if has_alpha:
        img = img.convert("RGBA")
        # Fully opaque after all? Then it is a photo: JPEG.
        low, _high = img.getchannel("A").getextrema()
        if low == 255:
            return img.convert("RGB"), False
        return img, True
    if img.mode not in ("RGB", "L"):
        img = img.convert("RGB")  # CMYK, YCbCr, P, 1, LAB, …
    return img, False


def image_reencode(data: bytes, *, field: str = "file") -> CheckedUpload:
    """Decode ``data`` as an image and write it again without metadata (see module doc)."""
    not_image = _refuse(_("这不是照片：请上传 JPEG、PNG、WebP 或 HEIC 图片"), "not_image", field)
    try:
        # Our pixel limit (checked from the header, below) is lower than Pillow's own bomb
        # limit; Pillow refuses at open() what is far above it (DecompressionBombError).
        img: Image.Image = Image.open(io.BytesIO(data))
        fmt = img.format or ""
        width, height = img.size
        if fmt not in IMAGE_FORMATS:
            raise not_image
        if width <= 0 or height <= 0:
            raise not_image
        if width * height > _max_pixels():
            raise _refuse(
                _("图片像素太多（%(w)s × %(h)s）：请上传不超过 %(mp)s 百万像素的照片")
                % {"w": width, "h": height, "mp": _max_pixels() // 1_000_000},
                "too_many_pixels",
                field,
            )
        cap = _max_side()
        if fmt in ("JPEG", "MPO"):
            # Decode a JPEG at a reduced scale when it is much larger than we keep.
            img.draft("RGB", (cap, cap))
        img.seek(0)  # an animated GIF or WebP: its first frame
        # WeasyPrint sets this process-wide flag to True when it is imported (to draw broken
        # images in PDFs); an upload that is cut short must still be refused, whatever was
        # imported first. Our own PDFs embed only images we made, so False costs them nothing.
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        img.load()
        img = ImageOps.exif_transpose(img) or img
        img, alpha = _flatten(img)
        if max(img.size) > cap:
            img.thumbnail((cap, cap), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        if alpha:
            img.save(out, format="PNG", optimize=True)
            ext = "png"
        else:
            img.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
            ext = "jpg"
    except ValidationFailed:
        raise
    except Image.DecompressionBombError as exc:
        raise _refuse(
            _("图片像素太多：请上传不超过 %(mp)s 百万像素的照片")
            % {"mp": _max_pixels() // 1_000_000},
            "too_many_pixels",
            field,
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        # Truncated or corrupt data, a format Pillow cannot read, an impossible header.
        message = str(exc).lower()
        if "truncated" in message or isinstance(exc, EOFError):
            raise _refuse(_("照片不完整或已损坏，请重新拍摄或选择"), "corrupt", field) from exc
        raise not_image from exc
    except Exception as exc:
        # A hostile file can reach corners of a decoder that fail in other ways (struct.error,
        # IndexError, …): it is still not an image we keep, and never a 500.
        logger.warning("upload refused: %s while decoding (%s)", type(exc).__name__, exc)
        raise not_image from exc
    w, h = img.size
    return CheckedUpload(data=out.getvalue(), ext=ext, width=w, height=h)


def _is_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-")


def upload_check(upload: Any, *, kind: UploadKind, field: str = "file") -> CheckedUpload:
    """Check one uploaded file for ``kind``; the bytes to store. Raises ValidationFailed."""
    data = _read(upload, kind, field)
    if kind.documents and _is_pdf(data):
        return CheckedUpload(data=data, ext="pdf")
    if kind.documents:
        try:
            return image_reencode(data, field=field)
        except ValidationFailed as exc:
            if exc.errors.get(field) == ["not_image"]:
                raise _refuse(
                    _("只接受照片（JPEG、PNG、WebP、HEIC）或 PDF 文件"), "not_allowed", field
                ) from exc
            raise
    return image_reencode(data, field=field)


def upload_check_many(
    uploads: Iterable[Any], *, kind: UploadKind, limit: int, field: str = "file"
) -> list[CheckedUpload]:
    """Check several files (a matter's photos): at most ``limit``, each as ``upload_check``."""
    files = [f for f in uploads if f]
    if len(files) > limit:
        raise _refuse(_("最多上传 %(n)s 张照片") % {"n": limit}, "too_many", field)
    checked = []
    for position, f in enumerate(files, start=1):
        try:
            checked.append(upload_check(f, kind=kind, field=field))
        except ValidationFailed as exc:
            if len(files) == 1:
                raise
            raise ValidationFailed(
                _("第 %(n)s 张：%(error)s") % {"n": position, "error": exc.message},
                errors=exc.errors,
            ) from exc
    return checked


def upload_store(checked: CheckedUpload, *, kind: UploadKind) -> str:
    """Write a checked upload under a name we choose; the stored name."""
    today = timezone.localdate()
    name = f"{kind.prefix}/{today:%Y/%m}/{secrets.token_hex(16)}.{checked.ext}"
    return str(default_storage.save(name, ContentFile(checked.data)))


def upload_store_many(checked: Sequence[CheckedUpload], *, kind: UploadKind) -> list[str]:
    names: list[str] = []
    try:
        for c in checked:
            names.append(upload_store(c, kind=kind))
    except Exception:
        upload_discard(names)
        raise
    return names


def upload_discard(names: Iterable[str]) -> None:
    """Remove stored files whose transaction failed (best effort: never raises)."""
    for name in names:
        if not name:
            continue
        try:
            default_storage.delete(name)
        except OSError:  # pragma: no cover - nothing more to do than leave the orphan
            continue


def stored_content_type(name: str) -> str:
    """The content type of a stored file, from the extension *we* gave it.

    Files stored before this service existed may carry the uploader's extension; anything
    not ours is ``application/octet-stream`` (served as an attachment, never rendered)."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return CONTENT_TYPES.get(ext, "application/octet-stream")


def stored_is_image(name: str) -> bool:
    return stored_content_type(name).startswith("image/")
