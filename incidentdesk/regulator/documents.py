"""The ICO draft as PDF (WeasyPrint, from an HTML template) and as Word (python-docx)."""

from __future__ import annotations

import io

from django.template.loader import render_to_string
from django.utils import timezone

from incidentdesk.incidents.models import Incident

from .draft import DraftField, sections

TITLE = "Draft ICO personal data breach report"


def draft_pdf(incident: Incident, fields: list[DraftField]) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which only the download needs.
    from weasyprint import HTML

    html = render_to_string(
        "regulator/ico_draft_pdf.html",
        {
            "title": TITLE,
            "incident": incident,
            "sections": sections(fields),
            "made_at": timezone.localtime(),
        },
    )
    # No base_url: the template is self-contained, so nothing is fetched while rendering.
    return HTML(string=html).write_pdf()


def draft_docx(incident: Incident, fields: list[DraftField]) -> bytes:
    from docx import Document

    document = Document()
    document.core_properties.title = f"{TITLE}, {incident.reference}"
    document.add_heading(TITLE, level=0)
    document.add_paragraph(
        f"Incident {incident.reference}, {incident.organisation.name}. Prepared "
        f"{timezone.localtime():%-d %B %Y at %H:%M}. Paste each answer into the ICO's "
        "online form; it cannot be saved part-way. Contains no names of the people affected."
    )
    for section, items in sections(fields):
        document.add_heading(section, level=1)
        for item in items:
            document.add_heading(item.label, level=2)
            document.add_paragraph(item.value)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
