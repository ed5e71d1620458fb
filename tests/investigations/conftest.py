"""An incident under investigation at Birch School, and who is in it.

The cast is the incident pages' (tests/incidents/conftest.py). The incident is major, so
the classification refers it to Birch's DPO (involved: may read, may not write); Ivy is
assigned to investigate it, Ian is an investigator at Birch who is not.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incidentdesk.incidents.models import Category, Incident, Kind, PersonalData
from incidentdesk.incidents.services import (
    ClassificationInput,
    assign_investigator,
    classify_incident,
)
from incidentdesk.organisations.models import Duty, Person
from tests.factories import make_person
from tests.incidents.conftest import PNG, Cast, cast, file_report  # noqa: F401  (fixture)


@dataclass
class Investigation:
    cast: Cast
    incident: Incident
    manager: Person
    investigator: Person  # assigned
    other_investigator: Person  # an investigating officer at Birch, not assigned
    dpo: Person  # involved by the referral: reads, never writes
    outsider: Person  # Cedar's incident manager


def start_investigation(
    cast: Cast,  # noqa: F811
    investigator: Person,
    severity: str = "major",
) -> Incident:
    incident = file_report(cast.birch, cast.reporter)
    incident = classify_incident(
        incident=incident,
        actor=cast.manager,
        data=ClassificationInput(
            kind=Kind.CONFIRMED_BREACH,
            category=Category.WRONG_RECIPIENT,
            personal_data=PersonalData.YES,
            severity=severity,
            severity_reason="A class list with pupils' addresses reached a parent.",
        ),
    )
    return assign_investigator(incident=incident, actor=cast.manager, investigator=investigator)


@pytest.fixture
def investigation(cast: Cast) -> Investigation:  # noqa: F811
    dpo = make_person("Dee Protection", organisation=cast.birch, duties=(Duty.DPO,))
    investigator = make_person(
        "Ivy Investigator", organisation=cast.birch, duties=(Duty.INVESTIGATING_OFFICER,)
    )
    other = make_person("Ian Other", organisation=cast.birch, duties=(Duty.INVESTIGATING_OFFICER,))
    incident = start_investigation(cast, investigator)
    return Investigation(
        cast=cast,
        incident=incident,
        manager=cast.manager,
        investigator=investigator,
        other_investigator=other,
        dpo=dpo,
        outsider=cast.outsider,
    )


def png_upload(name: str = "screenshot.png", content: bytes = PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")
