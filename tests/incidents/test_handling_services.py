"""Classifying, verifying, assigning, referring and moving incidents through their states."""

import pytest
from django.core.exceptions import PermissionDenied

from incidentdesk.audit.models import AuditEvent
from incidentdesk.incidents.models import (
    Classification,
    Incident,
    Involvement,
    Kind,
    PersonalData,
    State,
)
from incidentdesk.incidents.services import (
    ClassificationInput,
    acknowledge_referral,
    assign_investigator,
    classify_incident,
    transition,
    verify_incident,
)
from incidentdesk.incidents.states import TransitionRefused
from incidentdesk.investigations.models import InvestigationStep, StepStatus
from incidentdesk.notifications.models import OutgoingEmail
from incidentdesk.organisations.models import Duty
from tests.factories import make_organisation, make_person
from tests.incidents.conftest import file_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def trust_school():
    trust = make_organisation("Trust", kind="trust", preset="trust")
    school = make_organisation("Academy", trust=trust)
    people = {
        "champion": make_person("Champion", organisation=trust, duties=(Duty.INCIDENT_MANAGER,)),
        "dpo": make_person("Dee Pio", organisation=trust, duties=(Duty.DPO,)),
        "siro": make_person("Sy Ro", organisation=trust, duties=(Duty.SIRO,)),
        "dsl": make_person("Dee Esel", organisation=school, duties=(Duty.SAFEGUARDING_LEAD,)),
        "investigator": make_person("Ivy Investigator", organisation=school),
        "teacher": make_person("Teacher", organisation=school),
    }
    return school, people


def classification(severity: str = "minor", **overrides) -> ClassificationInput:
    values = {
        "kind": Kind.CONFIRMED_BREACH,
        "category": "wrong_recipient",
        "personal_data": PersonalData.YES,
        "severity": severity,
        "severity_reason": "A class list went to one parent.",
    }
    values.update(overrides)
    return ClassificationInput(**values)


def test_classifying_moves_a_new_report_on_and_keeps_every_classification(trust_school):
    school, people = trust_school
    incident = file_report(school, people["teacher"])

    incident = classify_incident(incident=incident, actor=people["champion"], data=classification())
    incident = classify_incident(
        incident=incident,
        actor=people["champion"],
        data=classification("moderate", severity_reason="Two classes, not one."),
    )

    assert incident.state == State.TRIAGED
    assert list(incident.classifications.values_list("severity", flat=True)) == [
        "minor",
        "moderate",
    ]
    event = AuditEvent.objects.filter(action="incident.classified").last()
    assert event.changes["severity"] == ["minor", "moderate"]


def test_a_major_incident_is_referred_to_the_dpo_and_supported_by_the_siro(trust_school):
    school, people = trust_school
    incident = file_report(school, people["teacher"])

    incident = classify_incident(
        incident=incident, actor=people["champion"], data=classification("major")
    )

    involved = {(i.person, i.role) for i in Involvement.objects.filter(incident=incident)}
    assert involved == {(people["dpo"], "referral"), (people["siro"], "support")}
    assert incident.is_serious
    templates = dict(OutgoingEmail.objects.values_list("to", "template"))
    assert templates[people["dpo"].email] == "referral"
    assert templates[people["siro"].email] == "support_requested"


def test_safeguarding_information_flags_the_incident_for_the_safeguarding_lead(trust_school):
    school, people = trust_school
    incident = file_report(school, people["teacher"])

    incident = classify_incident(
        incident=incident, actor=people["champion"], data=classification(safeguarding=True)
    )

    assert incident.safeguarding_flagged and incident.safeguarding_referred_at
    assert Involvement.objects.get(incident=incident, role="safeguarding").person == people["dsl"]


def test_only_the_incident_manager_classifies(trust_school):
    school, people = trust_school
    incident = file_report(school, people["teacher"])

    for who in ["teacher", "dpo", "investigator"]:
        with pytest.raises(PermissionDenied):
            classify_incident(incident=incident, actor=people[who], data=classification())
    assert not Classification.objects.exists()


def test_a_severity_outside_the_scheme_or_without_a_reason_is_refused(trust_school):
    school, people = trust_school
    incident = file_report(school, people["teacher"])

    with pytest.raises(TransitionRefused, match="Choose a severity"):
        classify_incident(
            incident=incident, actor=people["champion"], data=classification("apocalyptic")
        )
    with pytest.raises(TransitionRefused, match="reason"):
        classify_incident(
            incident=incident, actor=people["champion"], data=classification(severity_reason=" ")
        )


