"""The outcome report, closing, reopening and exports through the API."""

from __future__ import annotations

import io
import json

import pytest
from pypdf import PdfReader

from incidentdesk.api.services import create_api_token
from incidentdesk.audit.models import AuditEvent
from incidentdesk.incidents.models import Incident, ReportingMode, State
from tests.outcomes.conftest import (
    SECTION_TEXT,
    OutcomeCast,
    investigated,
    make_outcome_cast,
    ready_to_submit,
    resolve_steps,
)

from .conftest import bearer

pytestmark = pytest.mark.django_db

API = "/api/v1/incidents/"


@pytest.fixture
def outcome_cast(db) -> OutcomeCast:
    return make_outcome_cast()


@pytest.fixture
def api(client):
    def call(person, method: str, path: str, body: dict | None = None):
        token = create_api_token(person=person, name="script")[1]
        kwargs = bearer(token)
        if body is not None:
            return getattr(client, method)(
                API + path, data=json.dumps(body), content_type="application/json", **kwargs
            )
        return getattr(client, method)(API + path, **kwargs)

    return call


def test_operation_ids(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    ids = {op["operationId"] for item in paths.values() for op in item.values()}
    assert {
        "submit_outcome_report",
        "review_outcome_report",
        "close_incident",
        "reopen_incident",
        "export_incident",
    } <= ids


def test_submit_review_close_reopen(api, outcome_cast):
    side = outcome_cast.trust_school
    incident = ready_to_submit(side, severity="major")
    ref = incident.reference

    response = api(side.investigator, "post", f"{ref}/outcome/submit", {"summary": "Only this"})
    assert response.status_code == 422
    locs = {tuple(e["loc"]) for e in response.json()["errors"]}
    assert ("body", "cause") in locs and ("body", "summary") not in locs

    response = api(side.investigator, "post", f"{ref}/outcome/submit", SECTION_TEXT)
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "submitted"
    assert response.json()["waiting_for"] == [
        "incident manager",
        "Senior Information Risk Owner (SIRO)",
    ]

    response = api(side.manager, "post", f"{ref}/close")
    assert response.status_code == 409
    assert response.json()["blockers"] == [
        "The outcome report has not been approved by the incident manager.",
        "The outcome report has not been approved by the Senior Information Risk Owner (SIRO).",
    ]

    response = api(side.second_reviewer, "post", f"{ref}/outcome/review", {"decision": "approved"})
    assert response.status_code == 403
    response = api(side.manager, "post", f"{ref}/outcome/review", {"decision": "returned"})
    assert response.status_code == 422
    response = api(side.manager, "post", f"{ref}/outcome/review", {"decision": "approved"})
    assert response.status_code == 200
    response = api(side.second_reviewer, "post", f"{ref}/outcome/review", {"decision": "approved"})
    assert response.json()["status"] == "approved"

    assert api(side.investigator, "post", f"{ref}/close").status_code == 403
    response = api(side.manager, "post", f"{ref}/close")
    assert response.status_code == 200
    assert response.json()["state"] == State.CLOSED

    # Closed: a change is refused with the reason.
    response = api(side.manager, "post", f"{ref}/outcome/review", {"decision": "approved"})
    assert response.status_code == 409
    assert api(side.manager, "post", f"{ref}/reopen", {"reason": ""}).status_code == 422
    response = api(side.manager, "post", f"{ref}/reopen", {"reason": "Parent complained."})
    assert response.status_code == 200
    assert response.json()["state"] == State.INVESTIGATING


def test_close_lists_every_reason(api, outcome_cast):
    side = outcome_cast.school
    incident = investigated(side, severity="major")
    assert api(side.manager, "post", f"{incident.reference}/close").status_code == 409
    resolve_steps(incident, side.investigator)
    body = api(side.manager, "post", f"{incident.reference}/close").json()
    assert body["blockers"] == [
        "The DPO has not yet acknowledged the referral of this incident.",
        "The ICO decision has not been recorded.",
        "The outcome report has not been submitted.",
    ]
    assert "The ICO decision has not been recorded." in body["detail"]


def test_export(api, outcome_cast):
    side = outcome_cast.school
    incident = ready_to_submit(side, severity="minor", mode=ReportingMode.CONFIDENTIAL)
    ref = incident.reference
    api(side.investigator, "post", f"{ref}/outcome/submit", SECTION_TEXT)
    response = api(side.manager, "get", f"{ref}/export?format=pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Lessons learned" in text and "Rory Reporter" not in text
    response = api(side.manager, "get", f"{ref}/export?format=docx")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert api(side.manager, "get", f"{ref}/export?document=full-record").status_code == 200
    assert (
        api(side.manager, "get", f"{ref}/export?document=full-record&format=docx").status_code
        == 422
    )
    assert api(side.manager, "get", f"{ref}/export?format=odt").status_code == 422
    assert api(side.investigator, "get", f"{ref}/export?document=full-record").status_code == 403
    assert api(side.colleague, "get", f"{ref}/export").status_code == 404
    assert api(outcome_cast.outsider, "get", f"{ref}/export").status_code == 404
    assert AuditEvent.objects.filter(action="outcome.exported").count() == 3
    assert Incident.objects.get(pk=incident.pk).state == State.OUTCOME_SUBMITTED
