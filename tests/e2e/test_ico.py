"""The incident manager records the ICO decision and downloads the draft, in a real browser
with axe on every page."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from incidentdesk.regulator.draft import ICO_FIELDS
from incidentdesk.regulator.models import IcoAssessment, IcoDecision
from incidentdesk.regulator.services import record_data_subject_decision
from tests.e2e.conftest import _record_for, check_page, sign_in_with_cookie, visit
from tests.regulator.conftest import AFFECTED, make_ico_cast, realistic_breach

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_manager_records_the_ico_decision_and_downloads_the_draft(
    browser_page: Page, live_server, tmp_path: Path
) -> None:
    cast = make_ico_cast()
    incident = realistic_breach(cast)
    page = browser_page
    sign_in_with_cookie(page, live_server.url, cast.manager)
    ico_page = f"{live_server.url}/incidents/{incident.reference}/ico/"

    visit(page, ico_page)
    expect(page.locator(".govuk-warning-text")).to_contain_text("hours left")
    with page.expect_navigation():
        page.get_by_role("link", name="Record the decision").click()
    check_page(page)

    # Saving with nothing answered shows the error summary, checked by axe too.
    with page.expect_navigation():
        page.get_by_role("button", name="Save the decision").click()
    check_page(page)
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Select yes if personal data of living people is involved"
    )

    page.get_by_role(
        "group", name="Does the breach involve personal data of living people?"
    ).get_by_label("Yes").check()
    page.get_by_role("group", name="Is it likely to result in a risk").get_by_label("Yes").check()
    page.get_by_role("group", name="Is it likely to result in a high risk").get_by_label(
        "No"
    ).check()
    page.get_by_label("Reasons for the decision").fill(
        "One parent received one child's plan and deleted it; special category data."
    )
    page.get_by_label("The data protection officer (DPO) took part in this decision").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save the decision").click()
    check_page(page)
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "ICO decision saved"
    )
    assessment = IcoAssessment.objects.get(incident=incident)
    assert assessment.decision == IcoDecision.NOTIFY_ICO
    assert assessment.decided_by == cast.manager

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the draft (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"{incident.reference}-ico-draft.pdf"
    saved = tmp_path / "draft.pdf"
    download.save_as(saved)
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(saved.read_bytes())).pages
    )
    for _, label in ICO_FIELDS:
        assert label in text, label
    for name in AFFECTED:
        assert name not in text
    assert "A risk is likely, but not a high risk." in text
    # Chromium reports a link that turns into a download as an aborted request: expected
    # here, and only here.
    errors = _record_for(page).errors
    errors[:] = [e for e in errors if not (e.startswith("request failed") and "draft.pdf" in e)]
    check_page(page)

    # High risk to the people affected: the letter drafts appear, each one opens.
    record_data_subject_decision(
        incident=incident, actor=cast.manager, high_risk=True, reasons="SEN data of a child."
    )
    visit(page, ico_page)
    page.get_by_text("Letter to parents and carers").click()
    expect(page.locator(".govuk-details__text").first).to_contain_text("Dear parent or carer")
    check_page(page)
