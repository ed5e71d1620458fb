"""Closing: refused with each unmet condition in plain words until all hold, then closes."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from incidentdesk.incidents.models import Incident, PersonalData, State
from incidentdesk.incidents.services import closing_blockers, transition
from incidentdesk.incidents.states import TransitionRefused
from incidentdesk.outcomes.services import review_outcome_report, submit_outcome_report

from .conftest import SECTION_TEXT, acknowledge, investigated, record_ico, resolve_steps

pytestmark = pytest.mark.django_db


def fresh(incident: Incident) -> Incident:
    return Incident.objects.get(pk=incident.pk)


def test_closing_lists_every_unmet_condition_until_each_is_met_then_closes(outcome_cast):
    side = outcome_cast.school
    incident = investigated(side, severity="major")

    blockers = closing_blockers(incident)
    assert blockers[0].startswith(
        "Investigation steps not yet completed or marked not applicable: a"
    )
    assert "The DPO has not yet acknowledged the referral of this incident." in blockers
    assert "The ICO decision has not been recorded." in blockers
    assert "The outcome report has not been submitted." in blockers

    resolve_steps(incident, side.investigator)
    assert not any(b.startswith("Investigation steps") for b in closing_blockers(fresh(incident)))
    acknowledge(incident, side)
    assert "The DPO has not yet acknowledged the referral of this incident." not in (
        closing_blockers(fresh(incident))
    )
    record_ico(incident, side.manager)
    assert closing_blockers(fresh(incident)) == ["The outcome report has not been submitted."]

    submit_outcome_report(incident=incident, actor=side.investigator, sections=SECTION_TEXT)
    assert closing_blockers(fresh(incident)) == [
        "The outcome report has not been approved by the incident manager.",
        "The outcome report has not been approved by the Chair of Governors.",
    ]
    with pytest.raises(TransitionRefused) as refused:
        transition(incident=fresh(incident), action="close", actor=side.manager)
    assert "approved by the incident manager" in str(refused.value)
    assert "approved by the Chair of Governors" in str(refused.value)

    review_outcome_report(incident=incident, actor=side.manager, decision="approved")
    assert closing_blockers(fresh(incident)) == [
        "The outcome report has not been approved by the Chair of Governors."
    ]
    review_outcome_report(incident=incident, actor=side.second_reviewer, decision="approved")
    assert closing_blockers(fresh(incident)) == []

    closed = transition(incident=fresh(incident), action="close", actor=side.manager)
    assert closed.state == State.CLOSED


def test_an_incident_without_personal_data_needs_no_ico_decision(outcome_cast):
    side = outcome_cast.school
    incident = investigated(side, personal_data=PersonalData.NO)
    assert "The ICO decision has not been recorded." not in closing_blockers(incident)


@pytest.mark.parametrize("personal_data", [PersonalData.YES, PersonalData.UNKNOWN])
def test_an_incident_that_may_involve_personal_data_needs_the_ico_decision(
    outcome_cast, personal_data
):
    incident = investigated(outcome_cast.school, personal_data=personal_data)
    assert "The ICO decision has not been recorded." in closing_blockers(incident)


def test_a_lesser_incident_needs_only_the_incident_managers_approval(outcome_cast):
    side = outcome_cast.school
    incident = investigated(side, severity="minor")
    resolve_steps(incident, side.investigator)
    record_ico(incident, side.manager)
    submit_outcome_report(incident=incident, actor=side.investigator, sections=SECTION_TEXT)
    review_outcome_report(incident=incident, actor=side.manager, decision="approved")
    assert closing_blockers(fresh(incident)) == []
    assert transition(incident=fresh(incident), action="close", actor=side.manager).state == (
        State.CLOSED
    )


def test_only_the_incident_manager_closes(outcome_cast):
    side = outcome_cast.school
    incident = investigated(side, severity="minor")
    resolve_steps(incident, side.investigator)
    record_ico(incident, side.manager)
    submit_outcome_report(incident=incident, actor=side.investigator, sections=SECTION_TEXT)
    review_outcome_report(incident=incident, actor=side.manager, decision="approved")
    for person in (side.investigator, side.second_reviewer, side.dpo):
        with pytest.raises(PermissionDenied):
            transition(incident=fresh(incident), action="close", actor=person)


def test_reopening_needs_a_reason_and_then_the_report_must_be_approved_again(outcome_cast):
    side = outcome_cast.school
    incident = investigated(side, severity="minor")
    resolve_steps(incident, side.investigator)
    record_ico(incident, side.manager)
    submit_outcome_report(incident=incident, actor=side.investigator, sections=SECTION_TEXT)
    review_outcome_report(incident=incident, actor=side.manager, decision="approved")
    transition(incident=fresh(incident), action="close", actor=side.manager)
    with pytest.raises(TransitionRefused, match="Give the reason"):
        transition(incident=fresh(incident), action="reopen", actor=side.manager)
    reopened = transition(
        incident=fresh(incident), action="reopen", actor=side.manager, reason="New evidence."
    )
    assert reopened.state == State.INVESTIGATING
    assert closing_blockers(reopened) == ["The outcome report has not been submitted."]
