"""Whose board (看板) it is, and which rows it counts: the *scope* of a board.

- an **area board** for whoever may view matters on places (``policies.MatterAction.VIEW``:
  a building leader — their buildings; community staff and secretaries — their community;
  a supervisor — everything below their street, district or city). It counts the matters
  whose place lies in that area, the referrals, ratings and rectifications of those
  matters. (A leader's own resident view — their compound's matters, those they follow —
  is not part of their board: the board is about the places they answer for.)
- a **department board** for a department's handler (``部门经办人``), with no area role or
  asking for it (``department=``): the matters referred to the department at some time, the
  department's own referrals, and the ratings and rectifications of what it handled
  (``Rating.department``).
- anyone else (a resident, anonymous) has no board: ``NotFound``.

A ``place`` narrows a board to the matters at or below it; it must lie within the area (for
a department, within the department's own district/city); anything else is ``NotFound``.

The figures a scope yields: ``selectors_boards``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from linli.core.actors import Actor, is_system
from linli.core.errors import NotFound
from linli.core.texts import list_separator
from linli.people.models import Department
from linli.places.choices import KIND_ORDER, PlaceKind
from linli.places.models import Place
from linli.places.models.place import within_any_q, within_q

from . import policies
from .choices import (
    OPEN_STATES,
    REFERRAL_OPEN_STATES,
)
from .models import (
    Flag,
    Matter,
    Rating,
    Rectification,
    Referral,
)

OPEN = sorted(OPEN_STATES)
REFERRAL_OPEN = sorted(REFERRAL_OPEN_STATES)
ABOVE_COMMUNITY = frozenset({PlaceKind.CITY, PlaceKind.DISTRICT, PlaceKind.STREET})

AREA = "area"
DEPARTMENT = "department"


@dataclass(frozen=True)
class BoardScope:
    """Whose board: an area (``roots``: the places the actor views matters on) or the
    ``departments`` the actor handles; ``place`` narrows it (None: all of it)."""

    kind: str  # AREA or DEPARTMENT
    roots: tuple[Place, ...]
    departments: tuple[Department, ...] = ()
    place: Place | None = None

    @property
    def title(self) -> str:
        return self.place.name if self.place is not None else self.whole_title

    @property
    def whole_title(self) -> str:
        """The board's name without the place filter: the area's places or departments."""
        if self.kind == DEPARTMENT:
            return list_separator().join(str(d) for d in self.departments)
        return list_separator().join(p.name for p in self.roots)

    @property
    def spans_communities(self) -> bool:
        """Whether the board covers more than one community (then a per-community table)."""
        if self.place is not None:
            return self.place.kind in ABOVE_COMMUNITY
        if self.kind == DEPARTMENT:
            return True
        return len(self.roots) > 1 or any(p.kind in ABOVE_COMMUNITY for p in self.roots)

    def _place_q(self, prefix: str) -> Q:
        return within_q(self.place, prefix) if self.place is not None else Q()

    def matters(self) -> QuerySet[Matter]:
        if self.kind == DEPARTMENT:
            referred = Referral.objects.filter(department__in=self.departments).values("matter_id")
            return Matter.objects.filter(self._place_q("place__"), pk__in=referred)
        return Matter.objects.filter(within_any_q(self.roots, "place__"), self._place_q("place__"))

    def open_matters(self) -> QuerySet[Matter]:
        rows = self.matters().filter(state__in=OPEN)
        if self.kind == DEPARTMENT:
            holding = Referral.objects.filter(
                department__in=self.departments, state__in=REFERRAL_OPEN
            ).values("matter_id")
            rows = rows.filter(pk__in=holding)
        return rows

    def referrals(self) -> QuerySet[Referral]:
        if self.kind == DEPARTMENT:
            return Referral.objects.filter(
                self._place_q("matter__place__"), department__in=self.departments
            )
        return Referral.objects.filter(
            within_any_q(self.roots, "matter__place__"), self._place_q("matter__place__")
        )

    def ratings(self) -> QuerySet[Rating]:
        if self.kind == DEPARTMENT:
            return Rating.objects.filter(
                self._place_q("matter__place__"), department__in=self.departments
            )
        return Rating.objects.filter(
            within_any_q(self.roots, "matter__place__"), self._place_q("matter__place__")
        )

    def flags(self) -> QuerySet[Flag]:
        if self.kind == DEPARTMENT:
            return Flag.objects.filter(matter__in=self.matters().values("pk"))
        return Flag.objects.filter(
            within_any_q(self.roots, "matter__place__"), self._place_q("matter__place__")
        )

    def rectifications(self) -> QuerySet[Rectification]:
        if self.kind == DEPARTMENT:
            return Rectification.objects.filter(
                self._place_q("matter__place__"), rating__department__in=self.departments
            )
        return Rectification.objects.filter(
            within_any_q(self.roots, "matter__place__"), self._place_q("matter__place__")
        )


def _area_roots(actor: Actor | None) -> list[Place]:
    roots = policies.places_for(actor, policies.MatterAction.VIEW)
    # A grant below another grant's place adds nothing.
    return [p for p in roots if not any(p is not o and p.is_within(o) for o in roots)]


def has_board(actor: Actor | None) -> bool:
    """Whether the actor has a board at all (for a menu link)."""
    return bool(_area_roots(actor) or policies.handler_department_ids(actor))


def board_scope(
    actor: Actor | None, *, place: Place | int | None = None, department: int | None = None
) -> BoardScope:
    """The actor's board: their area, or (``department=``, or with no area role) the
    departments they handle; narrowed to ``place``. NotFound for anyone without a board, a
    department they do not handle or a place outside the board."""
    if is_system(actor):
        raise NotFound(_("没有可查看的看板"))
    roots = _area_roots(actor)
    handled = policies.handler_department_ids(actor)
    if department is not None:
        if department not in handled:
            raise NotFound(_("找不到该部门"))
        scope = BoardScope(
            DEPARTMENT, (), tuple(Department.objects.filter(pk=department).select_related("place"))
        )
    elif roots:
        scope = BoardScope(AREA, tuple(roots))
    elif handled:
        scope = BoardScope(
            DEPARTMENT,
            (),
            tuple(Department.objects.filter(pk__in=handled).select_related("place").order_by("pk")),
        )
    else:
        raise NotFound(_("没有可查看的看板"))
    if place is None:
        return scope
    if isinstance(place, int):
        found = Place.objects.filter(pk=place).first()
        if found is None:
            raise NotFound(_("找不到该地点"))
        place = found
    allowed = scope.roots if scope.kind == AREA else tuple(d.place for d in scope.departments)
    if place.kind == PlaceKind.HOUSEHOLD or not any(place.is_within(r) for r in allowed):
        raise NotFound(_("找不到该地点"))
    return BoardScope(scope.kind, scope.roots, scope.departments, place)


def board_places(scope: BoardScope) -> list[Place]:
    """The places offered by the board's place picker: for an area, each root and the
    places two levels below it (a community: its compounds and buildings; a street: its
    communities and their compounds); for a department, the communities of the matters
    referred to it. Any place within the board may still be asked for by id."""
    if scope.kind == DEPARTMENT:
        ids = (
            Matter.objects.filter(
                pk__in=Referral.objects.filter(department__in=scope.departments).values("matter_id")
            )
            .values("community_id")
            .distinct()
        )
        return list(Place.objects.filter(pk__in=ids).order_by("name", "pk"))
    rows: list[Place] = []
    for root in scope.roots:
        depth = KIND_ORDER.index(root.kind)
        kinds = [k for k in KIND_ORDER[depth : depth + 3] if k != PlaceKind.HOUSEHOLD]
        found = Place.objects.filter(within_q(root), kind__in=kinds).order_by(
            F("district_id").asc(nulls_first=True),
            F("street_id").asc(nulls_first=True),
            F("community_id").asc(nulls_first=True),
            F("compound_id").asc(nulls_first=True),
            F("building_id").asc(nulls_first=True),
            "pk",
        )
        rows.extend(found[:500])
    return rows
