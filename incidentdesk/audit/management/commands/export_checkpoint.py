"""`incidentdesk export-checkpoint`: the latest signed checkpoint as a small JSON file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidentdesk.audit.checkpoints import checkpoint_document, latest_checkpoint, write_checkpoint


class Command(BaseCommand):
    help = (
        "Write the latest signed audit checkpoint as JSON (sequence, head hash, time, key, "
        "public key, signature) to a file or the screen. With --now, sign the head first "
        "if it moved since the last checkpoint. Check it later with "
        "verify-audit --checkpoint FILE."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", help="Write here instead of to the screen.")
        parser.add_argument(
            "--now", action="store_true", help="Sign the current head first if it moved."
        )

    def handle(self, *args: Any, file: str | None, now: bool, **options: Any) -> None:
        if now:
            write_checkpoint()
        checkpoint = latest_checkpoint()
        if checkpoint is None:
            raise CommandError(
                "There is no checkpoint yet. Run the worker, or use --now to sign one."
            )
        text = json.dumps(checkpoint_document(checkpoint), indent=2, sort_keys=True) + "\n"
        if file:
            try:
                Path(file).write_text(text)
            except OSError as exc:
                raise CommandError(f"Cannot write {file}: {exc}") from exc
            self.stderr.write(f"Checkpoint at event {checkpoint.sequence} written to {file}")
        else:
            self.stdout.write(text, ending="")
