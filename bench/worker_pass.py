"""Times one pass of the background worker with N deadlines due among all the others.

    .venv/bin/python bench/worker_pass.py --database-url sqlite:///$PWD/var/bench/bench.sqlite3

Makes `--due` open deadlines of the bench database due (next reminder a minute ago),
then times `run_pass()` (every job once: reminders, e-mails, retention) and then the
passes it takes until nothing is due. It changes the database (reminders are sent and
recorded): run it after bench/run.py, or on a copy.
"""

from __future__ import annotations

import argparse
import datetime
import os
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url", default=f"sqlite:///{ROOT / 'var' / 'bench' / 'bench.sqlite3'}"
    )
    parser.add_argument("--due", type=int, default=1000)
    args = parser.parse_args()
    os.environ.update(
        {
            "DATABASE_URL": args.database_url,
            "DEBUG": "false",  # DEBUG on would keep every query in memory
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1",
            "VAR_DIR": str(ROOT / "var" / "bench"),
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "incidentdesk.settings",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from incidentdesk.deadlines.models import Deadline
    from incidentdesk.deadlines.worker import run_pass
    from incidentdesk.incidents.models import Incident

    now = timezone.now()
    open_ids = list(
        Deadline.objects.filter(
            met_at__isnull=True, withdrawn_at__isnull=True, incident__isnull=False
        )
        .order_by("-due_at")
        .values_list("pk", flat=True)[: args.due]
    )
    made_due = Deadline.objects.filter(pk__in=open_ids).update(
        next_reminder_at=now - datetime.timedelta(minutes=1), claimed_until=None
    )
    due = Deadline.objects.filter(met_at__isnull=True, next_reminder_at__lte=timezone.now())
    print(
        f"{connection.vendor}: {Incident.objects.count():,} incidents, "
        f"{Deadline.objects.count():,} deadlines, {made_due} made due ({due.count()} due now)"
    )
    began = time.perf_counter()
    handled = run_pass()
    first = time.perf_counter() - began
    print(f"one pass: {first:.2f} s, handled {handled}")
    passes, total = 1, first
    while due.count() and passes < 100:
        began = time.perf_counter()
        run_pass()
        total += time.perf_counter() - began
        passes += 1
    print(f"all {made_due} handled in {passes} passes, {total:.2f} s of passes in all")


if __name__ == "__main__":
    main()
