"""A known set of incidents for the dashboard's tests, made through the real services at
known times, for both presets: Birch School stands alone (school preset); Oak Learning
Trust (trust preset) has Acorn Primary and Beech Primary; Cedar Academy is another
organisation whose incidents must never be counted.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
import time_machine

from incidentdesk.incidents.models import Incident, Kind, PersonalData
from incidentdesk.incidents.services import ClassificationInput, classify_incident, transition
from incidentdesk.organisations.models import Duty, Organisation, OrganisationKind, Person
from incidentdesk.organisations.services import organisation_create
from incidentdesk.oversight.statistics import Period
from incidentdesk.regulator.services import IcoDecisionInput, record_ico_decision
from tests.factories import make_person
from tests.incidents.conftest import file_report

LONDON = ZoneInfo("Europe/London")
# Reporters' names that must never reach the governors' report.
REPORTER_NAMES = ["Rory Reporter", "Tara Teacher"]
PERIOD = Period(datetime.date(2026, 9, 1), datetime.date(2026, 11, 1))


def at(month: int, day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, 0, tzinfo=LONDON)


@dataclass
class World:
    birch: Organisation
    trust: Organisation
    acorn: Organisation
    beech: Organisation
    cedar: Organisation
    manager: Person  # Birch's Headteacher
    chair: Person  # Birch's Chair of Governors
    governor: Person  # Birch governing body member
    dpo: Person  # Birch's DPO
    reporter: Person
    champion: Person  # the trust's Information Champion
    trustee: Person  # a trustee of Oak
    trust_reporter: Person
    outsider: Person  # Cedar's incident manager
    birch_incidents: list[Incident]
    trust_incidents: list[Incident]


def report(org: Organisation, reporter: Person, when: datetime.datetime, **details) -> Incident:
    with time_machine.travel(when, tick=False):
        return file_report(org, reporter, **details)


def classify(
    incident: Incident,
    manager: Person,
    when: datetime.datetime,
    *,
    kind: str = Kind.CONFIRMED_BREACH,
    category: str = "wrong_recipient",
    severity: str = "minor",
    personal_data: str = PersonalData.YES,
    policies: tuple[int, ...] = (),
) -> Incident:
    with time_machine.travel(when, tick=False):
        return classify_incident(
            incident=incident,
            actor=manager,
            data=ClassificationInput(
                kind=kind,
                category=category,
                personal_data=personal_data,
                severity=severity,
                severity_reason="Checked against the policy's scheme.",
                policies_breached=policies,
            ),
        )


def not_an_incident(incident: Incident, manager: Person, when: datetime.datetime) -> Incident:
    with time_machine.travel(when, tick=False):
        return transition(
            incident=incident, actor=manager, action="not_an_incident", reason="A false alarm."
        )


def decide_ico(incident: Incident, manager: Person, when: datetime.datetime) -> None:
    with time_machine.travel(when, tick=False):
        record_ico_decision(
            incident=incident,
            actor=manager,
            data=IcoDecisionInput(
                personal_data_of_living_people=True,
                risk_likely=False,
                high_risk=False,
                reasons="One parent, deleted at once.",
                delay_reasons="Waited for the parent to confirm deletion.",
            ),
            now=when,
        )


def make_world() -> World:
    birch = organisation_create(
        name="Birch School", slug="birch", code="BIR", kind=OrganisationKind.SCHOOL, preset="school"
    )
    trust = organisation_create(
        name="Oak Learning Trust",
        slug="oak",
        code="OAK",
        kind=OrganisationKind.TRUST,
        preset="trust",
    )
    acorn = organisation_create(
        name="Acorn Primary", slug="acorn", code="ACN", kind=OrganisationKind.SCHOOL, trust=trust
    )
    beech = organisation_create(
        name="Beech Primary", slug="beech", code="BEE", kind=OrganisationKind.SCHOOL, trust=trust
    )
    cedar = organisation_create(
        name="Cedar Academy",
        slug="cedar",
        code="CED",
        kind=OrganisationKind.SCHOOL,
        preset="school",
    )
    manager = make_person("Mina Manager", organisation=birch, duties=(Duty.INCIDENT_MANAGER,))
    reporter = make_person("Rory Reporter", organisation=birch)
    champion = make_person("Chris Champion", organisation=trust, duties=(Duty.INCIDENT_MANAGER,))
    trust_reporter = make_person("Tara Teacher", organisation=acorn)
    make_person("Beth Teacher", organisation=beech)
    outsider = make_person("Olive Outsider", organisation=cedar, duties=(Duty.INCIDENT_MANAGER,))
    cedar_reporter = make_person("Carl Cedar", organisation=cedar)
    policy = birch.effective_profile.information_policies.get(name="Data Protection Policy")

    # Birch: six reports over September to November.
    a = report(birch, reporter, at(9, 2), discovered_at=at(9, 2, 8))  # 2 hours late
    a = classify(a, manager, at(9, 2, 12), policies=(policy.pk,))
    b = report(birch, reporter, at(9, 9), reported_kind=Kind.NEAR_MISS)
    b = classify(
        b,
        manager,
        at(9, 10),
        kind=Kind.NEAR_MISS,
        category="accident",
        personal_data=PersonalData.NO,
    )
    c = report(birch, reporter, at(9, 16))
    c = not_an_incident(c, manager, at(9, 18))
    d = report(birch, reporter, at(10, 7), discovered_at=at(10, 4))  # 3 days late
    d = classify(d, manager, at(10, 7, 14), severity="major", policies=(policy.pk,))
    decide_ico(d, manager, at(10, 8))
    e = report(birch, reporter, at(10, 20))
    f = report(birch, reporter, at(11, 3))

    # Oak: one at the trust itself, two at Acorn, one at Beech.
    t1 = report(trust, champion, at(9, 15))
    t1 = classify(t1, champion, at(9, 15, 15), category="cyber_attack", severity="critical")
    t2 = report(acorn, trust_reporter, at(10, 1))
    t2 = classify(t2, champion, at(10, 2), category="loss_or_theft")
    t3 = report(acorn, trust_reporter, at(10, 21), reported_kind=Kind.NEAR_MISS)
    t4 = report(beech, None, at(11, 2), mode="anonymous")

    # Cedar: never counted for anyone else.
    for month in (9, 10, 11):
        report(cedar, cedar_reporter, at(month, 5))

    return World(
        birch=birch,
        trust=trust,
        acorn=acorn,
        beech=beech,
        cedar=cedar,
        manager=manager,
        chair=make_person("Gita Governor", organisation=birch, duties=(Duty.CHAIR_OF_GOVERNORS,)),
        governor=make_person("Gary Governor", organisation=birch, duties=(Duty.GOVERNOR,)),
        dpo=make_person("Dara Protector", organisation=birch, duties=(Duty.DPO,)),
        reporter=reporter,
        champion=champion,
        trustee=make_person("Tom Trustee", organisation=trust, duties=(Duty.GOVERNOR,)),
        trust_reporter=trust_reporter,
        outsider=outsider,
        birch_incidents=[a, b, c, d, e, f],
        trust_incidents=[t1, t2, t3, t4],
    )


@pytest.fixture
def world(db) -> World:
    return make_world()
