"""The worker: reminders before a deadline and escalation after it, each sent once, to the
right people, however many workers run and whenever one dies."""

from __future__ import annotations

import datetime
import threading

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidentdesk.deadlines.models import Deadline, DeadlineEvent
from incidentdesk.deadlines.services import (
    CLAIM_FOR,
    meet,
    schedule_for_incident,
    send_due_reminders,
)
from incidentdesk.deadlines.worker import run_pass
from incidentdesk.incidents.models import Incident, ReportingMode
from incidentdesk.notifications.models import OutgoingEmail
from incidentdesk.organisations.models import Duty, TimescaleStep
from tests.deadlines.conftest import at, deadline_of
from tests.factories import make_person
from tests.incidents.conftest import file_report

REPORTED = at(2026, 11, 16, 10, 0)  # a Monday, weeks from any clock change


def hours(n: float) -> datetime.datetime:
    return REPORTED + datetime.timedelta(hours=n)


def pass_at(moment: datetime.datetime, times: int = 2) -> None:
    """Runs the worker's passes at `moment`: twice, to show a second pass sends nothing."""
    with time_machine.travel(moment, tick=False):
        for _ in range(times):
            run_pass()


def emails(template: str, person) -> int:
    return OutgoingEmail.objects.filter(template=template, to=person.email).count()


def report_waiting_for_the_ico_decision(setting) -> Incident:
    with time_machine.travel(REPORTED, tick=False):
        incident = file_report(setting.organisation, setting.reporter)
        # Only the ICO decision is under test: the other two steps are done.
        meet(incident, TimescaleStep.ACKNOWLEDGE)
        meet(incident, TimescaleStep.CLASSIFY)
    return incident


@pytest.mark.django_db
@pytest.mark.parametrize("preset", ["school", "trust"])
def test_an_unrecorded_ico_decision_is_reminded_at_24_48_60_68_hours_then_escalated(
    request, preset
):
    setting = request.getfixturevalue(preset)
    incident = report_waiting_for_the_ico_decision(setting)
    ico = deadline_of(incident, TimescaleStep.ICO_DECISION)

    pass_at(hours(23.9))
    assert not DeadlineEvent.objects.exists()

    for level, hour in enumerate([24, 48, 60, 68], start=1):
        pass_at(hours(hour))
        assert DeadlineEvent.objects.filter(deadline=ico, kind="reminder").count() == level
        # The incident manager and the DPO, who takes part in the decision.
        assert emails("deadline_reminder", setting.manager) == level
        assert emails("deadline_reminder", setting.dpo) == level
        assert emails("deadline_escalation", setting.top) == 0

    pass_at(hours(72))
    pass_at(hours(100))  # nobody above the chair (school) or the SIRO (trust): no more

    assert list(
        DeadlineEvent.objects.filter(deadline=ico).values_list("kind", "level", "sent_at")
    ) == [
        ("reminder", 1, hours(24)),
        ("reminder", 2, hours(48)),
        ("reminder", 3, hours(60)),
        ("reminder", 4, hours(68)),
        ("escalation", 1, hours(72)),
    ]
    # School: the chair of governors; trust: the SIRO. The reminders' people are not told
    # again, and the reporter never hears of it.
    assert emails("deadline_escalation", setting.top) == 1
    assert emails("deadline_escalation", setting.manager) == 0
    assert emails("deadline_reminder", setting.top) == 0
    assert not OutgoingEmail.objects.filter(
        template__startswith="deadline_", to=setting.reporter.email
    ).exists()
    email = OutgoingEmail.objects.get(template="deadline_escalation")
    assert incident.reference in email.subject
    assert "Decide whether to notify the ICO" in email.subject
    assert "19 November 2026, 10:00" in email.body_text  # due time, in London time
    ico.refresh_from_db()
    assert (ico.escalation_level, ico.next_reminder_at, ico.claimed_until) == (1, None, None)


@pytest.mark.django_db
def test_an_absent_chair_is_replaced_by_their_deputy(school):
    from incidentdesk.organisations.models import DutyHolder

    deputy = make_person("Vic Vice-Chair", organisation=school.organisation)
    DutyHolder.objects.filter(person=school.top).update(is_absent=True, deputy=deputy)
    report_waiting_for_the_ico_decision(school)

    pass_at(hours(72))

    assert emails("deadline_escalation", deputy) == 1
    assert emails("deadline_escalation", school.top) == 0


