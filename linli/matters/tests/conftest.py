from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from linli.matters.choices import MatterKind, MatterSource
from linli.matters.models import Matter
from linli.matters.services import matter_raise
from linli.points.tests.conftest import suggestion_rule, version  # noqa: F401 - fixtures


def png(name: str = "photo.png", size: tuple[int, int] = (8, 8)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


@pytest.fixture
def matter(tree, resident_user) -> Matter:
    """代正菊's problem at building 1 (raised, at building level)."""
    return matter_raise(
        actor=resident_user,
        place=tree.building1,
        kind=MatterKind.PROBLEM,
        title="1栋楼道灯坏了",
        description="2单元三楼的声控灯不亮，老人晚上上楼看不见。",
    )


@pytest.fixture
def suggestion(tree, resident_user) -> Matter:
    return matter_raise(
        actor=resident_user,
        place=tree.compound1,
        kind=MatterKind.SUGGESTION,
        title="小区空地改成休闲小广场",
        source=MatterSource.RESIDENT,
    )
