"""The cast of the deadline tests: a school on the school preset and a trust's academy on
the trust preset, each with the people its escalation chain reaches."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

from incidentdesk.incidents.models import Incident, Kind, PersonalData
from incidentdesk.incidents.services import ClassificationInput
from incidentdesk.organisations.models import Duty, Organisation, Person
from tests.factories import make_organisation, make_person

LONDON = ZoneInfo("Europe/London")


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LONDON)


@dataclass
class Setting:
    organisation: Organisation
    manager: Person
    dpo: Person
    top: Person  # where an overdue ICO decision escalates: the chair (school) or SIRO (trust)
    investigator: Person
    reporter: Person


@pytest.fixture
def school(db) -> Setting:
    birch = make_organisation("Birch School", preset="school")
    return Setting(
        organisation=birch,
        manager=make_person("Mina Manager", organisation=birch, duties=(Duty.INCIDENT_MANAGER,)),
        dpo=make_person("Dee Pio", organisation=birch, duties=(Duty.DPO,)),
        top=make_person("Gita Governor", organisation=birch, duties=(Duty.CHAIR_OF_GOVERNORS,)),
        investigator=make_person("Ivy Investigator", organisation=birch),
        reporter=make_person("Rory Reporter", organisation=birch),
    )


@pytest.fixture
def trust(db) -> Setting:
    oak = make_organisation("Oak Learning Trust", kind="trust", preset="trust")
    acorn = make_organisation("Acorn Primary", trust=oak)
    return Setting(
        organisation=acorn,
        manager=make_person("Chris Champion", organisation=oak, duties=(Duty.INCIDENT_MANAGER,)),
        dpo=make_person("Dana Pio", organisation=oak, duties=(Duty.DPO,)),
        top=make_person("Sy Ro", organisation=oak, duties=(Duty.SIRO,)),
        investigator=make_person("Ian Investigator", organisation=acorn),
        reporter=make_person("Ada Acorn", organisation=acorn),
    )


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


def deadline_of(incident: Incident, step: str):
    return incident.deadlines.get(step=step, action__isnull=True)
