"""linli jobs list | enqueue NAME… | run NAME…

``enqueue`` puts the named scheduled jobs on the task queue, for ``linli worker`` to run
(the systemd timers call this); ``run`` runs them here and now, in order. Every job is
idempotent (docs/operations.md), so enqueuing one twice sends and stores nothing new.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.ops.jobs import JOBS


class Command(BaseCommand):
    help = "Scheduled jobs: list, enqueue for the worker, or run now"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="the jobs' names")
        for action in ("enqueue", "run"):
            cmd = sub.add_parser(action, help=f"{action} jobs, in the order given")
            cmd.add_argument("names", nargs="+", metavar="NAME")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for name, job in JOBS.items():
                self.stdout.write(f"{name}\t{job.module_path}")
            return
        unknown = [n for n in options["names"] if n not in JOBS]
        if unknown:
            raise CommandError(f"no such job: {', '.join(unknown)} (known: {', '.join(JOBS)})")
        for name in options["names"]:
            if options["action"] == "enqueue":
                result = JOBS[name].enqueue()
                self.stdout.write(f"{name}: enqueued as {result.id}")
            else:
                self.stdout.write(f"{name}: {JOBS[name].call()}")
