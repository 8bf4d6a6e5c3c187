"""linli backup --to DIR [--keep N] [--no-media]

Writes ``DIR/linli-<UTC time>/`` with ``db.dump`` (pg_dump, custom format), ``media.tar.gz``
and ``manifest.json`` (checksums and every table's row count); see linli/ops/backup.py.
Prints the directory. ``--keep N`` deletes all but the newest N backups in DIR.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.ops.backup import BackupError, backup, read_manifest


class Command(BaseCommand):
    help = "Back up the database (pg_dump) and the media, with a manifest of checksums"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", required=True, type=Path, help="directory for backups")
        parser.add_argument("--keep", type=int, default=0, help="keep only the newest N")
        parser.add_argument("--no-media", action="store_true", help="the database only")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            target = backup(options["to"], media=not options["no_media"], keep=options["keep"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = read_manifest(target)
        rows = sum(manifest["rows"].values())
        size = sum(f["bytes"] for f in manifest["files"].values())
        self.stdout.write(f"{target} ({len(manifest['rows'])} tables, {rows} rows, {size} bytes)")
