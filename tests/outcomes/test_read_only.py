"""A closed incident refuses changes, except its actions and reopening with a reason."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from incidentdesk.incidents.models import Incident, Kind, State
from incidentdesk.incidents.services import (
    ClassificationInput,
    assign_investigator,
    classify_incident,
    transition,
    verify_incident,
)
from incidentdesk.incidents.states import TransitionRefused
from incidentdesk.investigations.models import Action, ActionStatus
from incidentdesk.investigations.services import (
    InvestigationRefused,
    add_action,
    add_note,
    update_action,
    update_investigation_step,
)
from incidentdesk.outcomes.services import (
    OutcomeRefused,
    review_outcome_report,
    save_outcome_report,
    submit_outcome_report,
)
from incidentdesk.regulator import services as ico
from incidentdesk.regulator.services import IcoRefused
from incidentdesk.reporting.services import add_information, ask_reporter

from .conftest import SECTION_TEXT, ready_to_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(outcome_cast) -> Incident:
    side = outcome_cast.school
    incident = ready_to_submit(side, severity="minor")
    submit_outcome_report(incident=incident, actor=side.investigator, sections=SECTION_TEXT)
    review_outcome_report(incident=incident, actor=side.manager, decision="approved")
    return transition(
        incident=Incident.objects.get(pk=incident.pk), action="close", actor=side.manager
    )


def test_a_closed_incident_refuses_each_change_with_a_plain_message(outcome_cast, closed):
    side = outcome_cast.school
    m = side.manager
    now = timezone.now()
    attempts = [
        (
            TransitionRefused,
            "closed incident cannot be classified",
            lambda: classify_incident(
                incident=closed,
                actor=m,
                data=ClassificationInput(
                    kind=Kind.NEAR_MISS,
                    category="other",
                    personal_data="no",
                    severity="minor",
                    severity_reason="x",
                ),
            ),
        ),
        (
            TransitionRefused,
            "closed incident cannot be assigned",
            lambda: assign_investigator(incident=closed, actor=m, investigator=side.colleague),
        ),
        (
            TransitionRefused,
            "closed incident cannot be verified",
            lambda: verify_incident(incident=closed, actor=m, what_was_checked="Rang them."),
        ),
        (
            InvestigationRefused,
            "Reopen it to change the investigation",
            lambda: update_investigation_step(
                incident=closed, actor=m, letter="a", status="in_progress"
            ),
        ),
        (
            InvestigationRefused,
            "Reopen it to change the investigation",
            lambda: add_note(incident=closed, actor=m, body="More."),
        ),
        (
            InvestigationRefused,
            "Reopen it to change the investigation",
            lambda: add_action(
                incident=closed,
                actor=m,
                kind="remedial",
                description="x",
                owner=m,
                due_on=datetime.date(2027, 1, 1),
            ),
        ),
        (
            IcoRefused,
            "Reopen it to change the ICO decision",
            lambda: ico.record_ico_decision(
                incident=closed,
                actor=m,
                data=ico.IcoDecisionInput(
                    personal_data_of_living_people=False,
                    risk_likely=False,
                    high_risk=False,
                    reasons="x",
                ),
            ),
        ),
        (
            IcoRefused,
            "Reopen it to change the ICO decision",
            lambda: ico.set_became_aware(incident=closed, actor=m, at=now, reason="x"),
        ),
        (
            IcoRefused,
            "Reopen it to change the ICO decision",
            lambda: ico.record_people_told(
                incident=closed, actor=m, audience="parents", told_at=now, how="Phone"
            ),
        ),
        (
            IcoRefused,
            "Reopen it to change the ICO decision",
            lambda: ico.record_data_subject_decision(
                incident=closed, actor=m, high_risk=False, reasons="x"
            ),
        ),
        (
            IcoRefused,
            "Reopen it to change the ICO decision",
            lambda: ico.record_ico_submission(
                incident=closed, actor=m, kind="initial", submitted_at=now
            ),
        ),
        (
            PermissionDenied,
            "This incident is closed",
            lambda: add_information(incident=closed, author=side.reporter, body="More."),
        ),
        (
            PermissionDenied,
            "This incident is closed",
            lambda: ask_reporter(incident=closed, author=m, body="Which PC?"),
        ),
        (
            OutcomeRefused,
            "Reopen it to change the report",
            lambda: save_outcome_report(incident=closed, actor=m, sections={"cause": "x"}),
        ),
        (
            OutcomeRefused,
            "no submitted outcome report",
            lambda: review_outcome_report(incident=closed, actor=m, decision="approved"),
        ),
    ]
    for error, words, attempt in attempts:
        with pytest.raises(error, match=words):
            attempt()
    assert Incident.objects.get(pk=closed.pk).state == State.CLOSED


def test_a_closed_incidents_actions_are_still_tracked(outcome_cast, closed):
    action = Action.objects.get(incident=closed)
    update_action(action=action, actor=outcome_cast.school.investigator, status=ActionStatus.DONE)
    assert Action.objects.get(pk=action.pk).status == ActionStatus.DONE


def test_reopened_it_may_be_changed_again(outcome_cast, closed):
    side = outcome_cast.school
    transition(incident=closed, action="reopen", actor=side.manager, reason="Parent complained.")
    report = save_outcome_report(
        incident=closed, actor=side.investigator, sections={"cause": "A second cause."}
    )
    assert report.cause == "A second cause."
