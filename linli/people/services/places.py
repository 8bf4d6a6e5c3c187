from __future__ import annotations

from django.db import transaction

from linli.audit.services import audit_record
from linli.core.actors import Actor
from linli.places.models import Place
from linli.places.services import place_create

from ..policies import Action
from ._common import require


def place_add(
    *,
    actor: Actor,
    parent: Place,
    kind: str,
    name: str,
    code: str = "",
    unit: str = "",
    room: str = "",
) -> Place:
    """Staff add a compound, building or household under a place they manage."""
    require(actor, Action.PLACE_ADD, parent)
    with transaction.atomic(durable=True):
        place = place_create(parent=parent, kind=kind, name=name, code=code, unit=unit, room=room)
        audit_record(
            actor=actor,
            action="place.add",
            target=place,
            place_id=place.pk,
            data={"name": place.name, "kind": kind, "parent": parent.pk},
        )
    return place
