"""`incidentdesk verify-audit`: re-compute the audit chain and check its signed checkpoints.

Exits 1 naming the first bad event or checkpoint.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from incidentdesk.audit.checkpoints import uncovered_since, verify_checkpoints, verify_document
from incidentdesk.audit.selectors import verify_chain


def _when(value: Any) -> str:
    return f"{timezone.localtime(value):%d %B %Y %H:%M %Z}"


class Command(BaseCommand):
    help = (
        "Re-compute every audit event's digest and hash and the end of the log, then check "
        "every signed checkpoint: its signature, and that the log still holds the signed "
        "hash at its event. Exits 0 when all is intact, or 1 naming the first event that "
        "was altered, deleted, inserted or reordered, and every checkpoint that fails."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint",
            action="append",
            default=[],
            metavar="FILE",
            help="Also check an exported checkpoint file (from export-checkpoint or the "
            "DPO's e-mail). May be given more than once.",
        )
        parser.add_argument(
            "--public-key",
            action="append",
            default=[],
            metavar="BASE64",
            help="Also trust this public key (as printed by audit-key), e.g. where the "
            "signing key file cannot be read.",
        )

    def handle(self, *args: Any, checkpoint: list[str], public_key: list[str], **options: Any):
        failed = False
        chain = verify_chain()
        if chain.ok:
            erased = f" ({chain.erased} with personal content erased)" if chain.erased else ""
            self.stdout.write(f"Audit log verified: {chain.checked} events, chain intact.{erased}")
        else:
            failed = True
            self.stderr.write(
                f"Audit log verification FAILED after {chain.checked} good events: {chain.problem}"
            )

        checkpoints = verify_checkpoints(extra_keys=public_key)
        for problem in checkpoints.problems:
            self.stderr.write(f"Checkpoint FAILED: {problem}")
        if checkpoints.problems:
            failed = True
            self.stderr.write(
                f"{len(checkpoints.problems)} of {checkpoints.checked} checkpoints failed."
            )
        elif checkpoints.latest is not None:
            self.stdout.write(
                f"Checkpoints verified: {checkpoints.checked} signed, each matching the log "
                f"(latest at event {checkpoints.latest['sequence']}, "
                f"{_when(checkpoints.latest['created_at'])})."
            )
        elif chain.checked and chain.ok:
            self.stdout.write("No checkpoints yet: the worker writes one every few minutes.")

        for name in checkpoint:
            try:
                document = json.loads(Path(name).read_text())
            except (OSError, ValueError) as exc:
                problem = f"cannot read it as JSON ({exc})"
            else:
                problem = (
                    verify_document(document, extra_keys=public_key)
                    if isinstance(document, dict)
                    else "it is not a checkpoint"
                )
            if problem:
                failed = True
                self.stderr.write(f"Checkpoint file {name} FAILED: {problem}")
            else:
                self.stdout.write(f"Checkpoint file {name} verified: it matches the log.")

        if chain.ok and not checkpoints.problems:
            oldest = uncovered_since()
            if oldest is not None:
                self.stdout.write(
                    f"Warning: events since {_when(oldest)} are not covered by a checkpoint "
                    "yet. Check that the worker is running."
                )
        if failed:
            # SystemExit rather than CommandError, so call_command() exits non-zero too.
            sys.exit(1)
