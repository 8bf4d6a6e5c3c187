"""Row locks for activities, always taken in one order: the activity row first, then its
sign-ups and attendances (by primary key), then a volunteer's correction. Points' own locks
(resident accounts) are taken by the points services in their own transactions, after the
activity's transaction has committed. Nothing does network or file I/O while holding them."""

from __future__ import annotations

from .models import Activity, Correction


def lock_activity(pk: int) -> Activity:
    return (
        Activity.objects.select_for_update(of=("self",))
        .select_related("community", "rule", "team")
        .get(pk=pk)
    )


def lock_correction(pk: int) -> Correction:
    return Correction.objects.select_for_update().get(pk=pk)
