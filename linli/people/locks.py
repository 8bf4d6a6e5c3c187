from __future__ import annotations

from .models import Resident, User


def lock_resident(pk: int) -> Resident:
    return Resident.objects.select_for_update().get(pk=pk)


def lock_user(pk: int) -> User:
    return User.objects.select_for_update().get(pk=pk)
