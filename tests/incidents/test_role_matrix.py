"""Who may do what on the incident pages: every page, every duty of the cast, both presets.

The right people can; the wrong people get 403 when they may see the incident but not do
this to it, and 404 when they may not see it at all (another organisation's incidents
included: the answer must not say which references exist). DESIGN.md, "Who may see what".

The expectations are two tables: what each person may do with each incident (ACCESS),
and what that means page by page (STATUS).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve

from incidentdesk.incidents.models import Incident, Kind, PersonalData
from incidentdesk.incidents.services import (
    ClassificationInput,
    assign_investigator,
    classify_incident,
)
from incidentdesk.organisations.models import Duty, Organisation, OrganisationKind, Person
from incidentdesk.organisations.services import organisation_create
from tests.factories import make_person, signed_in_client

from .conftest import WORKING_HOURS, file_report, png

pytestmark = pytest.mark.django_db

# What each person may do with the minor and the major incident, in both presets.
#   manage: the incident manager's pages and actions
#   view:   the incident's pages, nothing of the manager's
#   refer:  view, and acknowledge the referral (the DPO, on the major incident)
#   -:      nothing: 404 everywhere, as if it did not exist
#
#  person                     minor      major
ACCESS = {
    "manager":               ("manage",  "manage"),
    "investigator":          ("view",    "view"),    # assigned to both
    "other_investigator":    ("-",       "-"),       # an investigating officer, not assigned
    "head_of_school":        ("-",       "-"),       # reported in working hours: not alerted
    "siro":                  ("-",       "view"),
    "dpo":                   ("-",       "refer"),
    "governor":              ("-",       "view"),
    "chair":                 ("-",       "view"),
    "safeguarding_lead":     ("-",       "view"),    # the major one is flagged for them
    "staff":                 ("-",       "-"),
    "reporter":              ("-",       "-"),       # their own view is on the reporting pages
    "other_manager":         ("-",       "-"),       # the same duty in another organisation
}  # fmt: skip

OK = {200, 302}  # done, or the page again with a message (a refused change of state)
FORBIDDEN = {403}
NOT_FOUND = {404}
WORKSPACE_READ = {200, 403}  # the investigation workspace decides what oversight may read

# What each access means, page by page.
#  page                    manage      view        refer       -
STATUS: dict[str, tuple[set[int], set[int], set[int], set[int]]] = {
    "incident page":       (OK,        OK,         OK,         NOT_FOUND),
    "timeline":            (OK,        OK,         OK,         NOT_FOUND),
    "attachment":          (OK,        OK,         OK,         NOT_FOUND),
    "classify (GET)":      (OK,        FORBIDDEN,  FORBIDDEN,  NOT_FOUND),
    "classify (POST)":     (OK,        FORBIDDEN,  FORBIDDEN,  NOT_FOUND),
    "ENISA calculator":    (OK,        FORBIDDEN,  FORBIDDEN,  NOT_FOUND),
    "verify":              (OK,        FORBIDDEN,  FORBIDDEN,  NOT_FOUND),
    "assign":              (OK,        FORBIDDEN,  FORBIDDEN,  NOT_FOUND),
    "change of state":     (OK,        FORBIDDEN,  FORBIDDEN,  NOT_FOUND),
    "acknowledge":         (FORBIDDEN, FORBIDDEN,  OK,         NOT_FOUND),
    "investigation":       (OK,        WORKSPACE_READ, WORKSPACE_READ, NOT_FOUND),
}  # fmt: skip
COLUMNS = ("manage", "view", "refer", "-")


@dataclass
class World:
    people: dict[str, Person]
    minor: Incident
    major: Incident


def _build(preset: str) -> World:
    """One organisation on `preset` with a person for each duty, and another organisation."""
    if preset == "trust":
        trust = organisation_create(
            name="Oak Learning Trust", slug="oak", code="OAK", kind=OrganisationKind.TRUST,
            preset="trust",
        )  # fmt: skip
        school = organisation_create(
            name="Acorn Primary", slug="acorn", code="ACN", kind=OrganisationKind.SCHOOL,
            trust=trust,
        )  # fmt: skip
        # The trust's duty holders cover its schools; the school has its own head and lead.
        central: Organisation = trust
    else:
        school = organisation_create(
            name="Birch School", slug="birch", code="BIR", kind=OrganisationKind.SCHOOL,
            preset="school",
        )  # fmt: skip
        central = school
    other = organisation_create(
        name="Cedar Academy", slug="cedar", code="CED", kind=OrganisationKind.SCHOOL,
        preset=preset if preset == "school" else None,
        trust=None if preset == "school" else organisation_create(
            name="Elm Trust", slug="elm", code="ELM", kind=OrganisationKind.TRUST, preset="trust"
        ),
    )  # fmt: skip
    other_central = other if preset == "school" else other.trust
    assert other_central is not None

    def person(name: str, organisation: Organisation, *duties: str) -> Person:
        return make_person(name, organisation=organisation, duties=duties)

    people = {
        "manager": person("Mina Manager", central, Duty.INCIDENT_MANAGER),
        "investigator": person("Ivy Investigator", school, Duty.INVESTIGATING_OFFICER),
        "other_investigator": person("Otto Officer", school, Duty.INVESTIGATING_OFFICER),
        "head_of_school": person("Hana Head", school, Duty.HEAD_OF_SCHOOL),
        "siro": person("Sy Ro", central, Duty.SIRO),
        "dpo": person("Dee Dpo", central, Duty.DPO),
        "governor": person("Gus Governor", central, Duty.GOVERNOR),
        "chair": person("Cara Chair", central, Duty.CHAIR_OF_GOVERNORS),
        "safeguarding_lead": person("Sam Safe", school, Duty.SAFEGUARDING_LEAD),
        "staff": person("Stan Staff", school),
        "reporter": person("Rory Reporter", school),
        "other_manager": person("Olive Outsider", other_central, Duty.INCIDENT_MANAGER),
    }
    manager = people["manager"]
    incidents = []
    with time_machine.travel(WORKING_HOURS, tick=False):
        for severity in ("minor", "major"):
            incident = file_report(school, people["reporter"], files=(png(),))
            incident = classify_incident(
                incident=incident,
                actor=manager,
                data=ClassificationInput(
                    kind=Kind.CONFIRMED_BREACH,
                    category="wrong_recipient",
                    personal_data=PersonalData.YES,
                    severity=severity,
                    severity_reason="The role matrix needs one of each.",
                    safeguarding=severity == "major",
                ),
            )
            incidents.append(
                assign_investigator(
                    incident=incident, actor=manager, investigator=people["investigator"]
                )
            )
    return World(people=people, minor=incidents[0], major=incidents[1])


def _workspace_exists(reference: str) -> bool:
    try:
        resolve(f"/incidents/{reference}/investigation/")
    except Resolver404:
        return False
    return True


Request = Callable[[Client, Incident, World], int]


def _get(path: str) -> Request:
    return lambda client, incident, world: (
        client.get(path.format(ref=incident.reference)).status_code
    )


def _post(path: str, data: Callable[[Incident, World], dict[str, str]]) -> Request:
    return lambda client, incident, world: (
        client.post(path.format(ref=incident.reference), data(incident, world)).status_code
    )


def _attachment(client: Client, incident: Incident, world: World) -> int:
    attachment = incident.attachments.get()
    return client.get(f"/incidents/{incident.reference}/attachments/{attachment.pk}/").status_code


CLASSIFICATION = {
    "kind": "confirmed_breach",
    "category": "wrong_recipient",
    "personal_data": "yes",
    "severity": "major",
    "severity_reason": "Reclassified by the role matrix.",
}

REQUESTS: dict[str, Request] = {
    "incident page": _get("/incidents/{ref}/"),
    "timeline": _get("/incidents/{ref}/timeline/"),
    "attachment": _attachment,
    "classify (GET)": _get("/incidents/{ref}/classify/"),
    "classify (POST)": _post("/incidents/{ref}/classify/", lambda i, w: CLASSIFICATION),
    "ENISA calculator": _post(
        "/incidents/{ref}/classify/enisa/", lambda i, w: {"ease_of_identification": "limited"}
    ),
    "verify": _post("/incidents/{ref}/verify/", lambda i, w: {"what_was_checked": "The e-mail."}),
    "assign": _post(
        "/incidents/{ref}/assign/",
        lambda i, w: {"investigator": str(w.people["investigator"].pk)},
    ),
    "change of state": _post(
        "/incidents/{ref}/state/",
        lambda i, w: {"action": "not_an_incident", "not_an_incident-reason": "Matrix."},
    ),
    "acknowledge": _post("/incidents/{ref}/acknowledge/", lambda i, w: {}),
    "investigation": _get("/incidents/{ref}/investigation/"),
}
assert set(REQUESTS) == set(STATUS)


@pytest.mark.parametrize("preset", ["trust", "school"])
@pytest.mark.parametrize("who", list(ACCESS))
def test_each_person_gets_exactly_what_their_duty_gives_them(preset: str, who: str):
    world = _build(preset)
    client = signed_in_client(world.people[who])
    wrong = []
    for incident, access in zip((world.minor, world.major), ACCESS[who], strict=True):
        for page, statuses in STATUS.items():
            if page == "investigation" and not _workspace_exists(incident.reference):
                continue
            expected = statuses[COLUMNS.index(access)]
            # Each request in a savepoint rolled back after it: a POST that succeeds must
            # not change what the next one finds.
            with transaction.atomic():
                status = REQUESTS[page](client, incident, world)
                transaction.set_rollback(True)
            if status not in expected:
                wrong.append(
                    f"{who} on the {incident.severity} incident, {page}: {status}, "
                    f"expected {sorted(expected)}"
                )

    # The queue: everyone who handles anything may open it; it lists what they may view.
    queue = client.get("/incidents/")
    assert queue.status_code == 200
    for incident, access in zip((world.minor, world.major), ACCESS[who], strict=True):
        listed = f'href="/incidents/{incident.reference}/"' in queue.content.decode()
        if listed != (access != "-"):
            wrong.append(f"{who}: the queue {'lists' if listed else 'omits'} {incident.severity}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("preset", ["trust", "school"])
def test_nobody_signed_out_reaches_an_incident_page(preset: str):
    world = _build(preset)
    client = Client()
    for path in ("/incidents/", f"/incidents/{world.major.reference}/timeline/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/sign-in/")
