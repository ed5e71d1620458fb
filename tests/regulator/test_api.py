"""The ICO operations of the API: the same rules as the pages, as JSON."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from incidentdesk.api.services import create_api_token
from incidentdesk.regulator.draft import ICO_FIELDS
from incidentdesk.regulator.models import DataSubjectDecision, IcoAssessment, IcoSubmission
from tests.regulator.conftest import AFFECTED, realistic_breach

pytestmark = pytest.mark.django_db

DECISION = {
    "personal_data_of_living_people": True,
    "risk_likely": True,
    "high_risk": True,
    "reasons": "Special category data about a child.",
    "dpo_involved": True,
}


def api(person) -> Client:
    token = create_api_token(person=person, name="script")[1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def base(incident) -> str:
    return f"/api/v1/incidents/{incident.reference}/ico"


def test_the_manager_records_the_decision_and_a_submission(ico_cast):
    incident = realistic_breach(ico_cast)
    client = api(ico_cast.manager)
    response = client.post(f"{base(incident)}/decision", DECISION, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["decision"] == "notify_ico_and_people"
    assert body["decided_by"] == "Mina Manager"
    assert IcoAssessment.objects.get(incident=incident).dpo_involved
    sent = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    response = client.post(
        f"{base(incident)}/submissions",
        {"kind": "initial", "submitted_at": sent, "ico_case_reference": "IC-9"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert IcoSubmission.objects.get().ico_case_reference == "IC-9"


def test_a_follow_up_without_a_case_reference_is_refused(ico_cast):
    incident = realistic_breach(ico_cast)
    client = api(ico_cast.manager)
    client.post(f"{base(incident)}/decision", DECISION, content_type="application/json")
    response = client.post(
        f"{base(incident)}/submissions",
        {"kind": "follow_up", "submitted_at": timezone.now().isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert "case reference" in response.json()["detail"]


def test_the_draft_has_every_field_and_no_names(ico_cast):
    incident = realistic_breach(ico_cast)
    response = api(ico_cast.manager).get(f"{base(incident)}/draft")
    assert response.status_code == 200
    fields = response.json()["fields"]
    assert [f["label"] for f in fields] == [label for _, label in ICO_FIELDS]
    for name in AFFECTED:
        assert name not in response.content.decode()


def test_the_data_subject_decision(ico_cast):
    incident = realistic_breach(ico_cast)
    response = api(ico_cast.manager).post(
        f"{base(incident)}/data-subject-decision",
        {"high_risk": True, "exception": "a", "reasons": "The laptop was encrypted."},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["must_tell"] is False
    assert DataSubjectDecision.objects.get().exception == "a"


def test_the_wrong_people_are_refused(ico_cast):
    incident = realistic_breach(ico_cast)
    url = f"{base(incident)}/decision"
    assert (
        api(ico_cast.outsider).post(url, DECISION, content_type="application/json").status_code
        == 404
    )
    assert (
        api(ico_cast.investigator).post(url, DECISION, content_type="application/json").status_code
        == 403
    )
    assert api(ico_cast.dpo).post(url, DECISION, content_type="application/json").status_code == 403
    assert api(ico_cast.investigator).get(f"{base(incident)}/draft").status_code == 403
    assert Client().get(f"{base(incident)}/draft").status_code == 401
    assert not IcoAssessment.objects.exists()
