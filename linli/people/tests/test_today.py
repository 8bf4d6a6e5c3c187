"""今天要办 for people: a resident import left in preview waits for staff of its community
until it is committed; another community's staff never count it."""

from __future__ import annotations

import pytest

from linli.people import selectors_today as today
from linli.people.models import ResidentImport
from linli.people.services import resident_import_commit

from .test_imports import good_rows, preview, xlsx

pytestmark = pytest.mark.django_db


def test_import_left_in_preview(tree, secretary, staff, outsider, leader):
    assert today.today_for_staff(secretary) == [today.TodayItem(today.IMPORTS_PREVIEW, 0)]
    imp = preview(secretary, tree.heping, xlsx(good_rows()))
    (item,) = today.today_for_staff(staff)
    assert (item.count, item.first) == (1, imp.pk)
    (elsewhere,) = today.today_for_staff(outsider)
    assert elsewhere.count == 0
    assert today.today_for_staff(leader) == []  # leaders do not import
    resident_import_commit(actor=staff, import_id=imp.pk)
    assert ResidentImport.objects.get(pk=imp.pk).status == "committed"
    (item,) = today.today_for_staff(secretary)
    assert item.count == 0
