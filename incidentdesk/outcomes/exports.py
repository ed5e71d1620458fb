"""The outcome documents as downloads, for the page and the API alike."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse

from incidentdesk.incidents.models import Incident
from incidentdesk.organisations.models import Person

from . import documents, rules, selectors, services
from .models import OutcomeReport

EXPORTS = {
    ("outcome-report", "pdf"): ("application/pdf", "outcome report"),
    (
        "outcome-report",
        "docx",
    ): (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "outcome report",
    ),
    ("full-record", "pdf"): ("application/pdf", "full record"),
}


def export_response(
    *, incident: Incident, person: Person, document: str, file_format: str
) -> HttpResponse:
    """The document as an attachment, audited; 404 for a document that does not exist,
    403 for one this person may not take. Shared by the page and the API."""
    if (document, file_format) not in EXPORTS:
        raise Http404
    content_type, words = EXPORTS[(document, file_format)]
    if document == "full-record":
        if not rules.may_export_full_record(person, incident):
            raise PermissionDenied("Only the incident manager, the DPO and the SIRO take this.")
        body = documents.full_record_pdf(incident)
    else:
        if not rules.may_export_outcome(person, incident):
            raise PermissionDenied("You may not take this document.")
        report: OutcomeReport | None = selectors.report_of(incident)
        if report is None:
            raise Http404
        if file_format == "pdf":
            body = documents.outcome_pdf(incident, report)
        else:
            body = documents.outcome_docx(incident, report)
    services.record_export(incident=incident, actor=person, what=words, file_format=file_format)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{incident.reference}-{document}.{file_format}"'
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
