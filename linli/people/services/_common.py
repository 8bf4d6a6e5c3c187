from __future__ import annotations

from django.utils.translation import gettext as _

from linli.core.actors import Actor
from linli.core.errors import NotFound
from linli.places.models import Place

from .. import policies


def require(actor: Actor, action: str, place: Place | None) -> None:
    """Refuse unless the actor may ``action`` at ``place``; outside their places it is 404."""
    if not policies.can(actor, action, place):
        raise NotFound(_("找不到该对象，或您无权操作"))
