"""The real `incidentdesk worker` process: killed with SIGKILL mid-run and started again, it
loses no reminder and sends none twice; two of them at once send each reminder once.

Runs on the suite's database (SQLite or PostgreSQL) through tests/harness.py.
"""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from incidentdesk.deadlines.models import Deadline, DeadlineEvent
from incidentdesk.incidents.models import Incident, ReportingMode
from incidentdesk.notifications.models import OutgoingEmail
from incidentdesk.organisations.models import TimescaleStep
from tests.harness import shared_database

pytestmark = pytest.mark.django_db(transaction=True)

# Enough that the worker is caught mid-run (it sends a few dozen a second), few enough
# that the test stays well under 30 seconds on a loaded 2-core CI machine.
COUNT = 120
EVENTS = "SELECT count(*) FROM deadlines_deadlineevent"
WORKER = ("worker", "--interval", "0.2")


def due_ico_reminders(setting, count: int) -> None:
    """`count` incidents reported 25 hours ago, each with its ICO decision's 24-hour
    reminder due now (to the incident manager and the DPO); nothing else due."""
    from incidentdesk.deadlines.services import schedule_for_incident

    organisation = setting.organisation
    with time_machine.travel(timezone.now() - datetime.timedelta(hours=25), tick=False):
        incidents = Incident.objects.bulk_create(
            Incident(
                organisation=organisation,
                reference=f"{organisation.code}-2026-{n:04d}",
                mode=ReportingMode.NAMED,
                what_happened="Something.",
                reported_at=timezone.now(),
            )
            for n in range(count)
        )
        for incident in Incident.objects.filter(pk__in=[i.pk for i in incidents]):
            incident.organisation = organisation  # share the cached timescales
            schedule_for_incident(incident, created=True)
    Deadline.objects.exclude(step=TimescaleStep.ICO_DECISION).update(
        met_at=timezone.now(), next_reminder_at=None
    )
    assert Deadline.objects.filter(next_reminder_at__lte=timezone.now()).count() == count


def assert_each_reminder_once(setting, count: int) -> None:
    events = list(DeadlineEvent.objects.all())
    # Every due reminder on record, once (the constraint allows no second one anyway).
    assert len(events) == count
    assert Counter((e.deadline_id, e.kind, e.level) for e in events) == Counter(
        {
            (pk, "reminder", 1): 1
            for pk in Deadline.objects.filter(step=TimescaleStep.ICO_DECISION).values_list(
                "pk", flat=True
            )
        }
    )
    # Every e-mail those reminders make exists exactly once: one each to the manager and
    # the DPO per deadline, none lost with a killed transaction, none made twice.
    mails = Counter(
        (m.to, m.body_text) for m in OutgoingEmail.objects.filter(template="deadline_reminder")
    )
    assert sum(mails.values()) == 2 * count
    assert set(mails.values()) == {1}
    for person in (setting.manager, setting.dpo):
        assert (
            OutgoingEmail.objects.filter(template="deadline_reminder", to=person.email).count()
            == count
        )
    assert OutgoingEmail.objects.count() == 2 * count
    assert not Deadline.objects.filter(next_reminder_at__lte=timezone.now()).exists()
    assert not Deadline.objects.filter(claimed_until__isnull=False).exists()


@pytest.mark.parametrize("batch", [1, 10])
def test_a_worker_killed_mid_run_and_restarted_loses_nothing_and_sends_nothing_twice(
    school, tmp_path, batch
):
    due_ico_reminders(school, COUNT)

    with shared_database(tmp_path) as database:
        # Small batches, so that the kill falls between two of them (the default batch
        # would take all 120 in one transaction).
        first = database.start(*WORKER, "--deadline-batch", str(batch))
        database.wait_for(
            lambda: database.scalar(EVENTS) >= 5, timeout=60, what="the first reminders"
        )
        first.kill()
        at_kill = database.scalar(EVENTS)
        assert 0 < at_kill < COUNT, (
            f"not killed mid-run: {at_kill} of {COUNT}\n{database.outputs()}"
        )
        # A batch commits whole or not at all: never part of one.
        assert at_kill % batch == 0, at_kill

        second = database.start(*WORKER)
        database.wait_for(
            lambda: database.scalar(EVENTS) >= COUNT, timeout=60, what="every reminder"
        )
        assert second.stop() == 0, database.outputs()

    assert_each_reminder_once(school, COUNT)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises writers: concurrent claims need PostgreSQL's row locks",
)
def test_two_worker_processes_at_once_send_each_reminder_once(school, tmp_path):
    # Fewer than a pass's batch: both workers read the same due rows and contend for each.
    count = 60
    due_ico_reminders(school, count)

    with shared_database(tmp_path) as database:
        # Small batches, so the two take turns rather than one taking all 60 at once.
        workers = [database.start(*WORKER, "--deadline-batch", "5") for _ in range(2)]
        database.wait_for(
            lambda: database.scalar(EVENTS) >= count, timeout=60, what="every reminder"
        )
        # Stopped once running (a process still starting would die of the SIGTERM).
        database.wait_for(
            lambda: all("worker started" in worker.output() for worker in workers),
            timeout=60,
            what="both workers to start",
        )
        for worker in workers:
            assert worker.stop() == 0, database.outputs()
        assert "Traceback" not in database.outputs()

    assert_each_reminder_once(school, count)
