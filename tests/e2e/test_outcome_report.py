"""The investigator writes and submits the outcome report, the incident manager approves
it and closes the incident: in a real browser, with axe on every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from incidentdesk.incidents.models import Incident, State
from incidentdesk.outcomes.models import OutcomeReport
from tests.e2e.conftest import check_page, sign_in_with_cookie, visit
from tests.outcomes.conftest import SECTION_TEXT, make_outcome_cast, ready_to_submit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _click(page: Page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()
    check_page(page)


def test_written_submitted_approved_and_closed(new_page, live_server) -> None:
    side = make_outcome_cast().school
    incident = ready_to_submit(side, severity="minor")
    base = live_server.url
    url = f"{base}/incidents/{incident.reference}/outcome/"

    page = new_page("phone")
    sign_in_with_cookie(page, base, side.investigator)
    visit(page, url)
    expect(page.get_by_label("Chronology")).to_contain_text("Reported the incident")
    page.get_by_label("Summary").fill(SECTION_TEXT["summary"])
    page.get_by_label("Cause").fill("")
    _click(page, "Submit the outcome report")
    assert page.title().startswith("Error: ")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Write the cause")
    expect(page.get_by_label("Summary")).to_have_value(SECTION_TEXT["summary"])
    for name, text in SECTION_TEXT.items():
        page.locator(f"#id_{name}").fill(text)
    _click(page, "Submit the outcome report")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Outcome report submitted for review"
    )
    expect(page.locator("main")).to_contain_text("Submitted, waiting for the incident manager")

    page = new_page("desktop")
    sign_in_with_cookie(page, base, side.manager)
    visit(page, url)
    expect(page.locator("#closing")).to_be_visible()
    expect(page.locator("main")).to_contain_text(
        "The outcome report has not been approved by the incident manager."
    )
    page.get_by_label("Approve the report").check()
    _click(page, "Save your review")
    expect(page.locator("main")).to_contain_text("Everything needed is done")
    with page.expect_navigation():
        page.get_by_role("link", name="Close the incident on its page").click()
    check_page(page)
    expect(page.locator("#outcome-report")).to_contain_text("Approved")
    with page.expect_navigation():
        page.locator("#action-close").get_by_role("button", name="Close").click()
    check_page(page)
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Incident closed")
    assert Incident.objects.get(pk=incident.pk).state == State.CLOSED
    assert OutcomeReport.objects.get(incident=incident).approved_at is not None

    # Closed: the report reads as text, with its documents to download.
    visit(page, url)
    expect(page.get_by_role("heading", name="Lessons learned")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the outcome report (PDF)").click()
    assert download.value.suggested_filename == f"{incident.reference}-outcome-report.pdf"
