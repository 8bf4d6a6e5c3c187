from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import ANCESTOR_KINDS, PlaceKind

if TYPE_CHECKING:
    from django.db.models import QuerySet


def within_q(place: Place, prefix: str = "") -> Q:
    """Q for rows at or below ``place``; ``prefix`` is the path to a Place FK ("household__")."""
    if place.kind == PlaceKind.HOUSEHOLD:
        return Q(**{f"{prefix}pk" if prefix else "pk": place.pk})
    return Q(**{f"{prefix}{place.kind}_id": place.pk})


def within_any_q(places: Iterable[Place], prefix: str = "") -> Q:
    """Q for rows at or below any of ``places``; an empty iterable matches nothing."""
    q = Q(pk__in=[])
    for place in places:
        q |= within_q(place, prefix)
    return q


class PlaceQuerySet(models.QuerySet["Place"]):
    def within(self, place: Place) -> QuerySet[Place]:
        return self.filter(within_q(place))

    def within_any(self, places: Iterable[Place]) -> QuerySet[Place]:
        return self.filter(within_any_q(places))

    def of_kind(self, kind: str) -> QuerySet[Place]:
        return self.filter(kind=kind)


class Place(models.Model):
    """A node of the place tree: 市 → 区/县 → 街道/乡镇 → 社区/村 → 小区 → 楼栋 → 户.

    Every row knows its ancestors by kind (``city``, ``district`` … ``building``) and points
    to itself in its own kind's column, so "everything under X" is one indexed equality:
    ``Place.objects.filter(community=X)``. Services (``place_create``) keep these columns.
    """

    kind = models.CharField(_("层级"), max_length=16, choices=PlaceKind.choices, db_index=True)
    name = models.CharField(_("名称"), max_length=64)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    code = models.CharField(
        _("区划代码"),
        max_length=12,
        blank=True,
        help_text=_("GB/T 2260 行政区划代码或统计用区划代码，没有则留空"),
    )
    # Households only: the unit (单元) and room (房号) as residents' sheets spell them.
    unit = models.CharField(_("单元"), max_length=16, blank=True)
    room = models.CharField(_("房号"), max_length=16, blank=True)

    city = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    street = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    compound = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    building = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    created_at = models.DateTimeField(auto_now_add=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("地点")
        verbose_name_plural = _("地点")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="place_name_unique_in_parent"),
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(parent__isnull=True),
                name="place_root_name_unique",
            ),
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code=""), name="place_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def ancestor_ids(self) -> list[int]:
        """Ids of this place's ancestors and itself, root first (no tree walk)."""
        ids = [getattr(self, f"{k}_id") for k in ANCESTOR_KINDS]
        out = [i for i in ids if i is not None]
        if self.kind == PlaceKind.HOUSEHOLD:
            out.append(self.pk)
        return out

    def path(self) -> list[Place]:
        """Ancestors and itself, root first, in one query."""
        ids = self.ancestor_ids()
        by_id = {p.pk: p for p in Place.objects.filter(pk__in=ids)}
        return [by_id[i] for i in ids if i in by_id]

    def full_name(self) -> str:
        return "".join(p.name for p in self.path()[3:]) or self.name

    def is_within(self, other: Place) -> bool:
        """True when self is ``other`` or lies below it."""
        if other.kind == PlaceKind.HOUSEHOLD:
            return self.pk == other.pk
        return getattr(self, f"{other.kind}_id", None) == other.pk
