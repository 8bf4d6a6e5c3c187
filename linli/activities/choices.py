from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityStatus(models.TextChoices):
    OPEN = "open", _("报名中")
    CLOSED = "closed", _("已结束")
    CANCELLED = "cancelled", _("已取消")


class PointsBasis(models.TextChoices):
    """How an attendee's points are counted from the activity's rule. The points rule
    (``points.Rule``) has a range and caps but no unit, so the unit lives on the activity."""

    PER_ACTIVITY = "per_activity", _("按次计分")
    PER_HOUR = "per_hour", _("按小时计分")


class SignupStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    CONFIRMED = "confirmed", _("已报名")
    WAITING = "waiting", _("候补")
    WITHDRAWN = "withdrawn", _("已取消报名")
    REJECTED = "rejected", _("未通过")


# Sign-ups that hold (or wait for) a place.
ACTIVE_SIGNUPS = (SignupStatus.PENDING, SignupStatus.CONFIRMED, SignupStatus.WAITING)
# Sign-ups that take one of the activity's places (a pending one holds it until decided).
SEATED_SIGNUPS = (SignupStatus.PENDING, SignupStatus.CONFIRMED)


class Direction(models.TextChoices):
    IN = "in", _("签到")
    OUT = "out", _("签退")


class HoursKind(models.TextChoices):
    ATTENDANCE = "attendance", _("签到记录")
    ADDED = "added", _("补录")
    CORRECTION = "correction", _("更正")


class CorrectionStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    ACCEPTED = "accepted", _("已更正")
    REJECTED = "rejected", _("不予更正")


# The rule categories an activity may earn under (not 建言献策, 移风易俗, 村规民约: those are
# deeds, not attendance).
ACTIVITY_RULE_CATEGORIES = ("volunteer", "public_welfare", "environment", "other")
