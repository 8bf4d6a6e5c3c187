"""The task queue: jobs enqueued in the database, run by the worker, counted in /healthz."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from linli.ops.jobs import JOBS


@pytest.mark.django_db
def test_jobs_enqueue_puts_tasks_on_the_database_queue_and_healthz_counts_them(client):
    assert client.get(reverse("healthz")).json()["tasks"]["ready"] == 0
    call_command("jobs", "enqueue", "chase", "remind", "digest")
    rows = list(DBTaskResult.objects.order_by("enqueued_at"))
    assert [r.task_path for r in rows] == [
        JOBS[n].module_path for n in ("chase", "remind", "digest")
    ]
    assert {r.status for r in rows} == {TaskResultStatus.READY}
    tasks = client.get(reverse("healthz")).json()["tasks"]
    assert tasks["ready"] == 3 and tasks["running"] == 0 and tasks["failed"] == 0
    assert tasks["oldest_wait_seconds"] >= 0


@pytest.mark.django_db(transaction=True)
def test_worker_runs_the_queue_and_the_digest_is_sent(mailoutbox):
    from linli.notifications.services import notify
    from tests.factories import UserFactory

    user = UserFactory(phone="13900000091", email="li@example.cn")
    notify([user], kind="test", text="有新的事项", url="/")
    call_command("jobs", "enqueue", "digest", "expire")
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
    rows = DBTaskResult.objects.all()
    assert {r.status for r in rows} == {TaskResultStatus.SUCCESSFUL}
    digest = rows.get(task_path=JOBS["digest"].module_path)
    assert digest.return_value == 1
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["li@example.cn"]
    # Idempotent: run again, nothing new is mailed.
    call_command("jobs", "run", "digest")
    assert len(mailoutbox) == 1


def test_unknown_job_is_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no such job"):
        call_command("jobs", "enqueue", "nope")
