"""The cast of the incident pages' tests, and the reports they look at.

Birch School stands alone (school preset: anonymous reports go to the Chair of
Governors); Acorn Primary belongs to Oak Learning Trust (trust preset); Cedar Academy is
another organisation altogether.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from incidentdesk.incidents.models import Incident, Kind, ReportingMode
from incidentdesk.organisations.models import Duty, Organisation, OrganisationKind, Person
from incidentdesk.organisations.services import organisation_create
from incidentdesk.reporting.services import ReportDetails, report_incident
from tests.factories import make_person

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class Cast:
    birch: Organisation
    trust: Organisation
    acorn: Organisation
    cedar: Organisation
    manager: Person  # Birch's Headteacher (incident manager)
    chair: Person  # Birch's Chair of Governors: anonymous reports go to them
    reporter: Person  # Birch staff who report
    colleague: Person  # Birch staff, nothing to do with the reports
    champion: Person  # the trust's Information Champion (incident manager of the trust)
    acorn_head: Person  # Acorn's Head of School: sees only what was reported out of hours
    outsider: Person  # Cedar's incident manager

    def everyone(self) -> dict[str, Person]:
        return {
            name: getattr(self, name)
            for name in self.__dataclass_fields__
            if isinstance(getattr(self, name), Person)
        }


@pytest.fixture
def cast(db) -> Cast:
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
    cedar = organisation_create(
        name="Cedar Academy",
        slug="cedar",
        code="CED",
        kind=OrganisationKind.SCHOOL,
        preset="school",
    )
    champion = make_person("Chris Champion", organisation=trust, duties=(Duty.INCIDENT_MANAGER,))
    acorn_head = make_person("Hana Head", organisation=acorn, duties=(Duty.HEAD_OF_SCHOOL,))
    return Cast(
        birch=birch,
        trust=trust,
        acorn=acorn,
        cedar=cedar,
        manager=make_person("Mina Manager", organisation=birch, duties=(Duty.INCIDENT_MANAGER,)),
        chair=make_person("Gita Governor", organisation=birch, duties=(Duty.CHAIR_OF_GOVERNORS,)),
        reporter=make_person("Rory Reporter", organisation=birch),
        colleague=make_person("Colin Colleague", organisation=birch),
        champion=champion,
        acorn_head=acorn_head,
        outsider=make_person("Olive Outsider", organisation=cedar, duties=(Duty.INCIDENT_MANAGER,)),
    )


def file_report(
    organisation: Organisation,
    reporter: Person | None,
    mode: str = ReportingMode.NAMED,
    *,
    what_happened: str = "A class list was e-mailed to the wrong parent.",
    files: tuple = (),
    **details,
) -> Incident:
    """A report through the real service, as the form and the API make them."""
    details.setdefault("reported_kind", Kind.CONFIRMED_BREACH)
    return report_incident(
        organisation=organisation,
        reporter=None if mode == ReportingMode.ANONYMOUS else reporter,
        mode=mode,
        details=ReportDetails(what_happened=what_happened, **details),
        files=files,
    ).incident


def png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


WORKING_HOURS = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/London"))


@dataclass
class Reports:
    named: Incident
    confidential: Incident
    anonymous: Incident
    acorn_confidential: Incident
    cedar_named: Incident


@pytest.fixture
def reports(cast: Cast) -> Reports:
    acorn_staff = make_person("Ada Acorn", organisation=cast.acorn)
    cedar_staff = make_person("Cy Cedar", organisation=cast.cedar)
    # In working hours, so who is alerted (and may look) does not depend on when tests run.
    with time_machine.travel(WORKING_HOURS, tick=False):
        return _reports(cast, acorn_staff, cedar_staff)


def _reports(cast: Cast, acorn_staff: Person, cedar_staff: Person) -> Reports:
    return Reports(
        named=file_report(cast.birch, cast.reporter, ReportingMode.NAMED),
        confidential=file_report(
            cast.birch,
            cast.reporter,
            ReportingMode.CONFIDENTIAL,
            what_happened="The office PC shows pupils' health records to visitors.",
        ),
        anonymous=file_report(
            cast.birch,
            None,
            ReportingMode.ANONYMOUS,
            what_happened="Passwords are written on a note on the staffroom wall.",
        ),
        acorn_confidential=file_report(cast.acorn, acorn_staff, ReportingMode.CONFIDENTIAL),
        cedar_named=file_report(cast.cedar, cedar_staff, ReportingMode.NAMED),
    )


def stopped_clock(client) -> time_machine.travel:
    """The clock stopped at now, after one request at that moment: the session records
    activity at most once a minute, so the requests measured after it write nothing, however
    long making the data for them took."""
    still = time_machine.travel(datetime.datetime.now(tz=ZoneInfo("Europe/London")), tick=False)
    with still:
        client.get("/")
    return still
