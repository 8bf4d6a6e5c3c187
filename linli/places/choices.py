from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PlaceKind(models.TextChoices):
    """Levels of the place tree, from the root down. The order is the depth."""

    CITY = "city", _("市")
    DISTRICT = "district", _("区/县")
    STREET = "street", _("街道/乡镇")
    COMMUNITY = "community", _("社区/村")
    COMPOUND = "compound", _("小区")
    BUILDING = "building", _("楼栋")
    HOUSEHOLD = "household", _("户")


KIND_ORDER: list[str] = [k.value for k in PlaceKind]
# Kinds whose rows carry a pointer to their ancestor of that kind (and to themselves).
ANCESTOR_KINDS: list[str] = KIND_ORDER[:-1]


def depth_of(kind: str) -> int:
    return KIND_ORDER.index(kind)
