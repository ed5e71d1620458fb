"""A governor opens the dashboard and downloads the period report, in a real browser with
axe on every page, at desktop and phone widths; the manager's dashboard, with its charts,
is checked too."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.e2e.conftest import _record_for, check_page, sign_in_with_cookie, visit
from tests.oversight.conftest import REPORTER_NAMES, make_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_governor_opens_the_dashboard_and_downloads_the_report(
    browser_page: Page, live_server, tmp_path: Path
) -> None:
    world = make_world()
    page = browser_page
    sign_in_with_cookie(page, live_server.url, world.chair)

    visit(page, f"{live_server.url}/")
    with page.expect_navigation():
        page.get_by_role(
            "link", name="See the dashboard and the report for the governing body"
        ).click()
    check_page(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")

    page.get_by_label("From the start of").select_option(label="September 2026")
    page.get_by_label("To the end of").select_option(label="November 2026")
    with page.expect_navigation():
        page.get_by_role("button", name="Show this period").click()
    check_page(page)
    expect(page.get_by_role("heading", name="September 2026 to November 2026")).to_be_visible()
    expect(page.locator(".govuk-inset-text")).to_contain_text("fewer than 5")
    expect(
        page.get_by_role("table", name=re.compile("Incidents by month")).get_by_role("cell").first
    ).to_have_text("fewer than 5")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the report for the governing body (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == "BIR-governors-report-2026-09-to-2026-11.pdf"
    saved = tmp_path / "report.pdf"
    download.save_as(saved)
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(saved.read_bytes())).pages
    )
    assert "report to the governing body" in text
    assert "Major and critical incidents" in text and "fewer than 5" in text
    for name in REPORTER_NAMES:
        assert name not in text
    # Chromium reports a link that turns into a download as an aborted request.
    errors = _record_for(page).errors
    errors[:] = [e for e in errors if not (e.startswith("request failed") and ".pdf" in e)]
    check_page(page)

    # A wrong period: the error summary and the message beside the field, checked by axe.
    page.get_by_label("From the start of").select_option(label="November 2026")
    page.get_by_label("To the end of").select_option(label="September 2026")
    with page.expect_navigation():
        page.get_by_role("button", name="Show this period").click()
    check_page(page)
    expect(page.locator(".govuk-error-summary")).to_contain_text("The period must end")


def test_the_managers_dashboard_with_its_charts(browser_page: Page, live_server) -> None:
    world = make_world()
    page = browser_page
    sign_in_with_cookie(page, live_server.url, world.champion)
    visit(page, f"{live_server.url}/oversight/dashboard/?start=2026-09&end=2026-11")
    expect(page.get_by_role("img", name=re.compile("Incidents by school"))).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Incidents by month"))).to_be_visible()
