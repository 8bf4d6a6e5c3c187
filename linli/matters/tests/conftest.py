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


@pytest.fixture
def depts(tree):
    """住建, 城管, 信访 and 创文办 on 沙市区."""
    from linli.people.models import Department

    return {
        short: Department.objects.create(place=tree.district, name=name, short_name=short)
        for name, short in (
            ("住建局", "住建"),
            ("城市管理执法局", "城管"),
            ("信访局", "信访"),
            ("创文办", "创文办"),
        )
    }


def _handler(tree, dept, name: str, phone: str):
    from conftest import PASSWORD
    from linli.people.choices import Role
    from tests.factories import GrantFactory, UserFactory

    user = UserFactory(name=name, phone=phone, password=PASSWORD)
    GrantFactory(user=user, role=Role.DEPARTMENT_HANDLER, place=tree.district, department=dept)
    return user


@pytest.fixture
def zhujian(tree, depts):
    """陈立新, handler of 住建."""
    return _handler(tree, depts["住建"], "陈立新", "13900000011")


@pytest.fixture
def chengguan(tree, depts):
    """A handler of 城管."""
    return _handler(tree, depts["城管"], "城管经办", "13900000012")
