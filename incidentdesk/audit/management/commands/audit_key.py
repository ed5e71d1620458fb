"""`incidentdesk audit-key`: create the audit signing key, or show its public key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidentdesk.audit.checkpoints import (
    create_key_file,
    key_id,
    public_key_text,
    read_key_file,
)


class Command(BaseCommand):
    help = (
        "Create the Ed25519 key that signs audit checkpoints (in AUDIT_SIGNING_KEY_FILE, or "
        "the file given), readable by its owner only, and print its public key. With an "
        "existing key, print its public key. Keep the public key somewhere else too: "
        "verify-audit --public-key takes it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", help="Where the private key is (default: the setting).")

    def handle(self, *args: Any, file: str | None, **options: Any) -> None:
        path = Path(file or settings.AUDIT_SIGNING_KEY_FILE)
        if path.exists():
            private = read_key_file(path)
            created = False
        else:
            try:
                private = create_key_file(path)
            except OSError as exc:
                raise CommandError(f"Cannot create {path}: {exc}") from exc
            created = True
        public = private.public_key()
        verb = "Created" if created else "Using"
        self.stderr.write(f"{verb} the audit signing key in {path}")
        self.stderr.write(f"Key id: {key_id(public)}")
        self.stdout.write(public_key_text(public))
