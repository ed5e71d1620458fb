"""The ICO decision's services: the clock, the self-assessment, submissions, Art 34."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from incidentdesk.audit.models import AuditEvent
from incidentdesk.regulator.models import IcoDecision, IcoSubmission
from incidentdesk.regulator.selectors import ico_clock
from incidentdesk.regulator.services import (
    IcoDecisionInput,
    IcoRefused,
    derive_decision,
    record_data_subject_decision,
    record_dpo_comments,
    record_ico_decision,
    record_ico_submission,
    record_people_told,
    set_became_aware,
)
from tests.incidents.conftest import file_report

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def answers(**overrides) -> IcoDecisionInput:
    values = {
        "personal_data_of_living_people": True,
        "risk_likely": True,
        "high_risk": False,
        "reasons": "Health data of one child reached one other parent, who deleted it.",
    }
    values.update(overrides)
    return IcoDecisionInput(**values)


@pytest.mark.parametrize(
    ("personal", "risk", "high", "decision"),
    [
        (False, True, True, IcoDecision.NOT_REPORTABLE),
        (True, False, True, IcoDecision.NOT_REPORTABLE),
        (True, True, False, IcoDecision.NOTIFY_ICO),
        (True, True, True, IcoDecision.NOTIFY_ICO_AND_PEOPLE),
    ],
)
def test_the_decision_follows_the_ico_self_assessment(personal, risk, high, decision):
    assert (
        derive_decision(personal_data_of_living_people=personal, risk_likely=risk, high_risk=high)
        == decision
    )


def test_the_clock_runs_72_elapsed_hours_from_the_report(ico_cast):
    incident = file_report(ico_cast.school, ico_cast.reporter)
    clock = ico_clock(incident, incident.reported_at + 10 * HOUR)
    assert clock.due_at == incident.reported_at + 72 * HOUR
    assert clock.hours_remaining == 62
    assert not clock.overdue
    late = ico_clock(incident, incident.reported_at + 73 * HOUR)
    assert late.overdue
    assert late.hours_remaining == -1


def test_the_manager_moves_the_start_of_the_clock_with_a_reason_and_it_is_audited(ico_cast):
    incident = file_report(ico_cast.school, ico_cast.reporter)
    earlier = incident.reported_at - 5 * HOUR
    with pytest.raises(IcoRefused, match="reason"):
        set_became_aware(incident=incident, actor=ico_cast.manager, at=earlier, reason=" ")
    with pytest.raises(PermissionDenied):
        set_became_aware(incident=incident, actor=ico_cast.dpo, at=earlier, reason="Told by IT")
    set_became_aware(
        incident=incident, actor=ico_cast.manager, at=earlier, reason="IT confirmed it then."
    )
    assert ico_clock(incident, timezone.now()).due_at == earlier + 72 * HOUR
    event = AuditEvent.objects.get(action="ico.became_aware_set")
    assert event.actor_id == ico_cast.manager.pk
    assert event.details == {"reason": "IT confirmed it then."}


def test_the_manager_records_the_decision_with_who_and_when(ico_cast):
    incident = file_report(ico_cast.school, ico_cast.reporter)
    assessment = record_ico_decision(
        incident=incident,
        actor=ico_cast.manager,
        data=answers(dpo_involved=True, dpo_comments="Agree: report it."),
    )
    assert assessment.decision == IcoDecision.NOTIFY_ICO
    assert assessment.decided_by == ico_cast.manager
    assert assessment.decided_at is not None
    assert assessment.dpo_involved
    assert ico_clock(incident, timezone.now()).decided
    event = AuditEvent.objects.get(action="ico.decided")
    assert event.details["decision"] == IcoDecision.NOTIFY_ICO
    assert event.changes["decision"] == ["", IcoDecision.NOTIFY_ICO]


def test_a_no_makes_the_later_questions_moot(ico_cast):
    incident = file_report(ico_cast.school, ico_cast.reporter)
    assessment = record_ico_decision(
        incident=incident,
        actor=ico_cast.manager,
        data=answers(personal_data_of_living_people=False, high_risk=True),
    )
    assert assessment.decision == IcoDecision.NOT_REPORTABLE
    assert assessment.risk_likely is False
    assert assessment.high_risk is False


def test_a_decision_needs_reasons_even_not_to_report(ico_cast):
    incident = file_report(ico_cast.school, ico_cast.reporter)
    with pytest.raises(IcoRefused, match="reasons for the decision"):
        record_ico_decision(
            incident=incident, actor=ico_cast.manager, data=answers(risk_likely=False, reasons="")
        )


def test_a_decision_after_72_hours_needs_the_reasons_for_the_delay(ico_cast):
    incident = file_report(ico_cast.school, ico_cast.reporter)
    late = incident.reported_at + 72 * HOUR + datetime.timedelta(minutes=1)
    with pytest.raises(IcoRefused, match="more than 72 hours"):
        record_ico_decision(incident=incident, actor=ico_cast.manager, data=answers(), now=late)
    assessment = record_ico_decision(
        incident=incident,
        actor=ico_cast.manager,
        data=answers(delay_reasons="The head was away; the deputy was not set."),
        now=late,
    )
    assert assessment.delay_reasons.startswith("The head was away")


def test_a_decision_in_time_keeps_no_delay_reasons(ico_cast):
    incident = file_report(ico_cast.school, ico_cast.reporter)
    assessment = record_ico_decision(
        incident=incident, actor=ico_cast.manager, data=answers(delay_reasons="None")
    )
    assert assessment.delay_reasons == ""


@pytest.mark.parametrize("who", ["dpo", "reporter", "colleague", "outsider", "investigator"])
def test_only_the_incident_manager_decides(ico_cast, who):
    incident = file_report(ico_cast.school, ico_cast.reporter)
    with pytest.raises(PermissionDenied):
        record_ico_decision(incident=incident, actor=getattr(ico_cast, who), data=answers())


def test_the_dpo_records_advice_but_only_when_they_may_see_the_incident(ico_cast):
    from tests.regulator.conftest import realistic_breach

    minor = file_report(ico_cast.school, ico_cast.reporter)
    # A minor incident is not referred to the DPO, so they cannot see it.
    with pytest.raises(PermissionDenied):
        record_dpo_comments(incident=minor, actor=ico_cast.dpo, comments="Report it.")
    serious = realistic_breach(ico_cast)
    assessment = record_dpo_comments(incident=serious, actor=ico_cast.dpo, comments="Report it.")
    assert assessment.dpo_involved
    assert assessment.dpo_comments == "Report it."
    with pytest.raises(PermissionDenied):
        record_dpo_comments(incident=serious, actor=ico_cast.colleague, comments="No")


def test_a_submission_needs_a_decision_to_notify_and_a_follow_up_the_case_reference(ico_cast):
    incident = file_report(ico_cast.school, ico_cast.reporter)
    sent = timezone.now() - HOUR
    with pytest.raises(IcoRefused, match="decision to notify"):
        record_ico_submission(
            incident=incident, actor=ico_cast.manager, kind="initial", submitted_at=sent
        )
    record_ico_decision(incident=incident, actor=ico_cast.manager, data=answers())
    record_ico_submission(
        incident=incident,
        actor=ico_cast.manager,
        kind="initial",
        submitted_at=sent,
        ico_case_reference="IC-123456-A1B2",
    )
    with pytest.raises(IcoRefused, match="case reference"):
        record_ico_submission(
            incident=incident, actor=ico_cast.manager, kind="follow_up", submitted_at=sent
        )
    assert IcoSubmission.objects.get().ico_case_reference == "IC-123456-A1B2"
    assert AuditEvent.objects.filter(action="ico.submitted").count() == 1


def test_the_data_subject_decision_and_who_was_told_are_recorded(ico_cast):
    incident = file_report(ico_cast.school, ico_cast.reporter)
    with pytest.raises(IcoRefused, match="only to a high risk"):
        record_data_subject_decision(
            incident=incident, actor=ico_cast.manager, high_risk=False, exception="a", reasons="x"
        )
    decision = record_data_subject_decision(
        incident=incident, actor=ico_cast.manager, high_risk=True, reasons="Health data."
    )
    assert decision.must_tell
    told = record_people_told(
        incident=incident,
        actor=ico_cast.manager,
        audience="parents",
        told_at=timezone.now() - HOUR,
        how="Letter sent home",
    )
    assert told.recorded_by == ico_cast.manager
    assert AuditEvent.objects.filter(action__startswith="ico.").count() == 2


def test_the_deadline_row_follows_the_clock_and_is_met_by_the_decision(ico_cast):
    from incidentdesk.deadlines.models import Deadline
    from incidentdesk.organisations.models import TimescaleStep

    incident = file_report(ico_cast.school, ico_cast.reporter)
    earlier = incident.reported_at - 5 * HOUR
    set_became_aware(incident=incident, actor=ico_cast.manager, at=earlier, reason="IT said so.")
    row = Deadline.objects.get(incident=incident, step=TimescaleStep.ICO_DECISION)
    assert row.due_at == earlier + 72 * HOUR
    assert row.met_at is None
    record_ico_decision(incident=incident, actor=ico_cast.manager, data=answers())
    row.refresh_from_db()
    assert row.met_at is not None
