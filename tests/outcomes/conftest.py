"""The cast of the outcome report tests: a school (school preset: the Chair of Governors
approves a serious incident's report after the incident manager) and a school in a trust
(trust preset: the SIRO does), each with an investigator, a DPO and an outsider."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from incidentdesk.incidents.models import Incident, Kind, PersonalData, ReportingMode
from incidentdesk.incidents.services import (
    ClassificationInput,
    acknowledge_referral,
    assign_investigator,
    classify_incident,
)
from incidentdesk.investigations.models import StepStatus
from incidentdesk.investigations.services import add_action, update_investigation_step
from incidentdesk.organisations.models import Duty, Organisation, OrganisationKind, Person
from incidentdesk.regulator.services import IcoDecisionInput, record_ico_decision
from tests.factories import make_organisation, make_person
from tests.incidents.conftest import file_report

SECTION_TEXT = {
    "summary": "A pupil's SEN plan was e-mailed to the wrong parent.",
    "chronology": "23 November 15:40: the plan was sent. 23 November 16:10: reported.",
    "cause": "E-mail address autocomplete picked the wrong parent.",
    "impact": "One pupil's special educational needs information reached one other parent.",
    "policies_breached": "E-mail and Internet Use Policy",
    "steps_taken": "a to k completed; see the investigation.",
    "ico_decision": "Notify the ICO: reported within 72 hours.",
    "people_told": "The pupil's parents, by phone on 24 November.",
    "disciplinary_decision": "No disciplinary action: an honest mistake, reported at once.",
    "actions_and_controls": "Autocomplete turned off for SEN staff.",
    "lessons_learned": "Check the recipient before sending personal information.",
    "recommendations": "Governors to review e-mail training for all staff each year.",
}


@dataclass
class Side:
    """One organisation's people, whichever preset it runs."""

    organisation: Organisation
    manager: Person
    investigator: Person
    dpo: Person
    second_reviewer: Person  # the Chair of Governors (school) or the SIRO (trust)
    reporter: Person
    colleague: Person


@dataclass
class OutcomeCast:
    school: Side
    trust_school: Side
    outsider: Person


def _side(organisation: Organisation, duty_home: Organisation, second_duty: str) -> Side:
    return Side(
        organisation=organisation,
        manager=make_person(
            "Mina Manager", organisation=duty_home, duties=(Duty.INCIDENT_MANAGER,)
        ),
        investigator=make_person("Ivy Investigator", organisation=organisation),
        dpo=make_person("Dara Protector", organisation=duty_home, duties=(Duty.DPO,)),
        second_reviewer=make_person("Sam Second", organisation=duty_home, duties=(second_duty,)),
        reporter=make_person("Rory Reporter", organisation=organisation),
        colleague=make_person("Colin Colleague", organisation=organisation),
    )


@pytest.fixture
def outcome_cast(db) -> OutcomeCast:
    return make_outcome_cast()


def make_outcome_cast() -> OutcomeCast:
    school = make_organisation("Birch School")
    trust = make_organisation("Oak Learning Trust", kind=OrganisationKind.TRUST, preset="trust")
    acorn = make_organisation("Acorn Primary", trust=trust)
    other = make_organisation("Cedar Academy")
    return OutcomeCast(
        school=_side(school, school, Duty.CHAIR_OF_GOVERNORS),
        trust_school=_side(acorn, trust, Duty.SIRO),
        outsider=make_person("Olive Outsider", organisation=other, duties=(Duty.INCIDENT_MANAGER,)),
    )


def investigated(
    side: Side,
    *,
    severity: str = "moderate",
    personal_data: str = PersonalData.YES,
    mode: str = ReportingMode.NAMED,
) -> Incident:
    """A report, classified and being investigated, with one action."""
    incident = file_report(
        side.organisation,
        side.reporter,
        mode,
        what_happened="Amelia's SEN plan was e-mailed to Josh's mum instead of her parents.",
    )
    incident = classify_incident(
        incident=incident,
        actor=side.manager,
        data=ClassificationInput(
            kind=Kind.CONFIRMED_BREACH,
            category="wrong_recipient",
            personal_data=personal_data,
            severity=severity,
            severity_reason="Special category data about a child went to another parent.",
            confidentiality_affected=True,
        ),
    )
    incident = assign_investigator(
        incident=incident, actor=side.manager, investigator=side.investigator
    )
    add_action(
        incident=incident,
        actor=side.investigator,
        kind="preventive",
        description="Turn off e-mail address autocomplete for SEN staff.",
        owner=side.manager,
        due_on=datetime.date(2026, 12, 4),
    )
    return Incident.objects.get(pk=incident.pk)


def resolve_steps(incident: Incident, actor: Person) -> None:
    for letter in incident.steps.values_list("letter", flat=True):
        update_investigation_step(
            incident=incident,
            actor=actor,
            letter=letter,
            status=StepStatus.DONE,
            what_was_done=f"Step {letter} done and recorded.",
            disciplinary_decision="not_commenced" if letter == "h" else "",
        )


def record_ico(incident: Incident, manager: Person) -> None:
    record_ico_decision(
        incident=incident,
        actor=manager,
        data=IcoDecisionInput(
            personal_data_of_living_people=True,
            risk_likely=True,
            high_risk=False,
            reasons="Health data of one child reached one other parent, who deleted it.",
        ),
    )


def acknowledge(incident: Incident, side: Side) -> None:
    acknowledge_referral(incident=incident, actor=side.dpo)


def ready_to_submit(side: Side, **kwargs) -> Incident:
    """Investigated with every step resolved, the ICO decision and the DPO's acknowledgement."""
    incident = investigated(side, **kwargs)
    resolve_steps(incident, side.investigator)
    record_ico(incident, side.manager)
    if incident.is_serious:
        acknowledge(incident, side)
    return Incident.objects.get(pk=incident.pk)