@pytest.mark.django_db
def test_an_overdue_investigation_climbs_one_level_a_day(school):
    from incidentdesk.incidents.services import assign_investigator, classify_incident
    from tests.deadlines.conftest import classification

    with time_machine.travel(REPORTED, tick=False):
        incident = file_report(school.organisation, school.reporter)
        incident = classify_incident(
            incident=incident, actor=school.manager, data=classification("critical")
        )
        incident = assign_investigator(
            incident=incident, actor=school.manager, investigator=school.investigator
        )
        for step in ("ico_decision", "dpo_referral"):
            meet(incident, step)
    siro = make_person("Sam Siro", organisation=school.organisation, duties=(Duty.SIRO,))
    investigation = deadline_of(incident, TimescaleStep.INVESTIGATION)
    assert investigation.due_at == at(2026, 11, 23, 17, 0)

    for _ in range(2):  # at 50% and 90% of the time allowed
        pass_at(investigation.next_reminder_at)
        investigation.refresh_from_db()
    for day in range(4):
        pass_at(investigation.due_at + datetime.timedelta(hours=24 * day))

    # Reminders to the investigator before; after: manager, then SIRO, then chair.
    assert emails("deadline_reminder", school.investigator) == 2
    assert emails("deadline_escalation", school.manager) == 1
    assert emails("deadline_escalation", siro) == 1
    assert emails("deadline_escalation", school.top) == 1
    levels = DeadlineEvent.objects.filter(kind="escalation", deadline__step="investigation")
    assert sorted(levels.values_list("level", flat=True)) == [1, 2, 3]


@pytest.mark.django_db
def test_meeting_the_deadline_stops_its_reminders(school):
    incident = report_waiting_for_the_ico_decision(school)
    pass_at(hours(24))
    assert emails("deadline_reminder", school.manager) == 1

    with time_machine.travel(hours(30), tick=False):
        meet(incident, TimescaleStep.ICO_DECISION)
    for hour in (48, 60, 68, 72, 96):
        pass_at(hours(hour))

    assert emails("deadline_reminder", school.manager) == 1
    assert not OutgoingEmail.objects.filter(template="deadline_escalation").exists()
    assert DeadlineEvent.objects.count() == 1


@pytest.mark.django_db
def test_reminders_missed_while_no_worker_ran_are_not_all_sent_late(school):
    incident = report_waiting_for_the_ico_decision(school)

    pass_at(hours(61))  # the 24, 48 and 60 hour reminders are all due

    events = DeadlineEvent.objects.filter(deadline__incident=incident)
    assert list(events.values_list("kind", "level")) == [("reminder", 3)]
    assert emails("deadline_reminder", school.manager) == 1


# --- Cost ---------------------------------------------------------------------------------


def make_incidents(organisation, count: int, start: int = 0) -> None:
    """Incidents with their deadlines, made quickly (no report flow: only the rows count)."""
    incidents = Incident.objects.bulk_create(
        Incident(
            organisation=organisation,
            reference=f"{organisation.code}-2026-{n:04d}",
            mode=ReportingMode.NAMED,
            what_happened="Something.",
            reported_at=REPORTED,
        )
        for n in range(start, start + count)
    )
    for incident in Incident.objects.filter(pk__in=[i.pk for i in incidents]):
        incident.organisation = organisation  # share the cached timescales
        schedule_for_incident(incident, created=True)


@pytest.mark.django_db
def test_a_worker_pass_costs_the_same_with_10_or_200_incidents_not_yet_due(school):
    moment = hours(0.25)  # nothing is due yet (the first is the acknowledgement's, at 10:30)
    with time_machine.travel(REPORTED, tick=False):
        make_incidents(school.organisation, 10)
    with time_machine.travel(moment, tick=False), CaptureQueriesContext(connection) as ten:
        assert send_due_reminders() == 0
    with time_machine.travel(moment, tick=False):
        run_pass()  # the first pass also signs the audit log's first checkpoint
    with time_machine.travel(moment, tick=False), CaptureQueriesContext(connection) as ten_all:
        run_pass()

    with time_machine.travel(REPORTED, tick=False):
        make_incidents(school.organisation, 190, start=10)
    assert Deadline.objects.count() == 600
    with time_machine.travel(moment, tick=False), CaptureQueriesContext(connection) as many:
        assert send_due_reminders() == 0
    with time_machine.travel(moment, tick=False), CaptureQueriesContext(connection) as many_all:
        run_pass()

    assert len(ten) == len(many) == 1  # one indexed read of due rows
    assert len(ten_all) == len(many_all)


# --- Several workers, and a worker that died ------------------------------------------------


