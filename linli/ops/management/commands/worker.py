"""linli worker: runs the task queue (django-tasks' database worker), every queue, no
auto-reload. Same options as ``db_worker`` (``--batch`` to drain the queue and exit)."""

from __future__ import annotations

from argparse import ArgumentParser

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand


class Command(DbWorkerCommand):
    help = "Run the background task worker (database queue)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*", reload=False)
