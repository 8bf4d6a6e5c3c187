"""The system actor: management commands (the demo loader, imports run by operators from the
command line) act as SYSTEM. Policies allow it everything; audit rows record it with no user.
"""

from __future__ import annotations


class SystemActor:
    is_system = True
    is_authenticated = True
    is_active = True
    pk = None
    id = None
    name = "system"

    def __repr__(self) -> str:
        return "<SYSTEM>"


SYSTEM = SystemActor()


def is_system(actor: object) -> bool:
    return bool(getattr(actor, "is_system", False))