def due_ico_deadlines(school, count: int) -> list[Deadline]:
    """`count` ICO decisions whose 24-hour reminder is due at hours(25)."""
    with time_machine.travel(REPORTED, tick=False):
        make_incidents(school.organisation, count)
    Deadline.objects.exclude(step=TimescaleStep.ICO_DECISION).update(
        met_at=REPORTED, next_reminder_at=None
    )
    return list(Deadline.objects.filter(step=TimescaleStep.ICO_DECISION))


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises writers: concurrent claims need PostgreSQL's row locks",
)
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_every_reminder_exactly_once(school):
    due_ico_deadlines(school, 200)
    moment = hours(25)
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            start.wait()
            for _ in range(50):
                send_due_reminders(now=moment, batch=40)
                if not Deadline.objects.filter(next_reminder_at__lte=moment).exists():
                    break
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
        finally:
            connection.close()

    with time_machine.travel(moment, tick=False):
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    assert errors == []
    assert DeadlineEvent.objects.filter(kind="reminder", level=1).count() == 200
    assert DeadlineEvent.objects.count() == 200
    # One to the manager and one to the DPO for each deadline, never twice.
    assert emails("deadline_reminder", school.manager) == 200
    assert emails("deadline_reminder", school.dpo) == 200
    assert OutgoingEmail.objects.count() == 400
    assert not Deadline.objects.filter(next_reminder_at__lte=moment).exists()


@pytest.mark.django_db
def test_a_row_claimed_by_a_worker_that_died_is_picked_up_and_sent_once(school):
    [deadline] = due_ico_deadlines(school, 1)
    moment = hours(25)
    # The dead worker claimed it, then died before its transaction committed.
    Deadline.objects.filter(pk=deadline.pk).update(claimed_until=moment + CLAIM_FOR / 2)

    assert send_due_reminders(now=moment) == 0  # its claim still stands

    later = moment + CLAIM_FOR
    assert send_due_reminders(now=later) == 1
    assert send_due_reminders(now=later) == 0
    assert send_due_reminders(now=later + CLAIM_FOR * 2) == 0
    assert DeadlineEvent.objects.filter(deadline=deadline).count() == 1
    assert emails("deadline_reminder", school.manager) == 1


@pytest.mark.django_db
def test_a_reminder_already_on_record_is_not_sent_again(school):
    # A worker outlived its claim: another sent the reminder meanwhile.
    [deadline] = due_ico_deadlines(school, 1)
    DeadlineEvent.objects.create(deadline=deadline, kind="reminder", level=1, sent_at=hours(24))
    Deadline.objects.filter(pk=deadline.pk).update(claimed_until=hours(20))

    assert send_due_reminders(now=hours(25)) == 0

    assert not OutgoingEmail.objects.filter(template="deadline_reminder").exists()
    deadline.refresh_from_db()
    assert deadline.next_reminder_at == hours(48)
    assert deadline.claimed_until is None


# --- One pass takes every due deadline, in batches ------------------------------------------


@pytest.mark.django_db
def test_one_pass_sends_every_due_reminder_in_batches_with_queries_per_batch_not_per_row(school):
    from incidentdesk.deadlines.services import send_due_reminders as send

    due_ico_deadlines(school, 25)
    moment = hours(25)
    with CaptureQueriesContext(connection) as queries:
        assert send(now=moment, batch=10) == 25  # three batches: 10, 10, 5
    # Per batch: the due ids, the claim, the rows, the duty holders, the events on record,
    # then the inserts and the update; never a query per deadline.
    assert len(queries) <= 3 * 14 + 1, len(queries)
    assert DeadlineEvent.objects.filter(kind="reminder", level=1).count() == 25
    assert emails("deadline_reminder", school.manager) == 25
    assert emails("deadline_reminder", school.dpo) == 25
    assert not Deadline.objects.filter(next_reminder_at__lte=moment).exists()
    assert not Deadline.objects.filter(claimed_until__isnull=False).exists()
    assert send(now=moment) == 0


@pytest.mark.django_db
@pytest.mark.parametrize("preset", ["school", "trust"])
def test_the_batch_reads_duty_holders_as_duty_holders_for_does(request, preset):
    from incidentdesk.organisations.models import DutyHolder
    from incidentdesk.organisations.selectors import DutyHoldersOf, duty_holders_for

    setting = request.getfixturevalue(preset)
    deputy = make_person("Vic Vice", organisation=setting.organisation)
    DutyHolder.objects.filter(person=setting.top).update(is_absent=True, deputy=deputy)
    make_person("Second Manager", organisation=setting.organisation, duties=(Duty.DPO,))
    organisation = setting.organisation
    holders = DutyHoldersOf([organisation])
    for duty in Duty.values:
        assert holders(organisation, duty) == duty_holders_for(organisation, duty), duty
