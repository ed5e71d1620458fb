"""The ICO draft: every field of the ICO's form, pre-filled, and none of the names."""

from __future__ import annotations

import io

import pytest
from docx import Document
from pypdf import PdfReader

from incidentdesk.regulator.documents import draft_docx, draft_pdf
from incidentdesk.regulator.draft import ICO_FIELDS, REMOVED, ico_report_draft, redact
from incidentdesk.regulator.services import IcoDecisionInput, record_ico_decision
from tests.regulator.conftest import AFFECTED, realistic_breach

pytestmark = pytest.mark.django_db

LABELS = [label for _, label in ICO_FIELDS]


def forbidden_names(cast) -> list[str]:
    """The affected people's names and the reporter's, whole and in parts."""
    names = [*AFFECTED, cast.reporter.full_name, "Amelia", "Hartley", "Okafor", "Josh", "Rory"]
    return names


def draft_text(fields) -> str:
    return "\n".join(f"{f.section}\n{f.label}\n{f.value}" for f in fields)


def test_the_draft_holds_every_field_of_the_ico_form_in_order(ico_cast):
    incident = realistic_breach(ico_cast)
    fields = ico_report_draft(incident)
    assert [f.label for f in fields] == LABELS
    assert len(LABELS) == len(set(LABELS))
    values = {f.label: f.value for f in fields}
    assert values["Initial or follow-up report"] == "Initial report"
    assert values["Was the breach caused by a cyber incident?"] == "No"
    assert "Health" in values["Categories of personal data included"]
    assert "Basic personal identifiers" in values["Categories of personal data included"]
    assert "Children" in values["Categories of data subjects affected"]
    assert values["Number of data subjects affected"] == "1 (approximate)"
    assert "23 November 2026 at 15:40" == values["When did the breach happen?"]
    assert "autocomplete" in values["Actions planned"]
    assert "local authority SEN team" in values["Other organisations told"]
    assert values["Organisation"] == "Birch School"
    # The DPO's work contact is not an affected person's data: the ICO asks for it.
    dpo = values["Data protection officer's name and contact details"]
    assert ico_cast.dpo.full_name in dpo
    assert ico_cast.dpo.email in dpo
    assert ico_cast.manager.email in values["Reporter's name, role and contact details"]


def test_the_draft_names_none_of_the_people_affected_nor_the_reporter(ico_cast):
    incident = realistic_breach(ico_cast)
    text = draft_text(ico_report_draft(incident)).lower()
    for name in forbidden_names(ico_cast):
        assert name.lower() not in text, name
    assert REMOVED in draft_text(ico_report_draft(incident))
    # What the reporter wrote is never pasted in, even redacted.
    assert "support plan was e-mailed" not in text


def test_the_likelihood_comes_from_the_decision_with_its_reasons_redacted(ico_cast):
    incident = realistic_breach(ico_cast)
    record_ico_decision(
        incident=incident,
        actor=ico_cast.manager,
        data=IcoDecisionInput(
            personal_data_of_living_people=True,
            risk_likely=True,
            high_risk=False,
            reasons="Amelia's plan reached one parent, who deleted it.",
        ),
    )
    values = {f.label: f.value for f in ico_report_draft(incident)}
    likely = values["How likely are the consequences?"]
    assert likely.startswith("A risk is likely, but not a high risk.")
    assert "Amelia" not in likely


def test_a_follow_up_draft_says_so(ico_cast):
    incident = realistic_breach(ico_cast)
    values = {f.label: f.value for f in ico_report_draft(incident, kind="follow_up")}
    assert values["Initial or follow-up report"] == "Follow-up report"
    assert values["ICO case reference"].startswith("To complete")


def test_redaction_removes_whole_names_whatever_the_case_and_keeps_other_words():
    assert redact("Ask Amelia Hartley now", ["Amelia Hartley", "Amelia"]) == f"Ask {REMOVED} now"
    assert redact("Amelia Hartley", ["Amelia", "Hartley"]) == REMOVED
    text = redact("Told JOSH and amelia hartley's mum; Joshua is fine.", ["amelia hartley", "josh"])
    assert text == f"Told {REMOVED} and {REMOVED}'s mum; Joshua is fine."
    assert "Joshua" in text


def test_the_pdf_and_word_drafts_hold_every_label_and_no_names(ico_cast):
    incident = realistic_breach(ico_cast)
    fields = ico_report_draft(incident)
    pdf = PdfReader(io.BytesIO(draft_pdf(incident, fields)))
    pdf_text = " ".join(page.extract_text() for page in pdf.pages)
    docx = Document(io.BytesIO(draft_docx(incident, fields)))
    docx_text = "\n".join(p.text for p in docx.paragraphs)
    squashed_pdf = " ".join(pdf_text.split())
    for label in LABELS:
        assert label in docx_text, label
        assert label in squashed_pdf, label
    for name in forbidden_names(ico_cast):
        assert name.lower() not in squashed_pdf.lower(), name
        assert name.lower() not in docx_text.lower(), name
