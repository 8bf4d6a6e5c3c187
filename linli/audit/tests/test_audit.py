import datetime as dt

import pytest

from linli.audit.models import AuditEvent
from linli.audit.services import audit_record
from linli.core.actors import SYSTEM


@pytest.mark.django_db
def test_audit_record_writes_one_row_with_json_data(secretary, tree):
    audit_record(
        actor=secretary,
        action="x.test",
        target=tree.heping,
        place_id=tree.heping.pk,
        data={"名字": "代正菊", "when": dt.date(2023, 11, 18), "n": 10},
    )
    event = AuditEvent.objects.get(action="x.test")
    assert event.actor == secretary
    assert (event.target_type, event.target_id) == ("places.place", str(tree.heping.pk))
    assert event.data == {"名字": "代正菊", "when": "2023-11-18", "n": 10}
    assert event.created_at is not None


@pytest.mark.django_db
def test_system_and_anonymous_actors_have_no_user(tree):
    from django.contrib.auth.models import AnonymousUser

    audit_record(actor=SYSTEM, action="x.system")
    audit_record(actor=AnonymousUser(), action="x.anon")
    assert AuditEvent.objects.get(action="x.system").data == {"by": "system"}
    assert AuditEvent.objects.get(action="x.anon").actor_id is None
