"""The outcome report as PDF (WeasyPrint) and Word (python-docx); the full record as PDF.

Confidential and anonymous reporters are never named: the documents name a reporter only
for a named report, and the timeline they carry already leaves such reporters unnamed
(`incidents.timeline`). The HTML templates are self-contained (no base_url), so nothing is
fetched while rendering, as in regulator/documents.py.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from incidentdesk.incidents.answers import report_answers
from incidentdesk.incidents.models import Category, Incident, Kind, PersonalData, ReportingMode
from incidentdesk.incidents.timeline import timeline_for

from . import selectors
from .models import MANAGER_STAGE, SECTIONS, OutcomeReport

OUTCOME_TITLE = "Incident outcome report"
RECORD_TITLE = "Full record of incident"


def reporter_words(incident: Incident) -> str:
    """Who reported it, as a document may say it: a name only for a named report."""
    if incident.mode == ReportingMode.NAMED and incident.reporter is not None:
        return incident.reporter.full_name
    if incident.mode == ReportingMode.CONFIDENTIAL:
        return "A confidential reporter (not named in this document)"
    return "An anonymous reporter"


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label) if value else "Not recorded"
    except ValueError:
        return value


def _severity(incident: Incident) -> str:
    profile = incident.organisation.effective_profile
    level = profile.severities.filter(key=incident.severity).first() if profile else None
    return level.name if level else (incident.severity or "Not classified")


@dataclass(frozen=True)
class ReviewLine:
    who: str
    stage: str
    decision: str
    comments: str
    when: str


def _reviews(incident: Incident, report: OutcomeReport) -> list[ReviewLine]:
    return [
        ReviewLine(
            who=r.reviewer.full_name,
            stage="Incident manager"
            if r.stage == MANAGER_STAGE
            else selectors.stage_title(incident, r.stage),
            decision=r.get_decision_display(),
            comments=r.comments,
            when=f"{timezone.localtime(r.reviewed_at):%-d %B %Y %H:%M}",
        )
        for r in report.reviews.select_related("reviewer")
    ]


def _facts(incident: Incident) -> list[tuple[str, str]]:
    return [
        ("Reference", incident.reference),
        ("School or trust", incident.organisation.name),
        ("Reported", f"{timezone.localtime(incident.reported_at):%-d %B %Y %H:%M}"),
        ("Reported by", reporter_words(incident)),
        ("Kind", _label(Kind, incident.kind)),
        ("Category", _label(Category, incident.category)),
        ("Severity", _severity(incident)),
        ("Personal data", _label(PersonalData, incident.personal_data)),
        ("Investigator", incident.investigator.full_name if incident.investigator else "None"),
        ("State", incident.get_state_display()),
    ]


def outcome_context(incident: Incident, report: OutcomeReport) -> dict[str, Any]:
    status = selectors.review_status(incident, report)
    return {
        "title": OUTCOME_TITLE,
        "incident": incident,
        "facts": _facts(incident),
        "sections": [(title, getattr(report, name)) for name, title, _ in SECTIONS],
        "reviews": _reviews(incident, report),
        "status": status.label,
        "made_at": timezone.localtime(),
    }


def outcome_pdf(incident: Incident, report: OutcomeReport) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which only the download needs.
    from weasyprint import HTML

    html = render_to_string("outcomes/outcome_pdf.html", outcome_context(incident, report))
    return HTML(string=html).write_pdf()


def outcome_docx(incident: Incident, report: OutcomeReport) -> bytes:
    from docx import Document

    context = outcome_context(incident, report)
    document = Document()
    document.core_properties.title = f"{OUTCOME_TITLE}, {incident.reference}"
    document.add_heading(f"{OUTCOME_TITLE}: {incident.reference}", level=0)
    document.add_paragraph(
        f"{incident.organisation.name}. {context['status']}. Prepared "
        f"{context['made_at']:%-d %B %Y at %H:%M}. Confidential: for those handling the "
        "incident and the governing body."
    )
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in context["facts"]:
        cells = table.add_row().cells
        cells[0].text = label
        cells[1].text = value
    for title, text in context["sections"]:
        document.add_heading(title, level=1)
        for paragraph in (text or "Not written.").split("\n"):
            document.add_paragraph(paragraph)
    document.add_heading("Reviews", level=1)
    if not context["reviews"]:
        document.add_paragraph("Not yet reviewed.")
    for review in context["reviews"]:
        document.add_paragraph(
            f"{review.when}: {review.who} ({review.stage}): {review.decision}."
            + (f" {review.comments}" if review.comments else "")
        )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def full_record_context(incident: Incident) -> dict[str, Any]:
    from incidentdesk.investigations.models import Action, Evidence, InvestigationStep
    from incidentdesk.regulator.selectors import assessment_of, latest_data_subject_decision

    report = selectors.report_of(incident)
    profile = incident.organisation.effective_profile
    levels = dict(profile.severities.values_list("key", "name")) if profile else {}
    return {
        "title": RECORD_TITLE,
        "incident": incident,
        "facts": _facts(incident),
        "answers": report_answers(incident),
        "classifications": [
            (c, levels.get(c.severity, c.severity))
            for c in incident.classifications.select_related("classified_by")
        ],
        "policies": [p.name for p in incident.policies_breached.all()],
        "steps": list(InvestigationStep.objects.filter(incident=incident)),
        "assessment": assessment_of(incident),
        "data_subject_decision": latest_data_subject_decision(incident),
        "submissions": list(incident.ico_submissions.all()),
        "people_told": list(incident.people_told.all()),
        "actions": list(Action.objects.filter(incident=incident).select_related("owner")),
        "evidence": list(Evidence.objects.filter(incident=incident)),
        "timeline": timeline_for(incident),
        "outcome_sections": (
            [(title, getattr(report, name)) for name, title, _ in SECTIONS] if report else []
        ),
        "reviews": _reviews(incident, report) if report else [],
        "made_at": timezone.localtime(),
    }


def full_record_pdf(incident: Incident) -> bytes:
    from weasyprint import HTML

    html = render_to_string("outcomes/full_record_pdf.html", full_record_context(incident))
    return HTML(string=html).write_pdf()
