"""`incidentdesk verify-audit`: re-compute the audit chain; exit 1 naming the first bad event."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from incidentdesk.audit.selectors import verify_chain


class Command(BaseCommand):
    help = (
        "Re-compute every audit event's digest and hash and the end of the log. Exits 0 "
        "when the chain is intact, or 1 naming the first event that was altered, deleted, "
        "inserted or reordered."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_chain()
        if not result.ok:
            self.stderr.write(
                f"Audit log verification FAILED after {result.checked} good events: "
                f"{result.problem}"
            )
            # SystemExit rather than CommandError, so call_command() exits non-zero too.
            sys.exit(1)
        self.stdout.write(f"Audit log verified: {result.checked} events, chain intact.")
