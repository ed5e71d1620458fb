"""Deadlines that start again or start late: the review of a resubmitted outcome report, and
telling the people affected once the Art 34 decision says they must be told."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from incidentdesk.deadlines.models import Deadline, DeadlineEvent
from incidentdesk.deadlines.services import TELL_PEOPLE_DEFAULT, meet
from incidentdesk.deadlines.worker import run_pass
from incidentdesk.incidents.models import Incident
from incidentdesk.incidents.services import assign_investigator, classify_incident, transition
from incidentdesk.notifications.models import OutgoingEmail
from incidentdesk.organisations.models import Timescale, TimescaleStep, TimescaleUnit
from incidentdesk.regulator.services import record_data_subject_decision, record_people_told
from tests.deadlines.conftest import at, classification, deadline_of
from tests.factories import signed_in_client
from tests.incidents.conftest import file_report

pytestmark = pytest.mark.django_db

MONDAY = at(2026, 11, 16, 10, 0)  # weeks from any clock change or bank holiday


def travel(moment: datetime.datetime):
    return time_machine.travel(moment, tick=False)


def reminders_to(person, step: str) -> int:
    events = DeadlineEvent.objects.filter(deadline__step=step, kind="reminder")
    return sum(person.email in event.recipients for event in events)


@pytest.fixture
def investigated(school):
    """Classified minor, assigned, every other step met: only the review is under test."""
    with travel(MONDAY):
        incident = file_report(school.organisation, school.reporter)
        incident = classify_incident(
            incident=incident, actor=school.manager, data=classification("minor")
        )
        incident = assign_investigator(
            incident=incident, actor=school.manager, investigator=school.investigator
        )
        meet(incident, TimescaleStep.ICO_DECISION)
    return incident


def test_a_resubmitted_outcome_report_is_reviewed_on_a_new_clock_with_new_reminders(
    school, investigated
):
    with travel(at(2026, 11, 20, 12, 0)):  # Friday
        incident = transition(
            incident=investigated, action="submit_outcome", actor=school.investigator
        )
    first = deadline_of(incident, TimescaleStep.OUTCOME_REVIEW)
    assert first.due_at == at(2026, 11, 27, 17, 0)  # 5 working days

    # Reminded at half time, then returned to the investigator before the due time.
    with travel(first.next_reminder_at):
        run_pass()
    assert reminders_to(school.manager, "outcome_review") == 1
    with travel(at(2026, 11, 25, 9, 0)):
        incident = transition(
            incident=incident,
            action="return_outcome",
            actor=school.manager,
            reason="Say who else saw the list.",
        )
    first.refresh_from_db()
    assert first.met_at == at(2026, 11, 25, 9, 0)  # the review happened
    assert first.next_reminder_at is None

    with travel(at(2026, 12, 1, 15, 0)):  # Tuesday, the following week
        incident = transition(incident=incident, action="submit_outcome", actor=school.investigator)

    again = deadline_of(incident, "outcome_review_2")
    assert again.started_at == at(2026, 12, 1, 15, 0)
    assert again.due_at == at(2026, 12, 8, 17, 0)  # 5 working days from the resubmission
    assert again.met_at is None and again.withdrawn_at is None
    first.refresh_from_db()
    assert first.met_at == at(2026, 11, 25, 9, 0)  # the first round stays on the record

    # The new round's reminders go, each once, and its label says which round it is.
    before = OutgoingEmail.objects.filter(to=school.manager.email).count()
    with travel(again.next_reminder_at):
        run_pass()
        run_pass()
    assert reminders_to(school.manager, "outcome_review_2") == 1
    assert OutgoingEmail.objects.filter(to=school.manager.email).count() == before + 1
    page = school_page(school, incident)
    assert "Review the outcome report (resubmitted, round 2)" in page

    rounds = Deadline.objects.filter(incident=incident, step__startswith="outcome_review")
    assert rounds.count() == 2


def school_page(school, incident) -> str:
    with travel(at(2026, 12, 2, 10, 0)):
        response = signed_in_client(school.manager).get("/due/")
    assert response.status_code == 200
    return response.content.decode()


# --- Telling the people affected (Art 34) ---------------------------------------------------


def decide(school, incident, *, high_risk: bool, exception: str = "", when=MONDAY):
    with travel(when):
        return record_data_subject_decision(
            incident=incident,
            actor=school.manager,
            high_risk=high_risk,
            exception=exception,
            reasons="Health information about a child went to another family.",
        )


def test_telling_the_people_affected_is_due_three_working_days_after_the_decision(
    school, investigated
):
    # The school preset writes "without undue delay" as immediately: the default applies.
    assert Timescale.objects.get(
        profile=school.organisation.effective_profile, step=TimescaleStep.TELL_PEOPLE
    ).unit == (TimescaleUnit.IMMEDIATELY)
    assert TELL_PEOPLE_DEFAULT == (3, TimescaleUnit.WORKING_DAYS)
    decided = at(2026, 11, 20, 15, 0)  # a Friday afternoon

    decide(school, investigated, high_risk=True, when=decided)

    tell = deadline_of(investigated, TimescaleStep.TELL_PEOPLE)
    assert tell.started_at == decided
    assert tell.due_at == at(2026, 11, 25, 17, 0)  # Wednesday at close
    assert tell.next_reminder_at is not None

    # The incident manager is reminded; once told, the reminders stop.
    with travel(tell.next_reminder_at):
        run_pass()
    assert reminders_to(school.manager, TimescaleStep.TELL_PEOPLE) == 1
    with travel(at(2026, 11, 24, 11, 0)):
        record_people_told(
            incident=investigated,
            actor=school.manager,
            audience="parents",
            told_at=at(2026, 11, 24, 10, 30),
            how="Letter handed over at a meeting",
        )
    tell.refresh_from_db()
    assert tell.met_at == at(2026, 11, 24, 10, 30)
    assert tell.next_reminder_at is None
    with travel(tell.due_at + datetime.timedelta(days=2)):
        run_pass()
    assert not DeadlineEvent.objects.filter(deadline=tell, kind="escalation").exists()


def test_a_profile_timescale_for_telling_people_is_used(school, investigated):
    Timescale.objects.filter(
        profile=school.organisation.effective_profile, step=TimescaleStep.TELL_PEOPLE
    ).update(amount=24, unit=TimescaleUnit.ELAPSED_HOURS)
    incident = Incident.objects.get(pk=investigated.pk)  # as the next request reads it

    decide(school, incident, high_risk=True)

    tell = deadline_of(investigated, TimescaleStep.TELL_PEOPLE)
    assert tell.due_at == MONDAY + datetime.timedelta(hours=24)


@pytest.mark.parametrize(
    ("high_risk", "exception"), [(False, ""), (True, "a"), (True, "c")], ids=["low", "a", "c"]
)
def test_no_deadline_when_the_people_need_not_be_told(school, investigated, high_risk, exception):
    decide(school, investigated, high_risk=high_risk, exception=exception)

    assert not Deadline.objects.filter(
        incident=investigated, step=TimescaleStep.TELL_PEOPLE
    ).exists()


def test_a_later_decision_that_an_exception_applies_withdraws_the_deadline(school, investigated):
    decide(school, investigated, high_risk=True)
    decide(school, investigated, high_risk=True, exception="b", when=MONDAY + datetime.timedelta(1))

    tell = deadline_of(investigated, TimescaleStep.TELL_PEOPLE)
    assert tell.withdrawn_at is not None
    assert tell.next_reminder_at is None
