"""The quarterly cycle: 一季度一公示 (publication) and 一季度一兑换 (the shop and its orders)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core.text import int_bounds

from ..choices import ObjectionStatus, OrderStatus, PublicationStatus, RewardKind, SponsorKind
from ..limits import MAX_PER_RESIDENT, MAX_POINTS, MAX_QUANTITY, MAX_STOCK


class Publication(models.Model):
    """A quarter's public points list. Its lines are a snapshot taken when it is published
    (and again when it is republished after objections); once final it never changes and
    carries the SHA-256 ``digest`` of its canonical content (``canonical``)."""

    community = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区")
    )
    year = models.PositiveSmallIntegerField(_("年"), validators=int_bounds(2000, 2100))
    quarter = models.PositiveSmallIntegerField(_("季度"), validators=int_bounds(1, 4))
    period_start = models.DateField(_("季度开始"))
    period_end = models.DateField(_("季度结束（不含）"))
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
    )
    edition = models.PositiveSmallIntegerField(_("版次"), default=0)
    public_from = models.DateTimeField(_("公示开始"), null=True, blank=True)
    public_until = models.DateTimeField(_("公示截止"), null=True, blank=True)
    finalized_at = models.DateTimeField(_("定稿时间"), null=True, blank=True)
    digest = models.CharField(_("摘要 SHA-256"), max_length=64, blank=True)
    canonical = models.TextField(_("定稿内容"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("积分公示")
        verbose_name_plural = _("积分公示")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "year", "quarter"], name="publication_once_per_quarter"
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4), name="publication_quarter_1_4"
            ),
            models.CheckConstraint(
                condition=~Q(status="final") | ~Q(digest=""), name="final_publication_digest"
            ),
        ]
        indexes = [models.Index(fields=["digest"])]

    def __str__(self) -> str:
        return f"{self.year}Q{self.quarter}"


class PublicationLine(models.Model):
    """One resident's line on a published list: masked name (or 居民 N without consent),
    building, points earned in the quarter by category, and the balance at the quarter's end.
    Rewritten whole on (re)publication; never edited one by one."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="lines")
    resident = models.ForeignKey(
        "people.Resident", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    position = models.PositiveIntegerField(_("序号"))
    display_name = models.CharField(_("公示姓名"), max_length=40)
    building = models.CharField(_("楼栋"), max_length=80)
    earned = models.IntegerField(_("本季度获得"))
    by_category = models.JSONField(_("分类"), default=dict)
    balance = models.IntegerField(_("余额"))

    class Meta:
        verbose_name = _("公示行")
        verbose_name_plural = _("公示行")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "resident"], name="publication_line_once"
            ),
        ]
        indexes = [models.Index(fields=["publication", "position"])]

    def __str__(self) -> str:
        return f"{self.position}. {self.display_name}"