def test_verification_records_who_when_and_what_was_checked(trust_school):
    school, people = trust_school
    incident = file_report(school, people["teacher"])

    incident = verify_incident(
        incident=incident, actor=people["champion"], what_was_checked="Saw the sent e-mail."
    )

    assert incident.verified_by == people["champion"] and incident.verified_at
    assert AuditEvent.objects.filter(action="incident.verified").exists()


def test_assigning_starts_the_investigation_with_steps_a_to_k_and_tells_the_investigator(
    trust_school,
):
    school, people = trust_school
    incident = file_report(school, people["teacher"])
    incident = classify_incident(incident=incident, actor=people["champion"], data=classification())

    incident = assign_investigator(
        incident=incident, actor=people["champion"], investigator=people["investigator"]
    )

    assert incident.state == State.INVESTIGATING
    letters = list(
        InvestigationStep.objects.filter(incident=incident).values_list("letter", flat=True)
    )
    assert letters == list("abcdefghijk")
    assert OutgoingEmail.objects.filter(
        to=people["investigator"].email, template="investigator_assigned"
    ).exists()


def test_an_investigator_from_another_organisation_is_refused(trust_school):
    school, people = trust_school
    stranger = make_person("Stranger", organisation=make_organisation())
    incident = file_report(school, people["teacher"])
    incident = classify_incident(incident=incident, actor=people["champion"], data=classification())

    with pytest.raises(TransitionRefused, match="must work in this school"):
        assign_investigator(incident=incident, actor=people["champion"], investigator=stranger)


def test_forbidden_transitions_are_refused_in_plain_words(trust_school):
    school, people = trust_school
    incident = file_report(school, people["teacher"])

    with pytest.raises(TransitionRefused, match="cannot be “close”"):
        transition(incident=incident, action="close", actor=people["champion"])
    with pytest.raises(TransitionRefused, match="Give the reason"):
        transition(incident=incident, action="not_an_incident", actor=people["champion"])
    assert Incident.objects.get(pk=incident.pk).state == State.REPORTED


def test_not_an_incident_and_reopen_each_need_a_reason(trust_school):
    school, people = trust_school
    incident = file_report(school, people["teacher"])

    incident = transition(
        incident=incident,
        action="not_an_incident",
        actor=people["champion"],
        reason="The e-mail went to the right parent after all.",
    )
    assert incident.state == State.NOT_AN_INCIDENT and incident.closed_at

    incident = transition(
        incident=incident, action="reopen", actor=people["champion"], reason="It did not."
    )
    assert incident.state == State.INVESTIGATING and incident.closed_at is None


def test_a_major_incident_cannot_close_before_the_dpo_acknowledges(trust_school):
    school, people = trust_school
    champion = people["champion"]
    incident = file_report(school, people["teacher"])
    incident = classify_incident(incident=incident, actor=champion, data=classification("major"))
    incident = assign_investigator(incident=incident, actor=champion, investigator=champion)
    InvestigationStep.objects.filter(incident=incident).update(
        status=StepStatus.DONE, what_was_done="Done."
    )
    incident = transition(incident=incident, action="submit_outcome", actor=champion)

    with pytest.raises(TransitionRefused, match="DPO has not yet acknowledged"):
        transition(incident=incident, action="close", actor=champion)

    with pytest.raises(PermissionDenied):
        acknowledge_referral(incident=incident, actor=people["siro"])
    acknowledge_referral(incident=incident, actor=people["dpo"])
    # What remains is the ICO decision and the approved outcome report (tests/outcomes).
    with pytest.raises(TransitionRefused) as refused:
        transition(incident=incident, action="close", actor=champion)
    assert "DPO" not in str(refused.value)
    assert "The outcome report has not been submitted." in str(refused.value)


def test_closing_lists_every_unresolved_step(trust_school):
    school, people = trust_school
    champion = people["champion"]
    incident = file_report(school, people["teacher"])
    incident = classify_incident(incident=incident, actor=champion, data=classification())
    incident = assign_investigator(incident=incident, actor=champion, investigator=champion)
    InvestigationStep.objects.filter(incident=incident).exclude(letter__in=["c", "h"]).update(
        status=StepStatus.DONE
    )
    incident = transition(incident=incident, action="submit_outcome", actor=champion)

    with pytest.raises(TransitionRefused, match="c, h"):
        transition(incident=incident, action="close", actor=champion)
