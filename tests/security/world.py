"""The world the authorization matrix runs in: two organisations, their people, their objects.

Birch School runs the trust preset (so the Head of School has a part: out-of-hours
reports) and holds every duty; Cedar Academy is another organisation with the same
duties. Each has a major incident, reported confidentially, classified (which refers
it to the DPO and brings in the SIRO), assigned to an investigator, with an
attachment, evidence, an action, an ICO decision and a draft outcome report; and an
exception request, a policy change proposal and a policy document. Birch also has an
anonymous report whose receipt the anonymous reporter kept.

Everything is made through the services, as the pages and the API make it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from importlib import import_module

import time_machine
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from incidentdesk.accounts import session as account_session
from incidentdesk.accounts.models import TwoFactorDevice
from incidentdesk.api.services import create_api_token
from incidentdesk.governance.services import document_create, exception_request, proposal_create
from incidentdesk.incidents.models import Category, Incident, Kind, PersonalData, ReportingMode
from incidentdesk.incidents.services import (
    ClassificationInput,
    assign_investigator,
    classify_incident,
)
from incidentdesk.investigations.services import add_action, add_evidence
from incidentdesk.organisations.models import Duty, Organisation, OrganisationKind, Person
from incidentdesk.organisations.services import organisation_create
from incidentdesk.outcomes.services import start_outcome_report
from incidentdesk.regulator.services import IcoDecisionInput, record_ico_decision
from incidentdesk.reporting.anonymous import report_anonymously
from incidentdesk.reporting.services import ReportDetails
from tests.factories import make_person
from tests.incidents.conftest import PNG, WORKING_HOURS, file_report

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"

# The duties each organisation's cast holds, by cast name (without the "cedar_" prefix).
DUTIES = {
    "manager": (Duty.INCIDENT_MANAGER,),
    "head_of_school": (Duty.HEAD_OF_SCHOOL,),
    "dpo": (Duty.DPO,),
    "siro": (Duty.SIRO,),
    "governor": (Duty.GOVERNOR,),
    "investigator": (Duty.INVESTIGATING_OFFICER,),
    "investigator_unassigned": (Duty.INVESTIGATING_OFFICER,),
    "staff": (),
    "confidential_reporter": (),
}


@dataclass
class Side:
    """One organisation and its objects."""

    organisation: Organisation
    people: dict[str, Person]
    incident: Incident
    evidence_id: int
    action_id: int
    attachment_id: int
    exception_id: int
    proposal_id: int
    document_id: int
    anonymous_receipt: str = ""


@dataclass
class World:
    here: Side  # Birch School: the cast's own organisation
    there: Side  # Cedar Academy: another organisation
    pending: Person  # gave the password, not yet the code (has an authenticator app)
    sessions: dict[str, str] = field(default_factory=dict)  # cast name -> session key
    tokens: dict[str, str] = field(default_factory=dict)  # cast name -> raw API token


def _side(name: str, slug: str, code: str, prefix: str) -> Side:
    organisation = organisation_create(
        name=name, slug=slug, code=code, kind=OrganisationKind.SCHOOL, preset="trust"
    )
    people = {
        role: make_person(f"{prefix}{role}", organisation=organisation, duties=duties)
        for role, duties in DUTIES.items()
    }
    manager = people["manager"]
    with time_machine.travel(WORKING_HOURS, tick=False):
        incident = file_report(
            organisation,
            people["confidential_reporter"],
            ReportingMode.CONFIDENTIAL,
            files=(SimpleUploadedFile("photo.png", PNG, content_type="image/png"),),
        )
    incident = classify_incident(
        incident=incident,
        actor=manager,
        data=ClassificationInput(
            kind=Kind.CONFIRMED_BREACH,
            category=Category.WRONG_RECIPIENT,
            personal_data=PersonalData.YES,
            severity="major",
            severity_reason="A class list with pupils' addresses reached a parent.",
        ),
    )
    incident = assign_investigator(
        incident=incident, actor=manager, investigator=people["investigator"]
    )
    evidence = add_evidence(
        incident=incident,
        actor=people["investigator"],
        title="Screenshot of the e-mail",
        file=SimpleUploadedFile("screenshot.png", PNG, content_type="image/png"),
    )
    action = add_action(
        incident=incident,
        actor=people["investigator"],
        kind="preventive",
        description="Turn off e-mail address autocomplete.",
        owner=manager,
        due_on=timezone.localdate() + datetime.timedelta(days=14),
    )
    record_ico_decision(
        incident=incident,
        actor=manager,
        data=IcoDecisionInput(
            personal_data_of_living_people=True,
            risk_likely=True,
            high_risk=False,
            reasons="Addresses of a class reached one parent, who deleted them.",
        ),
    )
    start_outcome_report(incident=incident, actor=manager)
    point = organisation.effective_profile.points.order_by("number").first()
    exception = exception_request(
        actor=people["staff"],
        organisation=organisation,
        title="Laptop at home",
        what="Take the class laptop home over half term.",
        business_reason="Marking reports.",
        policy_point=point,
    )
    proposal = proposal_create(
        actor=people["staff"],
        organisation=organisation,
        title="Shorter passwords",
        change="Allow 10-character passwords.",
        reason="Staff forget long ones.",
    )
    document = document_create(
        actor=None,
        organisation=organisation,
        title="Data protection policy",
        version="1.0",
        approved_by="Governing body",
        approved_on=timezone.localdate() - datetime.timedelta(days=30),
        next_review_on=timezone.localdate() + datetime.timedelta(days=300),
        owner=manager,
        upload=SimpleUploadedFile("policy.pdf", PDF, content_type="application/pdf"),
    )
    incident = Incident.objects.get(pk=incident.pk)
    return Side(
        organisation=organisation,
        people=people,
        incident=incident,
        evidence_id=evidence.pk,
        action_id=action.pk,
        attachment_id=incident.attachments.get().pk,
        exception_id=exception.pk,
        proposal_id=proposal.pk,
        document_id=document.pk,
    )


def _new_session():
    return import_module(settings.SESSION_ENGINE).SessionStore()


def _signed_in_session(person: Person) -> str:
    """A session past the second factor, as `signed_in_client` makes one."""
    store = _new_session()
    store[SESSION_KEY] = str(person.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = person.get_session_auth_hash()
    store[account_session.SECOND_FACTOR_KEY] = "verified"
    # No sign-in or activity time: a long run must not meet the idle timeout (tested apart).
    store.create()
    return store.session_key


def pending_session(person: Person) -> str:
    """A session that gave the right password and not yet the code.

    Made afresh for each case: a pending sign-in lasts ten minutes only.
    """
    store = _new_session()
    store[account_session.PENDING_PERSON_KEY] = person.pk
    store[account_session.PENDING_AUTH_HASH_KEY] = person.get_session_auth_hash()
    store[account_session.PENDING_SINCE_KEY] = account_session.now_seconds()
    store[account_session.PENDING_NEXT_KEY] = "/"
    store.create()
    return store.session_key


def build_world() -> World:
    here = _side("Birch School", "birch-sec", "BSEC", "Birch ")
    there = _side("Cedar Academy", "cedar-sec", "CSEC", "Cedar ")
    receipt = report_anonymously(
        organisation=here.organisation,
        details=ReportDetails(
            what_happened="Passwords are on a note on the staffroom wall.",
            reported_kind=Kind.NEAR_MISS,
        ),
        idempotency_key="access-matrix-anonymous",
    ).receipt
    assert receipt
    here.anonymous_receipt = receipt
    # The pending person holds the strongest duty: nothing may leak to them before the code.
    pending = make_person(
        "Birch pending", organisation=here.organisation, duties=(Duty.INCIDENT_MANAGER,)
    )
    TwoFactorDevice.objects.create(
        person=pending, secret="JBSWY3DPEHPK3PXP", confirmed_at=timezone.now()
    )
    world = World(here=here, there=there, pending=pending)
    for side, prefix in ((here, ""), (there, "cedar_")):
        for role, person in side.people.items():
            name = prefix + role
            world.sessions[name] = _signed_in_session(person)
            world.tokens[name] = create_api_token(person=person, name="access matrix")[1]
    return world
