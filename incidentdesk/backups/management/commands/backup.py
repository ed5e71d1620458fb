"""`incidentdesk backup PATH`: the whole installation in one encrypted archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidentdesk.backups.crypto import create_key_file
from incidentdesk.backups.services import BackupKeyError, key_from_environment, make_backup


def size_text(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} bytes"


class Command(BaseCommand):
    help = (
        "Write the database, every stored file, a manifest of their SHA-256 hashes and the "
        "latest audit checkpoint into one encrypted archive. The key comes from "
        "BACKUP_KEY_FILE (or --key-file) or the passphrase in BACKUP_PASSPHRASE. See "
        "docs/backup-and-restore.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path",
            nargs="?",
            help="The archive to write, or a folder to write a dated archive into.",
        )
        parser.add_argument("--key-file", help="The backup key file (default: BACKUP_KEY_FILE).")
        parser.add_argument(
            "--new-key-file",
            metavar="FILE",
            help="Make a new random key file (readable by its owner only) and stop.",
        )

    def handle(self, *args: Any, path: str | None, key_file: str | None, **options: Any):
        if options["new_key_file"]:
            target = Path(options["new_key_file"])
            try:
                create_key_file(target)
            except FileExistsError as exc:
                raise CommandError(f"{target} exists already: a key is never overwritten.") from exc
            self.stdout.write(
                f"New backup key written to {target}. Keep a copy away from the backups "
                "(see docs/backup-and-restore.md): without it no backup can be restored."
            )
            return
        if not path:
            raise CommandError("Name the archive to write, or a folder to write it into.")
        try:
            key = key_from_environment(key_file=key_file)
        except BackupKeyError as exc:
            raise CommandError(str(exc)) from exc
        report = make_backup(Path(path), key)
        checkpoint = (
            f"latest checkpoint at event {report.checkpoint_sequence}"
            if report.checkpoint_sequence is not None
            else "no checkpoint yet"
        )
        self.stdout.write(
            f"Backup written to {report.path}: {report.rows} rows in {report.tables} tables, "
            f"{report.files} files, {size_text(report.size)}, in {report.seconds:.1f} s. "
            f"Audit log at event {report.audit_sequence}, {checkpoint}."
        )
