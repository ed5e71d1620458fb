"""`incidentdesk restore PATH`: rebuild an empty installation from a backup archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidentdesk.backups.crypto import ArchiveDamaged, BackupKeyError
from incidentdesk.backups.services import RestoreRefused, key_from_environment, restore_backup


class Command(BaseCommand):
    help = (
        "Rebuild this installation's database and stored files from a backup made by "
        "`incidentdesk backup`, then verify the audit log. Stop the web server and the "
        "worker first. Refuses an installation that holds data unless --force. The key "
        "comes from BACKUP_KEY_FILE (or --key-file) or BACKUP_PASSPHRASE."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The archive to restore.")
        parser.add_argument("--key-file", help="The backup key file (default: BACKUP_KEY_FILE).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the data this installation holds now. It cannot be undone.",
        )
        parser.add_argument(
            "--public-key",
            action="append",
            default=[],
            metavar="BASE64",
            help="Trust this audit signing public key when checking the checkpoints.",
        )

    def handle(self, *args: Any, path: str, key_file: str | None, **options: Any) -> None:
        archive = Path(path)
        if not archive.is_file():
            raise CommandError(f"There is no backup at {archive}.")
        try:
            key = key_from_environment(key_file=key_file)
            report = restore_backup(
                archive, key, force=options["force"], public_keys=options["public_key"]
            )
        except (BackupKeyError, ArchiveDamaged, RestoreRefused) as exc:
            raise CommandError(f"Nothing was restored. {exc}") from exc
        self.stdout.write(
            f"Restored {report.rows} rows in {report.tables} tables and {report.files} files "
            f"in {report.seconds:.1f} s ({report.migrate_seconds:.1f} s of it creating the "
            "database tables)."
        )
        self.stdout.write(
            f"Audit log verified: {report.audit_events} events, chain intact; "
            f"{report.checkpoints} checkpoints; {report.evidence_checked} stored files "
            "checked against their recorded SHA-256."
        )
        for warning in report.warnings:
            self.stderr.write(f"Warning: {warning}")
        self.stdout.write(
            "Everyone signs in again. Start the web server and the worker, then run "
            "`incidentdesk rebuild_statistics` if the dashboards look out of date."
        )
