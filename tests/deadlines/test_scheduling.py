"""Which deadlines an incident's state implies, and when they are met."""

import datetime

import pytest
import time_machine

from incidentdesk.deadlines.models import Deadline
from incidentdesk.deadlines.services import meet, schedule_for_incident, set_deadline_start
from incidentdesk.incidents.models import PersonalData
from incidentdesk.incidents.services import (
    acknowledge_referral,
    assign_investigator,
    classify_incident,
    transition,
    verify_incident,
)
from incidentdesk.organisations.models import TimescaleStep
from tests.deadlines.conftest import at, classification, deadline_of
from tests.incidents.conftest import file_report

pytestmark = pytest.mark.django_db

MONDAY = at(2026, 11, 16, 10, 0)


def steps(incident) -> dict[str, str]:
    """Each deadline's step and whether it is open, met or withdrawn."""
    return {
        d.step: "met" if d.met_at else "withdrawn" if d.withdrawn_at else "open"
        for d in Deadline.objects.filter(incident=incident, action__isnull=True)
    }


@pytest.fixture
def report(school):
    with time_machine.travel(MONDAY, tick=False):
        return file_report(school.organisation, school.reporter)


def test_a_report_must_be_acknowledged_classified_and_decided_for_the_ico(report):
    assert steps(report) == {
        "acknowledge": "open",
        "classify": "open",
        "ico_decision": "open",
    }
    ico = deadline_of(report, TimescaleStep.ICO_DECISION)
    assert ico.due_at == MONDAY + datetime.timedelta(hours=72)
    assert ico.next_reminder_at == MONDAY + datetime.timedelta(hours=24)


def test_scheduling_again_changes_nothing(report):
    before = list(Deadline.objects.filter(incident=report).values())

    schedule_for_incident(report)
    schedule_for_incident(report)

    assert list(Deadline.objects.filter(incident=report).values()) == before


def test_verifying_meets_the_acknowledgement(school, report):
    with time_machine.travel(MONDAY + datetime.timedelta(minutes=20), tick=False):
        verify_incident(incident=report, actor=school.manager, what_was_checked="Rang the parent.")

    assert steps(report)["acknowledge"] == "met"
    assert steps(report)["classify"] == "open"
    assert deadline_of(report, TimescaleStep.ACKNOWLEDGE).next_reminder_at is None


def test_classifying_without_personal_data_withdraws_the_ico_clock(school, report):
    with time_machine.travel(MONDAY + datetime.timedelta(hours=2), tick=False):
        classify_incident(
            incident=report,
            actor=school.manager,
            data=classification(personal_data=PersonalData.NO),
        )

    assert steps(report) == {"acknowledge": "met", "classify": "met", "ico_decision": "withdrawn"}
    assert deadline_of(report, TimescaleStep.ICO_DECISION).next_reminder_at is None


def test_a_major_incident_must_reach_the_dpo_who_meets_it_by_acknowledging(school, report):
    with time_machine.travel(MONDAY + datetime.timedelta(hours=2), tick=False):
        incident = classify_incident(
            incident=report, actor=school.manager, data=classification("major")
        )
    referral = deadline_of(incident, TimescaleStep.DPO_REFERRAL)
    assert referral.due_at == MONDAY + datetime.timedelta(hours=24)
    assert referral.met_at is None

    with time_machine.travel(MONDAY + datetime.timedelta(hours=3), tick=False):
        acknowledge_referral(incident=incident, actor=school.dpo)

    assert steps(incident)["dpo_referral"] == "met"
    assert steps(incident)["ico_decision"] == "open"  # the ICO decision is the regulator's


def test_the_investigation_runs_to_the_severity_timescale_and_ends_with_the_outcome(school, report):
    with time_machine.travel(MONDAY + datetime.timedelta(hours=2), tick=False):
        incident = classify_incident(
            incident=report, actor=school.manager, data=classification("critical")
        )
        incident = assign_investigator(
            incident=incident, actor=school.manager, investigator=school.investigator
        )
    # Critical: 5 working days from Monday is the next Monday at close.
    assert deadline_of(incident, TimescaleStep.INVESTIGATION).due_at == at(2026, 11, 23, 17, 0)

    with time_machine.travel(at(2026, 11, 20, 12, 0), tick=False):
        incident = transition(incident=incident, action="submit_outcome", actor=school.investigator)

    assert steps(incident)["investigation"] == "met"
    review = deadline_of(incident, TimescaleStep.OUTCOME_REVIEW)
    assert review.due_at == at(2026, 11, 27, 17, 0)  # 5 working days after submission
    assert review.met_at is None


def test_the_ico_clock_can_start_when_the_organisation_became_aware(report):
    aware = MONDAY - datetime.timedelta(hours=30)

    moved = set_deadline_start(report, TimescaleStep.ICO_DECISION, aware)

    assert moved.due_at == aware + datetime.timedelta(hours=72)
    # The 24-hour reminder is already past: it goes on the next pass.
    assert moved.next_reminder_at == aware + datetime.timedelta(hours=24)
    schedule_for_incident(report)
    assert deadline_of(report, TimescaleStep.ICO_DECISION).started_at == aware  # kept


def test_meeting_is_idempotent_and_keeps_the_first_time(report):
    with time_machine.travel(MONDAY + datetime.timedelta(hours=5), tick=False):
        assert meet(report, TimescaleStep.ICO_DECISION) == 1
    with time_machine.travel(MONDAY + datetime.timedelta(hours=9), tick=False):
        assert meet(report, TimescaleStep.ICO_DECISION) == 0

    ico = deadline_of(report, TimescaleStep.ICO_DECISION)
    assert ico.met_at == MONDAY + datetime.timedelta(hours=5)
    assert ico.next_reminder_at is None


def test_closing_as_not_an_incident_withdraws_what_is_left(school, report):
    transition(
        incident=report, action="not_an_incident", actor=school.manager, reason="A test e-mail."
    )

    assert set(steps(report).values()) == {"withdrawn"}
    assert not Deadline.objects.filter(next_reminder_at__isnull=False).exists()


def test_an_action_is_due_at_close_on_its_date_and_met_when_done(school, report):
    from incidentdesk.investigations.models import ActionKind, ActionStatus
    from incidentdesk.investigations.services import add_action, update_action

    with time_machine.travel(MONDAY + datetime.timedelta(hours=2), tick=False):
        incident = classify_incident(incident=report, actor=school.manager, data=classification())
        incident = assign_investigator(
            incident=incident, actor=school.manager, investigator=school.investigator
        )
        action = add_action(
            incident=incident,
            actor=school.investigator,
            kind=ActionKind.PREVENTIVE,
            description="Turn off address autocomplete.",
            owner=school.investigator,
            due_on=datetime.date(2026, 12, 4),
        )
    deadline = Deadline.objects.get(action=action)
    assert deadline.step == "action"
    assert deadline.due_at == at(2026, 12, 4, 17, 0)

    update_action(action=action, actor=school.investigator, status=ActionStatus.DONE)
    deadline.refresh_from_db()
    assert deadline.met_at is not None and deadline.next_reminder_at is None

    # Reopened: the deadline is open again and its reminders come back.
    update_action(action=action, actor=school.investigator, status=ActionStatus.IN_PROGRESS)
    deadline.refresh_from_db()
    assert deadline.met_at is None and deadline.next_reminder_at is not None
