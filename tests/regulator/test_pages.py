"""The ICO pages over HTTP: who may see them, the countdown, the forms and the downloads."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from incidentdesk.audit.models import AuditEvent
from incidentdesk.regulator.draft import ICO_FIELDS
from incidentdesk.regulator.models import IcoAssessment, IcoDecision, IcoSubmission
from incidentdesk.regulator.services import (
    IcoDecisionInput,
    record_ico_decision,
    set_became_aware,
)
from tests.factories import signed_in_client
from tests.incidents.conftest import file_report
from tests.regulator.conftest import AFFECTED, realistic_breach

pytestmark = pytest.mark.django_db


def url(incident, tail: str = "") -> str:
    return f"/incidents/{incident.reference}/ico/{tail}"


def test_the_manager_sees_the_countdown_and_the_draft(ico_cast):
    incident = realistic_breach(ico_cast)
    response = signed_in_client(ico_cast.manager).get(url(incident))
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-warning-text" in body
    assert "hours left" in body
    for _, label in ICO_FIELDS:
        assert label.replace("'", "&#x27;") in body, label
    for name in AFFECTED:
        assert name not in body
    assert "Record the decision" in body


def test_the_dpo_of_a_serious_incident_sees_the_page_and_may_give_advice(ico_cast):
    incident = realistic_breach(ico_cast)
    client = signed_in_client(ico_cast.dpo)
    body = client.get(url(incident)).content.decode()
    assert "Give your advice as the DPO" in body
    assert "Record the decision" not in body
    response = client.post(url(incident, "dpo-advice/"), {"comments": "Report it today."})
    assert response.status_code == 302
    assert IcoAssessment.objects.get(incident=incident).dpo_comments == "Report it today."
    assert client.post(url(incident, "decision/"), {}).status_code == 403


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("colleague", 404)])
def test_others_are_refused(ico_cast, who, status):
    incident = realistic_breach(ico_cast)
    client = signed_in_client(getattr(ico_cast, who))
    for tail in ["", "decision/", "draft.pdf", "draft.docx"]:
        assert client.get(url(incident, tail)).status_code == status, tail


def test_the_investigator_sees_the_incident_but_not_its_ico_decision(ico_cast):
    incident = realistic_breach(ico_cast)
    client = signed_in_client(ico_cast.investigator)
    assert client.get(url(incident)).status_code == 403
    assert client.get(url(incident, "draft.pdf")).status_code == 403


def test_signed_out_people_are_sent_to_sign_in(ico_cast):
    from django.test import Client

    incident = realistic_breach(ico_cast)
    response = Client().get(url(incident))
    assert response.status_code == 302
    assert "/accounts/" in response["Location"]


def test_recording_the_decision_through_the_form(ico_cast):
    incident = realistic_breach(ico_cast)
    client = signed_in_client(ico_cast.manager)
    response = client.post(
        url(incident, "decision/"),
        {
            "personal_data_of_living_people": "yes",
            "risk_likely": "yes",
            "high_risk": "no",
            "reasons": "One parent received it and deleted it.",
            "dpo_involved": "on",
        },
    )
    assert response.status_code == 302
    assessment = IcoAssessment.objects.get(incident=incident)
    assert assessment.decision == IcoDecision.NOTIFY_ICO
    assert assessment.dpo_involved
    page = client.get(url(incident)).content.decode()
    assert "ICO decision saved" in page
    assert "Record a report sent to the ICO" in page


def test_a_form_with_missing_answers_says_what_to_fix_and_keeps_them(ico_cast):
    incident = realistic_breach(ico_cast)
    client = signed_in_client(ico_cast.manager)
    response = client.post(
        url(incident, "decision/"), {"personal_data_of_living_people": "yes", "reasons": ""}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error:" in body
    assert "govuk-error-summary" in body
    assert "Enter the reasons for the decision" in body
    assert "Select yes if a risk to people is likely" in body
    assert not IcoAssessment.objects.filter(decided_at__isnull=False).exists()


def test_a_late_decision_asks_for_the_reasons_for_the_delay(ico_cast):
    incident = realistic_breach(ico_cast)
    client = signed_in_client(ico_cast.manager)
    # The clock started 80 hours ago (time travel would end the session instead).
    set_became_aware(
        incident=incident,
        actor=ico_cast.manager,
        at=timezone.now() - datetime.timedelta(hours=80),
        reason="The e-mail was sent on Friday.",
    )
    page = client.get(url(incident)).content.decode()
    assert "It is late" in page
    response = client.post(
        url(incident, "decision/"),
        {"personal_data_of_living_people": "no", "reasons": "Not personal data."},
    )
    assert "Enter the reasons the decision took more than 72 hours" in response.content.decode()
    assert not IcoAssessment.objects.filter(decided_at__isnull=False).exists()


def test_setting_when_the_school_became_aware(ico_cast):
    incident = realistic_breach(ico_cast)
    client = signed_in_client(ico_cast.manager)
    response = client.post(
        url(incident, "became-aware/"),
        {"at": "2026-11-24T09:30", "reason": "IT confirmed the e-mail was delivered."},
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="ico.became_aware_set").exists()
    page = client.get(url(incident)).content.decode()
    assert "IT confirmed the e-mail was delivered." in page


def test_recording_a_submission_and_the_case_reference(ico_cast):
    incident = realistic_breach(ico_cast)
    record_ico_decision(
        incident=incident,
        actor=ico_cast.manager,
        data=IcoDecisionInput(
            personal_data_of_living_people=True, risk_likely=True, high_risk=True, reasons="SEN"
        ),
    )
    client = signed_in_client(ico_cast.manager)
    response = client.post(
        url(incident, "submissions/add/"),
        {"kind": "initial", "submitted_at": "2026-11-24T10:00", "ico_case_reference": "IC-42"},
    )
    assert response.status_code == 302
    assert IcoSubmission.objects.get(incident=incident).ico_case_reference == "IC-42"
    values = client.get(url(incident) + "?kind=follow_up").content.decode()
    assert "Follow-up report" in values
    assert "IC-42" in values


def test_the_downloads_are_files_holding_every_field_and_no_names(ico_cast):
    incident = realistic_breach(ico_cast)
    client = signed_in_client(ico_cast.manager)
    pdf = client.get(url(incident, "draft.pdf"))
    assert pdf["Content-Type"] == "application/pdf"
    assert "attachment" in pdf["Content-Disposition"]
    assert pdf["Content-Security-Policy"] == "default-src 'none'; sandbox"
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf.content)).pages
    )
    word = client.get(url(incident, "draft.docx"))
    assert word["Content-Disposition"].endswith('-ico-draft.docx"')
    word_text = "\n".join(p.text for p in Document(io.BytesIO(word.content)).paragraphs)
    for _, label in ICO_FIELDS:
        assert label in text
        assert label in word_text
    for name in AFFECTED:
        assert name not in text
        assert name not in word_text


def test_a_minor_incident_is_the_managers_alone(ico_cast):
    incident = file_report(ico_cast.school, ico_cast.reporter)
    assert signed_in_client(ico_cast.manager).get(url(incident)).status_code == 200
    assert signed_in_client(ico_cast.dpo).get(url(incident)).status_code == 404
