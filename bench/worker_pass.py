"""Times one pass of the background worker with N deadlines due among all the others.

    cp var/bench/bench-100000.sqlite3 /tmp/worker-bench.sqlite3   # it changes the database
    .venv/bin/python bench/worker_pass.py --database-url sqlite:////tmp/worker-bench.sqlite3

Makes `--due` open deadlines of the bench database due (next reminder a minute ago: the
ones due last, so most are reminders, and a share of overdue ones are escalations), then
times one `run_pass()` (every job once: audit checkpoints, reminders, e-mails, retention)
and says how many deadlines are still due after it (none: one pass takes every due one,
in transactions of `deadlines.services.BATCH`). It changes the database (reminders are
sent and recorded, and an audit checkpoint is signed with a throwaway key, which
`verify-audit` then reports as untrusted): run it on a copy.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url", default=f"sqlite:///{ROOT / 'var' / 'bench' / 'bench.sqlite3'}"
    )
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument(
        "--overdue",
        type=float,
        default=0.2,
        help="The share of them made overdue by a day (escalations), the rest reminders.",
    )
    args = parser.parse_args()
    os.environ.update(
        {
            "DATABASE_URL": args.database_url,
            "DEBUG": "false",  # DEBUG on would keep every query in memory
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1",
            # Its own: the pass writes e-mail files and an audit checkpoint signed with a
            # key made there, none of which belongs in var/bench.
            "VAR_DIR": tempfile.mkdtemp(prefix="worker-pass-"),
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "incidentdesk.settings",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import datetime

    from django.db import connection
    from django.db.models import F
    from django.utils import timezone

    from incidentdesk.deadlines.models import Deadline, DeadlineEvent
    from incidentdesk.deadlines.worker import run_pass
    from incidentdesk.incidents.models import Incident
    from incidentdesk.notifications.models import OutgoingEmail

    now = timezone.now()
    open_ids = list(
        Deadline.objects.filter(
            met_at__isnull=True, withdrawn_at__isnull=True, incident__isnull=False
        )
        .order_by("-due_at")
        .values_list("pk", flat=True)[: args.due]
    )
    overdue = open_ids[: int(len(open_ids) * args.overdue)]
    # Their clocks moved so that each has something to send: a reminder (started a day
    # ago, due in an hour) or, for the overdue share, an escalation (due a day ago).
    hour = datetime.timedelta(hours=1)
    Deadline.objects.filter(pk__in=open_ids).update(
        started_at=now - 24 * hour,
        due_at=now + hour,
        reminder_level=0,
        escalation_level=0,
        next_reminder_at=now - datetime.timedelta(minutes=1),
        claimed_until=None,
    )
    Deadline.objects.filter(pk__in=overdue).update(
        due_at=now - 25 * hour, started_at=F("due_at") - 48 * hour
    )
    DeadlineEvent.objects.filter(deadline_id__in=open_ids).delete()
    due = Deadline.objects.filter(met_at__isnull=True, next_reminder_at__lte=timezone.now())
    print(
        f"{connection.vendor}: {Incident.objects.count():,} incidents, "
        f"{Deadline.objects.count():,} deadlines, {len(open_ids)} made due "
        f"({len(overdue)} overdue; {due.count()} due now)"
    )
    events, emails = DeadlineEvent.objects.count(), OutgoingEmail.objects.count()
    began, cpu = time.perf_counter(), time.process_time()
    handled = run_pass()
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    print(f"one pass: {wall:.2f} s wall, {cpu:.2f} s CPU (this process), handled {handled}")
    print(
        f"  {DeadlineEvent.objects.count() - events} reminders and escalations recorded, "
        f"{OutgoingEmail.objects.count() - emails} e-mails queued; "
        f"{due.count()} deadlines still due after the pass"
    )


if __name__ == "__main__":
    main()
