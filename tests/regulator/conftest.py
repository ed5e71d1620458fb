"""The cast of the ICO tests: Birch School, its incident manager and DPO, and a realistic
breach whose report names the pupils affected, as real reports do."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from incidentdesk.incidents.models import Incident, Kind, PersonalData
from incidentdesk.incidents.services import (
    ClassificationInput,
    assign_investigator,
    classify_incident,
)
from incidentdesk.investigations.services import add_action, add_escalation
from incidentdesk.organisations.models import Duty, Organisation, Person
from tests.factories import make_organisation, make_person
from tests.incidents.conftest import file_report

# Names in the report that must never reach the ICO draft.
AFFECTED = ["Amelia Hartley", "Josh Okafor"]


@dataclass
class IcoCast:
    school: Organisation
    manager: Person
    dpo: Person
    reporter: Person
    investigator: Person
    colleague: Person
    outsider: Person


@pytest.fixture
def ico_cast(db) -> IcoCast:
    return make_ico_cast()


def make_ico_cast() -> IcoCast:
    school = make_organisation("Birch School")
    other = make_organisation("Cedar Academy")
    return IcoCast(
        school=school,
        manager=make_person("Mina Manager", organisation=school, duties=(Duty.INCIDENT_MANAGER,)),
        dpo=make_person("Dara Protector", organisation=school, duties=(Duty.DPO,)),
        reporter=make_person("Rory Reporter", organisation=school),
        investigator=make_person("Ivy Investigator", organisation=school),
        colleague=make_person("Colin Colleague", organisation=school),
        outsider=make_person("Olive Outsider", organisation=other, duties=(Duty.INCIDENT_MANAGER,)),
    )


def realistic_breach(cast: IcoCast, *, severity: str = "major") -> Incident:
    """An SEN report e-mailed to the wrong parent, classified, with actions under way."""
    incident = file_report(
        cast.school,
        cast.reporter,
        what_happened=(
            "Amelia Hartley's SEN support plan was e-mailed to Josh Okafor's mum instead "
            "of Amelia's parents. Rory noticed when Mrs Okafor replied."
        ),
        occurred_on=datetime.date(2026, 11, 23),
        occurred_time=datetime.time(15, 40),
        how_discovered="Josh Okafor's mother replied to say she had the wrong child's plan.",
        whose_information=["pupils", "parents"],
        people_count="1",
        information_categories=["sen", "health", "basic_identifiers"],
        information_forms=["email"],
        people_involved="Amelia Hartley (Year 4), Josh Okafor and his mother",
        already_done="Asked Mrs Okafor to delete the e-mail; she confirmed she had.",
    )
    incident = classify_incident(
        incident=incident,
        actor=cast.manager,
        data=ClassificationInput(
            kind=Kind.CONFIRMED_BREACH,
            category="wrong_recipient",
            personal_data=PersonalData.YES,
            severity=severity,
            severity_reason="Special category data about a child went to another parent.",
            confidentiality_affected=True,
        ),
    )
    incident = assign_investigator(
        incident=incident, actor=cast.manager, investigator=cast.investigator
    )
    add_action(
        incident=incident,
        actor=cast.manager,
        kind="preventive",
        description="Turn off e-mail address autocomplete for SEN staff (asked by Amelia's mum).",
        owner=cast.manager,
        due_on=datetime.date(2026, 12, 4),
    )
    add_escalation(
        incident=incident,
        actor=cast.manager,
        escalated_to="The local authority SEN team (caseworker for Hartley family)",
        reason="They hold the plan too.",
    )
    return Incident.objects.get(pk=incident.pk)
