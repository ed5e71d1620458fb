"""The documents: read back from the PDF and the Word file, never naming a confidential
reporter, downloaded as attachments, audited, only by those the rules allow."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from incidentdesk.audit.models import AuditEvent
from incidentdesk.incidents.models import Incident, ReportingMode
from incidentdesk.incidents.services import transition
from incidentdesk.investigations.models import Evidence
from incidentdesk.investigations.services import add_evidence
from incidentdesk.outcomes import documents
from incidentdesk.outcomes.models import SECTIONS, OutcomeReport
from incidentdesk.outcomes.services import review_outcome_report, submit_outcome_report
from tests.factories import signed_in_client

from .conftest import SECTION_TEXT, ready_to_submit

pytestmark = pytest.mark.django_db

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "outcomes"


def pdf_text(data: bytes) -> str:
    return " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(data)).pages)


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def approved(outcome_cast) -> Incident:
    """A confidential report taken to an approved report and closed, with evidence."""
    side = outcome_cast.school
    incident = ready_to_submit(side, severity="minor", mode=ReportingMode.CONFIDENTIAL)
    add_evidence(
        incident=incident,
        actor=side.investigator,
        title="The e-mail as sent",
        description="From: office@example.org To: the wrong parent",
    )
    submit_outcome_report(incident=incident, actor=side.investigator, sections=SECTION_TEXT)
    review_outcome_report(incident=incident, actor=side.manager, decision="approved")
    return transition(
        incident=Incident.objects.get(pk=incident.pk), action="close", actor=side.manager
    )


def test_the_pdf_and_word_report_hold_every_section_and_never_the_confidential_reporter(
    outcome_cast, approved
):
    report = OutcomeReport.objects.get(incident=approved)
    pdf = documents.outcome_pdf(approved, report)
    docx = documents.outcome_docx(approved, report)
    assert pdf.startswith(b"%PDF")
    for text in (squash(pdf_text(pdf)), squash(docx_text(docx))):
        assert "Incident outcome report" in text
        assert approved.reference in text
        for name, title, _ in SECTIONS:
            assert title in text
            assert squash(SECTION_TEXT[name]) in text
        assert "Approved" in text and "Mina Manager" in text
        assert "A confidential reporter" in text
        assert "Rory Reporter" not in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "outcome-report.pdf").write_bytes(pdf)


def test_the_full_record_holds_details_steps_decisions_timeline_and_evidence_hashes(
    outcome_cast, approved
):
    pdf = documents.full_record_pdf(approved)
    text = squash(pdf_text(pdf))
    evidence = Evidence.objects.get(incident=approved)
    for words in (
        "Full record of incident",
        "Details",
        "Classification",
        "Investigation steps",
        "Step h done and recorded.",
        "The ICO decision",
        "Notify the ICO",
        "Evidence",
        "The e-mail as sent",
        "Timeline",
        "Closed the incident",
        "Amelia's SEN plan was e-mailed",
    ):
        assert words in text, words
    # The hash may wrap inside its cell: compare without spaces.
    assert evidence.sha256 in text.replace(" ", "")
    assert "Rory Reporter" not in text
    assert "The confidential reporter" in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "full-record.pdf").write_bytes(pdf)


def test_a_page_renders_as_a_readable_a4_document(outcome_cast, approved):
    """Renders page one to PNG (test-artifacts/outcomes/) to look at; checks it is A4 with
    ink on it, not a blank or a sliver."""
    import pypdfium2 as pdfium

    report = OutcomeReport.objects.get(incident=approved)
    pdf = pdfium.PdfDocument(documents.outcome_pdf(approved, report))
    page = pdf[0]
    width, height = page.get_size()
    assert round(width) == 595 and round(height) == 842  # A4 in points
    image = page.render(scale=1.5).to_pil().convert("L")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    image.save(ARTIFACTS / "outcome-report-page-1.png")
    dark = sum(image.histogram()[:128])
    assert 0.01 < dark / (image.width * image.height) < 0.3


def test_downloads_are_attachments_audited_and_only_for_those_the_rules_allow(
    outcome_cast, approved
):
    side = outcome_cast.school
    base = f"/incidents/{approved.reference}/outcome/export/"
    allowed = {
        "outcome-report.pdf": [side.manager, side.investigator],
        "outcome-report.docx": [side.manager, side.investigator],
        "full-record.pdf": [side.manager],
    }
    for document, people in allowed.items():
        for person in people:
            response = signed_in_client(person).get(base + document)
            assert response.status_code == 200, (document, person)
            assert response["Content-Disposition"].startswith("attachment;")
            assert response["Cache-Control"] == "no-store"
    # The investigator may not take the full record; others who cannot see it get 404.
    assert signed_in_client(side.investigator).get(base + "full-record.pdf").status_code == 403
    assert signed_in_client(side.colleague).get(base + "outcome-report.pdf").status_code == 404
    assert signed_in_client(outcome_cast.outsider).get(base + "full-record.pdf").status_code == 404
    assert signed_in_client(side.manager).get(base + "full-record.docx").status_code == 404
    exported = AuditEvent.objects.filter(action="outcome.exported", object_id=str(approved.pk))
    assert exported.count() == 5
    assert {(e.details["document"], e.details["format"]) for e in exported} == {
        ("outcome report", "pdf"),
        ("outcome report", "docx"),
        ("full record", "pdf"),
    }


def test_the_dpo_and_siro_take_a_serious_incidents_full_record(outcome_cast):
    side = outcome_cast.trust_school
    incident = ready_to_submit(side, severity="major")
    base = f"/incidents/{incident.reference}/outcome/export/full-record.pdf"
    assert signed_in_client(side.dpo).get(base).status_code == 200
    assert signed_in_client(side.second_reviewer).get(base).status_code == 200  # the SIRO
    assert signed_in_client(side.investigator).get(base).status_code == 403
