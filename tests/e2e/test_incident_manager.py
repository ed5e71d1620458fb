"""The incident manager's pages in a real browser, at desktop and phone width, with axe."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page

from incidentdesk.audit.models import AuditEvent
from incidentdesk.incidents.models import Incident, Kind, ReportingMode
from incidentdesk.organisations.models import Duty, Person
from incidentdesk.reporting.services import ReportDetails, report_incident
from tests.e2e.conftest import check_page, sign_in_with_cookie, visit
from tests.factories import make_organisation, make_person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class School:
    manager: Person
    reporter: Person
    confidential: Incident
    named: Incident


def _report(school, reporter, mode, what_happened, files=()) -> Incident:
    return report_incident(
        organisation=school,
        reporter=reporter,
        mode=mode,
        details=ReportDetails(what_happened=what_happened, reported_kind=Kind.POTENTIAL_BREACH),
        files=files,
    ).incident


@pytest.fixture
def school() -> School:
    school = make_organisation("Oakfield Primary School")
    manager = make_person("Dana Hart", organisation=school, duties=(Duty.INCIDENT_MANAGER,))
    reporter = make_person("Rory Reporter-Longname", organisation=school)
    named = _report(school, reporter, ReportingMode.NAMED, "A register left on the bus.")
    _report(school, None, ReportingMode.ANONYMOUS, "Passwords on a note in the staffroom.")
    confidential = _report(
        school,
        reporter,
        ReportingMode.CONFIDENTIAL,
        "The office PC shows pupils' health records to visitors at reception.",
        files=(SimpleUploadedFile("screen-photo-of-the-office-pc.png", PNG),),
    )
    return School(manager=manager, reporter=reporter, confidential=confidential, named=named)


def test_the_manager_opens_the_queue_and_reveals_a_confidential_reporter(
    browser_page: Page, live_server, school: School
) -> None:
    page = browser_page
    sign_in_with_cookie(page, live_server.url, school.manager)

    visit(page, f"{live_server.url}/")
    with page.expect_navigation():
        page.get_by_role("link", name="See the open incidents").click()
    check_page(page)
    assert page.title() == "Incidents – Incident Desk"
    # Table or cards, whichever the width shows: the reference is a link either way.
    link = page.get_by_role("link", name=school.confidential.reference)
    assert link.count() == 1
    assert school.reporter.full_name not in page.content()

    with page.expect_navigation():
        link.click()
    check_page(page)
    assert page.get_by_role("heading", level=1).inner_text() == (
        f"Incident {school.confidential.reference}"
    )
    assert "Confidential" in page.inner_text("main")
    assert school.reporter.full_name not in page.content()
    assert page.get_by_text("screen-photo-of-the-office-pc.png").is_visible()

    with page.expect_navigation():
        page.get_by_role("button", name="Show who reported this").click()
    check_page(page)
    assert page.get_by_text(school.reporter.full_name).is_visible()
    assert AuditEvent.objects.filter(action="incident.reporter_revealed").count() == 1

    # A message with nothing in it: the error summary and the field's error pass axe too.
    with page.expect_navigation():
        page.get_by_role("button", name="Send message").click()
    check_page(page)
    assert page.title().startswith("Error: ")
    assert page.get_by_role("link", name="Enter your message to the reporter").is_visible()
    # The name was shown once, for the one time it was asked for.
    assert school.reporter.full_name not in page.content()

    page.get_by_label("Write to the reporter").fill("Which PC at reception?")
    with page.expect_navigation():
        page.get_by_role("button", name="Send message").click()
    check_page(page)
    assert page.get_by_text("Message sent to the reporter").is_visible()
    assert page.get_by_text("Which PC at reception?").is_visible()


def test_the_queue_does_not_scroll_sideways_at_320px(new_page, live_server, school: School) -> None:
    page = new_page(width=320, height=640)
    sign_in_with_cookie(page, live_server.url, school.manager)

    for path in ("/incidents/", f"/incidents/{school.confidential.reference}/"):
        visit(page, f"{live_server.url}{path}")
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 320, path
