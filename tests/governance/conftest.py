"""The cast of the governance tests.

Birch School stands alone (school preset) with its incident manager, two members of
staff and a governor; Acorn Primary belongs to Oak Learning Trust, whose Information
Champion (the trust's incident manager) decides for Acorn too; Cedar Academy is another
organisation altogether.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incidentdesk.organisations.models import Duty, Organisation, OrganisationKind, Person
from incidentdesk.organisations.services import organisation_create
from tests.factories import make_person

LONDON = ZoneInfo("Europe/London")
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LONDON)


def pdf_upload(name: str = "policy.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def docx_bytes() -> bytes:
    """A minimal Word document: the parts that make a zip a DOCX."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@dataclass
class Cast:
    birch: Organisation
    trust: Organisation
    acorn: Organisation
    cedar: Organisation
    manager: Person  # Birch's incident manager
    staff: Person  # Birch staff who ask
    colleague: Person  # Birch staff, nothing to do with the requests
    champion: Person  # the trust's incident manager: decides for Acorn
    acorn_staff: Person
    outsider: Person  # Cedar's incident manager


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
    return Cast(
        birch=birch,
        trust=trust,
        acorn=acorn,
        cedar=cedar,
        manager=make_person("Mina Manager", organisation=birch, duties=(Duty.INCIDENT_MANAGER,)),
        staff=make_person("Sam Staff", organisation=birch),
        colleague=make_person("Cal Colleague", organisation=birch),
        champion=make_person("Chris Champion", organisation=trust, duties=(Duty.INCIDENT_MANAGER,)),
        acorn_staff=make_person("Ada Acorn", organisation=acorn),
        outsider=make_person("Otto Outsider", organisation=cedar, duties=(Duty.INCIDENT_MANAGER,)),
    )


def point(organisation: Organisation, number: int = 3):
    return organisation.effective_profile.points.get(number=number)