class Objection(models.Model):
    """A resident's objection to a line during the public period, and how staff settled it
    (an upheld objection is corrected through the ledger, never by editing the list)."""

    publication = models.ForeignKey(
        Publication, on_delete=models.PROTECT, related_name="objections"
    )
    subject = models.ForeignKey(
        "people.Resident",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("被异议的居民"),
    )
    objector = models.ForeignKey(
        "people.Resident", on_delete=models.PROTECT, related_name="+", verbose_name=_("异议人")
    )
    reason = models.CharField(_("理由"), max_length=300)
    status = models.CharField(
        _("状态"), max_length=16, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    response = models.CharField(_("处理意见"), max_length=300, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    settled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        indexes = [models.Index(fields=["publication", "status"])]

    def __str__(self) -> str:
        return f"{self.publication} · {self.get_status_display()}"


class Sponsor(models.Model):
    """A business or donor that funds rewards (通过辖区企业及社会各界的赞助变现成物品)."""

    community = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区")
    )
    name = models.CharField(_("名称"), max_length=80)
    kind = models.CharField(
        _("类型"), max_length=16, choices=SponsorKind.choices, default=SponsorKind.BUSINESS
    )
    contact_name = models.CharField(_("联系人"), max_length=32, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    address = models.CharField(_("地址"), max_length=120, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sponsors",
        verbose_name=_("商家账号"),
    )
    thanks_public = models.BooleanField(_("在感谢名单中公开"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("赞助方")
        verbose_name_plural = _("赞助方")
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="sponsor_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Pledge(models.Model):
    """What a sponsor pledged for a quarter (items, services, value) and what it delivered."""

    sponsor = models.ForeignKey(Sponsor, on_delete=models.PROTECT, related_name="pledges")
    year = models.PositiveSmallIntegerField(_("年"), validators=int_bounds(2000, 2100))
    quarter = models.PositiveSmallIntegerField(_("季度"), validators=int_bounds(1, 4))
    description = models.CharField(_("赞助内容"), max_length=200)
    value_yuan = models.DecimalField(
        _("折合金额（元）"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    delivered_at = models.DateTimeField(_("交付时间"), null=True, blank=True)
    delivered_note = models.CharField(_("交付说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("赞助承诺")
        verbose_name_plural = _("赞助承诺")
        constraints = [
            models.CheckConstraint(condition=Q(value_yuan__gte=0), name="pledge_value_nonneg"),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4), name="pledge_quarter_1_4"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sponsor} {self.year}Q{self.quarter}"


class Reward(models.Model):
    """An item in the 积分超市: goods (口罩, 水杯 …) or a service (理发, 家电维修 …)."""

    community = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区")
    )
    sponsor = models.ForeignKey(
        Sponsor,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rewards",
        verbose_name=_("赞助方"),
    )
    kind = models.CharField(_("类型"), max_length=16, choices=RewardKind.choices)
    name = models.CharField(_("名称"), max_length=60)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    photo = models.ImageField(_("图片"), upload_to="points/rewards/", blank=True)
    price = models.PositiveIntegerField(_("所需积分"), validators=int_bounds(1, MAX_POINTS))
    stock = models.IntegerField(_("库存/名额"), validators=int_bounds(0, MAX_STOCK))
    per_resident_limit = models.PositiveIntegerField(
        _("每人每季度限兑"), null=True, blank=True, validators=int_bounds(1, MAX_PER_RESIDENT)
    )
    active = models.BooleanField(_("上架"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("兑换商品")
        verbose_name_plural = _("兑换商品")
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="reward_stock_nonneg"),
            models.CheckConstraint(condition=Q(price__gte=1), name="reward_price_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class RedemptionWindow(models.Model):
    """一季度一兑换: the period after a quarter's list is final in which residents redeem."""

    community = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区")
    )
    publication = models.OneToOneField(Publication, on_delete=models.PROTECT, related_name="window")
    opens_at = models.DateTimeField(_("开始"))
    closes_at = models.DateTimeField(_("结束"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("兑换期")
        verbose_name_plural = _("兑换期")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="window_closes_after_open"
            ),
        ]
        indexes = [models.Index(fields=["community", "opens_at"])]

    def __str__(self) -> str:
        return f"{self.publication} {self.opens_at:%Y-%m-%d}–{self.closes_at:%Y-%m-%d}"


class Order(models.Model):
    """A redemption: points (a posting to the community's redemption account) and stock,
    taken in one transaction. Goods are handed over by staff; a service gives a voucher the
    sponsor confirms. Cancelled or expired orders return their points by a new posting."""

    community = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    window = models.ForeignKey(RedemptionWindow, on_delete=models.PROTECT, related_name="orders")
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="orders")
    resident = models.ForeignKey(
        "people.Resident", on_delete=models.PROTECT, related_name="orders", db_index=False
    )
    quantity = models.PositiveIntegerField(
        _("数量"), default=1, validators=int_bounds(1, MAX_QUANTITY)
    )
    points = models.PositiveIntegerField(_("积分"))
    status = models.CharField(_("状态"), max_length=16, choices=OrderStatus.choices)
    posting = models.OneToOneField("points.Posting", on_delete=models.PROTECT, related_name="order")
    refund_posting = models.OneToOneField(
        "points.Posting",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunded_order",
    )
    voucher_code = models.CharField(_("兑换码"), max_length=16, null=True, blank=True)
    idempotency_key = models.CharField(max_length=120)
    request_hash = models.CharField(max_length=64)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    placed_at = models.DateTimeField(_("下单时间"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("办结人"),
    )
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    close_note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("兑换订单")
        verbose_name_plural = _("兑换订单")
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="order_key_unique"),
            models.UniqueConstraint(fields=["voucher_code"], name="order_voucher_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_quantity_positive"),
        ]
        indexes = [
            models.Index(fields=["resident", "reward", "placed_at"]),
            models.Index(fields=["community", "status"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.reward_id} × {self.quantity}"
