from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleCategory(models.TextChoices):
    VOLUNTEER = "volunteer", _("志愿服务")
    PUBLIC_WELFARE = "public_welfare", _("公益活动")
    ENVIRONMENT = "environment", _("环境整治")
    VILLAGE_RULES = "village_rules", _("村规民约")
    CUSTOMS = "customs", _("移风易俗")
    SUGGESTION = "suggestion", _("建言献策")
    OTHER = "other", _("其他")


class Evidence(models.TextChoices):
    NONE = "none", _("无需")
    PHOTO = "photo", _("照片")
    ACTIVITY = "activity", _("活动签到")
    MATTER = "matter", _("议事事项")


class Awarders(models.TextChoices):
    STAFF = "staff", _("社区工作人员直接加分")
    STAFF_AND_LEADERS = "staff_leaders", _("工作人员加分，楼栋长可提议")


class AccountKind(models.TextChoices):
    RESIDENT = "resident", _("居民")
    ISSUANCE = "issuance", _("社区发放")
    REDEMPTION = "redemption", _("社区兑换")
    EXPIRY = "expiry", _("过期清零")


class PostingKind(models.TextChoices):
    AWARD = "award", _("加分")
    REVERSAL = "reversal", _("冲正")
    EXPIRY = "expiry", _("过期")
    REDEMPTION = "redemption", _("兑换")
    REFUND = "refund", _("退回")


class AwardStatus(models.TextChoices):
    PROPOSED = "proposed", _("待审核")
    POSTED = "posted", _("已入账")
    REJECTED = "rejected", _("已驳回")
    REVERSED = "reversed", _("已冲正")


class ExpiryPolicy(models.TextChoices):
    NEVER = "never", _("永不过期")
    YEAR_END = "year_end", _("每年年底清零")
    KEEP_YEARS = "keep_years", _("保留 N 年")


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLIC = "public", _("公示中")
    FINAL = "final", _("已定稿")


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    UPHELD = "upheld", _("已更正")
    REJECTED = "rejected", _("不予更正")


class RewardKind(models.TextChoices):
    GOODS = "goods", _("物品")
    SERVICE = "service", _("服务")


class OrderStatus(models.TextChoices):
    PLACED = "placed", _("待领取")
    FULFILLED = "fulfilled", _("已领取")
    VOUCHER = "voucher", _("待服务")
    CONFIRMED = "confirmed", _("已服务")
    CANCELLED = "cancelled", _("已取消")
    EXPIRED = "expired", _("已过期")


class SponsorKind(models.TextChoices):
    BUSINESS = "business", _("辖区企业")
    ORGANISATION = "organisation", _("社会组织")
    INDIVIDUAL = "individual", _("个人")
