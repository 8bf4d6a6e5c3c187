"""linli restore BACKUP_DIR --database-url URL [--media-root DIR]

Restores a ``linli backup`` into an EMPTY database (and the media into an empty directory),
then compares every table's row count with the manifest and runs ``linli points verify`` on
the restored database. Exits 1 when anything differs. See linli/ops/backup.py.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.ops.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup into an empty database, then verify the ledger and row counts"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", type=Path, help="a backup directory (linli-…)")
        parser.add_argument(
            "--database-url", required=True, help="the new, empty database (as its owner)"
        )
        parser.add_argument(
            "--media-root",
            type=Path,
            default=None,
            help="where the media go (an empty directory; default: MEDIA_ROOT)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        media_root = options["media_root"] or Path(settings.MEDIA_ROOT)
        try:
            report = restore(
                options["source"], database_url=options["database_url"], media_root=media_root
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        total = sum(report.rows.values())
        self.stdout.write(
            f"restored {len(report.rows)} tables, {total} rows, {report.media_files} media files"
        )
        for table in ("points_entry", "points_posting", "points_award", "people_user"):
            if table in report.rows:
                self.stdout.write(f"  {table}: {report.rows[table]}")
        for mismatch in report.mismatches:
            self.stderr.write(f"ROWS {mismatch}")
        self.stdout.write(f"points verify: {report.verify_output}")
        if not report.ok:
            self.stderr.write("restore check FAILED")
            sys.exit(1)
        self.stdout.write("restore check OK: every table's rows match, the ledger verifies")
