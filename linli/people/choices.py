from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    FEMALE = "F", _("女")
    MALE = "M", _("男")
    UNKNOWN = "", _("未填")


class Role(models.TextChoices):
    """Roles granted on a place; a grant holds for everything below that place."""

    BUILDING_LEADER = "building_leader", _("楼栋长")
    COMMUNITY_STAFF = "community_staff", _("社区工作者")
    COMMUNITY_SECRETARY = "community_secretary", _("社区书记")
    SPONSOR = "sponsor", _("辖区企业")
    DEPARTMENT_HANDLER = "department_handler", _("部门经办人")
    SUPERVISOR = "supervisor", _("督办（街道/区/市）")
    OPERATOR = "operator", _("系统运维")


class ResidentGroup(models.TextChoices):
    """The organised groups of a community (和平社区: 220 / 196 / 238)."""

    REPRESENTATIVE = "representative", _("居民代表")
    DELIBERATOR = "deliberator", _("居民议事人")
    VOLUNTEER = "volunteer", _("志愿者")


# Which place kinds each role may be granted on.
ROLE_PLACE_KINDS: dict[str, tuple[str, ...]] = {
    Role.BUILDING_LEADER: ("building",),
    Role.COMMUNITY_STAFF: ("community",),
    Role.COMMUNITY_SECRETARY: ("community",),
    Role.SPONSOR: ("community",),
    Role.DEPARTMENT_HANDLER: ("city", "district", "street"),
    Role.SUPERVISOR: ("street", "district", "city"),
    Role.OPERATOR: ("city", "district", "street", "community"),
}
