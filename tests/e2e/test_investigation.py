"""The investigator works through steps a–k and handles evidence, in a real browser with axe."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from incidentdesk.audit.models import AuditEvent
from incidentdesk.incidents.models import Category, Incident, Kind, PersonalData, ReportingMode
from incidentdesk.incidents.services import (
    ClassificationInput,
    assign_investigator,
    classify_incident,
)
from incidentdesk.investigations.models import Evidence, InvestigationStep, StepStatus
from incidentdesk.organisations.models import Duty, Person
from incidentdesk.reporting.services import ReportDetails, report_incident
from tests.e2e.conftest import _record_for, check_page, sign_in_with_cookie, visit
from tests.factories import make_organisation, make_person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The smallest real PNG: one transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


@dataclass
class Case:
    investigator: Person
    incident: Incident


@pytest.fixture
def case() -> Case:
    school = make_organisation("Oakfield Primary School")
    manager = make_person("Dana Hart", organisation=school, duties=(Duty.INCIDENT_MANAGER,))
    investigator = make_person(
        "Ivy Investigator", organisation=school, duties=(Duty.INVESTIGATING_OFFICER,)
    )
    reporter = make_person("Rory Reporter", organisation=school)
    incident = report_incident(
        organisation=school,
        reporter=reporter,
        mode=ReportingMode.NAMED,
        details=ReportDetails(
            what_happened="A class list was e-mailed to the wrong parent.",
            reported_kind=Kind.CONFIRMED_BREACH,
        ),
    ).incident
    incident = classify_incident(
        incident=incident,
        actor=manager,
        data=ClassificationInput(
            kind=Kind.CONFIRMED_BREACH,
            category=Category.WRONG_RECIPIENT,
            personal_data=PersonalData.YES,
            severity="moderate",
            severity_reason="Names and addresses of one class.",
        ),
    )
    incident = assign_investigator(incident=incident, actor=manager, investigator=investigator)
    return Case(investigator=investigator, incident=incident)


def _open_step(page: Page, letter: str) -> None:
    with page.expect_navigation():
        page.locator(f'a.govuk-task-list__link[href$="/steps/{letter}/"]').click()
    check_page(page)


def _save(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    check_page(page)


def test_the_investigator_completes_steps_a_to_k_and_handles_evidence(
    browser_page: Page, live_server, case: Case, tmp_path: Path
) -> None:
    page = browser_page
    base = live_server.url
    workspace = f"{base}/incidents/{case.incident.reference}/investigation/"
    sign_in_with_cookie(page, base, case.investigator)

    visit(page, workspace)
    assert page.title() == f"Investigation of incident {case.incident.reference} – Incident Desk"
    expect(page.locator(".govuk-task-list__item")).to_have_count(11)
    assert "0 of 11 steps completed" in page.inner_text("main")

    for letter in "abcdefghijk":
        _open_step(page, letter)
        if letter == "h":
            # Passing over step h without a decision is refused, with what was typed kept.
            page.get_by_label("Yes, it is complete").check()
            page.get_by_label("What was decided, and why?").fill("An honest slip; retraining.")
            _save(page)
            assert page.title().startswith("Error: ")
            expect(page.locator(".govuk-error-summary")).to_contain_text(
                "Choose whether disciplinary action was commenced"
            )
            expect(page.get_by_label("What was decided, and why?")).to_have_value(
                "An honest slip; retraining."
            )
            page.get_by_label("No, there will be no disciplinary action").check()
        elif letter == "d":
            page.get_by_label("It does not apply to this incident").check()
            page.get_by_label("Why does it not apply?").fill("The e-mail was recalled at once.")
        else:
            page.get_by_label("Yes, it is complete").check()
            page.get_by_label("What was done?").fill(f"Step {letter} done as the policy asks.")
        _save(page)
        assert page.url.endswith("/investigation/#steps")
        expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
            f"Step {letter} saved"
        )

    assert "11 of 11 steps completed" in page.inner_text("main")
    steps = {s.letter: s for s in InvestigationStep.objects.filter(incident=case.incident)}
    assert all(s.is_resolved for s in steps.values())
    assert steps["d"].status == StepStatus.NOT_APPLICABLE
    assert steps["d"].not_applicable_reason == "The e-mail was recalled at once."
    assert steps["h"].disciplinary_decision == "not_commenced"

    # Evidence: a screenshot, uploaded, fingerprinted, downloaded.
    with page.expect_navigation():
        page.get_by_role("button", name="Add evidence").click()
    check_page(page)
    page.get_by_label("Title").fill("Screenshot of the sent e-mail")
    page.get_by_label("Upload a file").set_input_files(
        {"name": "sent-mail.png", "mimeType": "image/png", "buffer": PNG}
    )
    _save(page)
    digest = hashlib.sha256(PNG).hexdigest()
    evidence = page.locator(".govuk-summary-card", has_text="Screenshot of the sent e-mail")
    expect(evidence.locator("[data-sha256]")).to_have_text(digest)
    assert Evidence.objects.get().sha256 == digest

    with page.expect_download() as download_info:
        evidence.get_by_role("link", name="Download Screenshot of the sent e-mail").click()
    download = download_info.value
    assert download.suggested_filename == "sent-mail.png"
    saved = tmp_path / "download.png"
    download.save_as(saved)
    assert saved.read_bytes() == PNG
    assert AuditEvent.objects.filter(action="evidence.downloaded").count() == 1
    # Chromium reports a link that turns into a download as an aborted request: expected
    # here, and only here.
    errors = _record_for(page).errors
    errors[:] = [e for e in errors if not (e.startswith("request failed") and "/download/" in e)]

    visit(page, workspace)
    evidence = page.locator(".govuk-summary-card", has_text="Screenshot of the sent e-mail")
    evidence.get_by_text("Custody log (2)").click()
    expect(evidence.locator(".govuk-details__text")).to_contain_text("Downloaded by Ivy")
    check_page(page)


def test_a_changed_evidence_file_shows_the_warning_page(
    browser_page: Page, live_server, case: Case
) -> None:
    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import SimpleUploadedFile

    from incidentdesk.investigations.services import add_evidence

    evidence = add_evidence(
        incident=case.incident,
        actor=case.investigator,
        title="Mail log",
        file=SimpleUploadedFile("mail.log.txt", b"10:02 sent to the wrong parent\n"),
    )
    with open(default_storage.path(evidence.stored_name), "wb") as disk:
        disk.write(b"10:02 nothing to see here\n")
    page = browser_page
    sign_in_with_cookie(page, live_server.url, case.investigator)
    visit(
        page,
        f"{live_server.url}/incidents/{case.incident.reference}/investigation/"
        f"evidence/{evidence.pk}/download/",
        status=409,
    )
    expect(page.locator(".govuk-warning-text")).to_contain_text(
        "This file has changed since it was collected: its fingerprint no longer matches"
    )
    expect(page.locator("#expected-sha256")).to_have_text(evidence.sha256)
    expect(page.locator("#actual-sha256")).to_have_text(
        hashlib.sha256(b"10:02 nothing to see here\n").hexdigest()
    )
