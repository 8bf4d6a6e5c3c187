"""The community a staff page works on: the one asked for (?community=, or a posted field),
if it is among the actor's, else their first; 404 when they have none or ask for another's."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from linli.places.models import Place
from linli.points.selectors import communities_for

from .params import query_int


def community_from_request(
    request: HttpRequest, action: str, *, from_lower_grants: bool = False
) -> tuple[Place, QuerySet[Place]]:
    communities = communities_for(request.user, action, from_lower_grants=from_lower_grants)
    wanted = query_int(request.GET, "community") or query_int(request.POST, "community")
    community = None
    if wanted is not None:
        community = communities.filter(pk=wanted).first()
        if community is None:
            raise Http404
    community = community or communities.first()
    if community is None:
        raise Http404
    return community, communities
