"""The governing body's report: a PDF read back, with its sections, and no names."""

from __future__ import annotations

import datetime
import io
import re
from pathlib import Path

import pytest
import time_machine
from pypdf import PdfReader

from incidentdesk.audit.models import AuditEvent
from incidentdesk.governance.services import exception_request, proposal_create
from incidentdesk.investigations.services import add_action
from incidentdesk.oversight.governors_report import render_pdf
from incidentdesk.oversight.statistics import scope_for
from tests.factories import signed_in_client
from tests.oversight.conftest import PERIOD, REPORTER_NAMES, World, at

URL = "/oversight/dashboard/governors-report.pdf"
SECTIONS = [
    "Information security incidents: report to the governing body",
    "Summary",
    "Incidents by month",
    "Incidents by kind",
    "Incidents by category",
    "Incidents by severity",
    "Information policies breached",
    "How well the policy is working",
    "Major and critical incidents",
    "Overdue actions",
    "Policy exceptions",
    "Proposed policy changes",
]


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def governance_records(world: World) -> None:
    point = world.birch.effective_profile.points.get(number=1)
    with time_machine.travel(at(10, 12), tick=False):
        exception_request(
            actor=world.manager,
            organisation=world.birch,
            title="Paper registers on the school trip",
            what="Take printed registers with medical notes on the residential trip.",
            business_reason="No signal at the outdoor centre.",
            policy_point=point,
        )
        proposal_create(
            actor=world.manager,
            organisation=world.birch,
            title="Name a deputy for out-of-hours reports",
            change="Add the Deputy Headteacher to point 1.",
            reason="The Headteacher is not always reachable.",
            policy_point=point,
        )
        major = world.birch_incidents[3]
        add_action(
            incident=major,
            actor=world.manager,
            kind="preventive",
            description="Turn off address autocomplete in the school's e-mail",
            owner=world.manager,
            due_on=datetime.date(2026, 10, 20),
        )


@pytest.fixture
def governor_pdf(world: World) -> tuple[World, bytes]:
    governance_records(world)
    response = signed_in_client(world.chair).get(
        URL, {"organisation": "birch", "start": "2026-09", "end": "2026-11"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    return world, response.content


def test_the_report_has_every_section_and_no_names(governor_pdf):
    world, content = governor_pdf
    text = pdf_text(content)
    for section in SECTIONS:
        assert section in text, section
    assert "Birch School" in text
    assert world.birch_incidents[3].reference in text  # the major incident, by reference
    assert "Paper registers on the school trip" in text
    assert "Name a deputy for out-of-hours reports" in text
    assert "Turn off address autocomplete" in text
    assert "fewer than 5" in text
    for name in [*REPORTER_NAMES, "Mina Manager", "Gita Governor"]:
        assert name not in text
    # Not the reporter's own words either: the summary comes from the classification.
    assert "class list was e-mailed" not in text
    assert "Cedar" not in text


def test_the_download_is_audited(governor_pdf):
    world, _ = governor_pdf
    event = AuditEvent.objects.get(action="oversight.governors_report_downloaded")
    assert event.actor_id == world.chair.pk
    assert event.details["period_start"] == "2026-09-01"
    assert event.details["period_end"] == "2026-11-30"


def test_a_trust_report_has_its_schools(world: World):
    text = pdf_text(render_pdf(scope_for(world.champion, None), PERIOD))
    assert "Incidents by school" in text and "Acorn Primary" in text and "Beech Primary" in text
    assert "Tara Teacher" not in text


def test_the_report_is_not_for_people_without_an_oversight_duty(world: World):
    assert signed_in_client(world.reporter).get(URL).status_code == 404
    assert signed_in_client(world.manager).get(URL, {"organisation": "cedar"}).status_code == 404
    assert not AuditEvent.objects.filter(action="oversight.governors_report_downloaded").exists()


def test_a_page_renders_to_an_image(governor_pdf, tmp_path: Path):
    """The first two pages render as A4 with ink on them (saved to look at)."""
    import pypdfium2 as pdfium

    _, content = governor_pdf
    pdf = pdfium.PdfDocument(content)
    assert len(pdf) >= 2
    for number in (0, 1):
        page = pdf[number]
        width, height = page.get_size()
        assert round(width) == 595 and round(height) == 842  # A4 in points
        image = page.render(scale=1).to_pil().convert("L")
        image.save(tmp_path / f"page-{number + 1}.png")
        dark = sum(image.histogram()[:128])
        assert 0.005 < dark / (image.width * image.height) < 0.4
