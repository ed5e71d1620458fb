"""Steps a–k: each done with what was done, or not applicable with a reason; h decided."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from incidentdesk.audit.models import AuditEvent
from incidentdesk.incidents.models import Incident, State
from incidentdesk.investigations.models import InvestigationStep, StepStatus
from incidentdesk.investigations.services import (
    InvestigationRefused,
    StepRefused,
    update_investigation_step,
)

from .conftest import Investigation


def _step(investigation: Investigation, letter: str) -> InvestigationStep:
    return InvestigationStep.objects.get(incident=investigation.incident, letter=letter)


def test_assigning_the_investigator_gives_the_incident_steps_a_to_k(investigation):
    letters = list(investigation.incident.steps.values_list("letter", flat=True))
    assert letters == list("abcdefghijk")


def test_a_step_is_done_with_what_was_done(investigation):
    step = update_investigation_step(
        incident=investigation.incident,
        actor=investigation.investigator,
        letter="b",
        status=StepStatus.DONE,
        what_was_done="Spoke to the office manager and the teacher who sent it.",
    )
    step.refresh_from_db()
    assert step.status == StepStatus.DONE
    assert step.what_was_done.startswith("Spoke to the office manager")
    assert step.updated_by == investigation.investigator
    event = AuditEvent.objects.filter(action="investigation.step_updated").get()
    assert event.details == {"step": "b"}
    assert event.changes["status"] == [StepStatus.NOT_STARTED, StepStatus.DONE]
    assert event.object_id == str(investigation.incident.pk)


def test_done_without_what_was_done_is_refused(investigation):
    with pytest.raises(StepRefused) as refused:
        update_investigation_step(
            incident=investigation.incident,
            actor=investigation.investigator,
            letter="b",
            status=StepStatus.DONE,
            what_was_done="   ",
        )
    assert refused.value.errors == {"what_was_done": "Say what was done to complete this step"}
    assert _step(investigation, "b").status == StepStatus.NOT_STARTED
    assert not AuditEvent.objects.filter(action="investigation.step_updated").exists()


@pytest.mark.parametrize("letter", list("abcdefghijk"))
def test_every_not_applicable_needs_a_reason(investigation, letter):
    with pytest.raises(StepRefused) as refused:
        update_investigation_step(
            incident=investigation.incident,
            actor=investigation.investigator,
            letter=letter,
            status=StepStatus.NOT_APPLICABLE,
            disciplinary_decision="not_commenced",
        )
    assert refused.value.errors["not_applicable_reason"] == (
        "Give the reason this step does not apply"
    )
    assert _step(investigation, letter).status == StepStatus.NOT_STARTED


def test_not_applicable_with_a_reason_is_kept_and_stale_text_cleared(investigation):
    update_investigation_step(
        incident=investigation.incident,
        actor=investigation.investigator,
        letter="d",
        status=StepStatus.IN_PROGRESS,
        what_was_done="Asked IT for the mail logs.",
    )
    step = update_investigation_step(
        incident=investigation.incident,
        actor=investigation.investigator,
        letter="d",
        status=StepStatus.NOT_APPLICABLE,
        not_applicable_reason="The e-mail was recalled; no expert is needed.",
        what_was_done="Asked IT for the mail logs.",
    )
    step.refresh_from_db()
    assert step.status == StepStatus.NOT_APPLICABLE
    assert step.not_applicable_reason == "The e-mail was recalled; no expert is needed."
    assert step.what_was_done == ""


@pytest.mark.parametrize("status", [StepStatus.DONE, StepStatus.NOT_APPLICABLE])
def test_step_h_cannot_be_passed_over_without_a_decision(investigation, status):
    with pytest.raises(StepRefused) as refused:
        update_investigation_step(
            incident=investigation.incident,
            actor=investigation.investigator,
            letter="h",
            status=status,
            what_was_done="Nothing to do.",
            not_applicable_reason="Nothing to do.",
        )
    assert refused.value.errors == {
        "disciplinary_decision": "Choose whether disciplinary action was commenced"
    }
    assert _step(investigation, "h").status == StepStatus.NOT_STARTED


@pytest.mark.parametrize("decision", ["commenced", "not_commenced"])
def test_step_h_cannot_be_passed_over_without_the_reason(investigation, decision):
    with pytest.raises(StepRefused) as refused:
        update_investigation_step(
            incident=investigation.incident,
            actor=investigation.investigator,
            letter="h",
            status=StepStatus.DONE,
            disciplinary_decision=decision,
        )
    assert refused.value.errors == {"what_was_done": "Give the reason for the decision"}
    with pytest.raises(StepRefused) as refused:
        update_investigation_step(
            incident=investigation.incident,
            actor=investigation.investigator,
            letter="h",
            status=StepStatus.NOT_APPLICABLE,
            disciplinary_decision=decision,
        )
    assert refused.value.errors == {
        "not_applicable_reason": "Give the reason this step does not apply"
    }
    assert _step(investigation, "h").status == StepStatus.NOT_STARTED


def test_step_h_with_neither_decision_nor_reason_lists_both_problems(investigation):
    with pytest.raises(StepRefused) as refused:
        update_investigation_step(
            incident=investigation.incident,
            actor=investigation.investigator,
            letter="h",
            status=StepStatus.DONE,
        )
    assert set(refused.value.errors) == {"what_was_done", "disciplinary_decision"}


def test_step_h_is_done_with_the_decision_and_the_reason(investigation):
    step = update_investigation_step(
        incident=investigation.incident,
        actor=investigation.investigator,
        letter="h",
        status=StepStatus.DONE,
        disciplinary_decision="not_commenced",
        what_was_done="An honest mistake, reported at once; retraining instead.",
    )
    step.refresh_from_db()
    assert step.status == StepStatus.DONE
    assert step.disciplinary_decision == "not_commenced"
    assert "retraining" in step.what_was_done


def test_a_decision_is_kept_only_on_step_h(investigation):
    step = update_investigation_step(
        incident=investigation.incident,
        actor=investigation.investigator,
        letter="a",
        status=StepStatus.DONE,
        what_was_done="Listed the parents and the head.",
        disciplinary_decision="commenced",
    )
    step.refresh_from_db()
    assert step.disciplinary_decision == ""


def test_an_unknown_status_or_decision_is_refused(investigation):
    with pytest.raises(StepRefused) as refused:
        update_investigation_step(
            incident=investigation.incident,
            actor=investigation.investigator,
            letter="h",
            status="finished",
            disciplinary_decision="maybe",
        )
    assert set(refused.value.errors) == {"status", "disciplinary_decision"}


def test_the_manager_may_update_a_step(investigation):
    update_investigation_step(
        incident=investigation.incident,
        actor=investigation.manager,
        letter="a",
        status=StepStatus.IN_PROGRESS,
    )
    assert _step(investigation, "a").status == StepStatus.IN_PROGRESS


@pytest.mark.parametrize("who", ["other_investigator", "dpo", "outsider"])
def test_others_may_not_update_a_step(investigation, who):
    with pytest.raises(PermissionDenied):
        update_investigation_step(
            incident=investigation.incident,
            actor=getattr(investigation, who),
            letter="a",
            status=StepStatus.IN_PROGRESS,
        )
    assert _step(investigation, "a").status == StepStatus.NOT_STARTED


@pytest.mark.parametrize("state", [State.CLOSED, State.NOT_AN_INCIDENT])
def test_a_closed_incident_refuses_step_changes(investigation, state):
    Incident.objects.filter(pk=investigation.incident.pk).update(state=state)
    with pytest.raises(InvestigationRefused) as refused:
        update_investigation_step(
            incident=investigation.incident,
            actor=investigation.investigator,
            letter="a",
            status=StepStatus.IN_PROGRESS,
        )
    assert refused.value.errors == {
        "": "This incident is closed. Reopen it to change the investigation."
    }
