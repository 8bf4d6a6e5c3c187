"""Photo checks (before any transaction): images only, not too large, not too many."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from linli.core.errors import ValidationFailed

MAX_PHOTOS = 9
MAX_BYTES = 10 * 1024 * 1024
FORMATS = {"JPEG", "PNG", "GIF", "WEBP", "MPO", "BMP"}


def photos_clean(files: Sequence[Any]) -> list[Any]:
    """The photos, checked: at most 9, each an image of at most 10 MB."""
    files = [f for f in files if f]
    if len(files) > MAX_PHOTOS:
        raise ValidationFailed(
            _("最多上传 %(n)s 张照片") % {"n": MAX_PHOTOS}, errors={"photos": ["too_many"]}
        )
    for f in files:
        name = getattr(f, "name", "") or _("照片")
        size = getattr(f, "size", None)
        if size is None or size > MAX_BYTES:
            raise ValidationFailed(
                _("照片 %(name)s 太大（每张不超过 10 MB）") % {"name": name},
                errors={"photos": ["too_large"]},
            )
        try:
            f.seek(0)
            with Image.open(f) as img:
                fmt = img.format
                img.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise ValidationFailed(
                _("%(name)s 不是图片") % {"name": name}, errors={"photos": ["not_image"]}
            ) from exc
        finally:
            f.seek(0)
        if fmt not in FORMATS:
            raise ValidationFailed(
                _("%(name)s 不是图片") % {"name": name}, errors={"photos": ["not_image"]}
            )
    return files


def photos_store(files: Sequence[Any], prefix: str) -> list[str]:
    """Save checked photos to the default storage (outside any row lock); their names."""
    names: list[str] = []
    for i, f in enumerate(files):
        ext = (getattr(f, "name", "") or "").rsplit(".", 1)[-1].lower()
        ext = ext if ext.isalnum() and len(ext) <= 5 else "jpg"
        f.seek(0)
        names.append(default_storage.save(f"{prefix}-{i + 1}.{ext}", f))
    return names


def photos_discard(names: Sequence[str]) -> None:
    for name in names:
        default_storage.delete(name)
