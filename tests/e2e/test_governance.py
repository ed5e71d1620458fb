"""A member of staff asks for an exception to a policy point and the incident manager
approves it, in a real browser with axe on every page."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidentdesk.governance.models import ExceptionRequest, ExceptionStatus
from incidentdesk.organisations.models import Duty, OrganisationKind
from incidentdesk.organisations.services import organisation_create
from tests.e2e.conftest import check_page, sign_in_with_cookie, visit
from tests.factories import make_person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_ask_for_an_exception_and_the_manager_approves_it(new_page, live_server) -> None:
    birch = organisation_create(
        name="Birch School", slug="birch", code="BIR", kind=OrganisationKind.SCHOOL, preset="school"
    )
    staff = make_person("Sam Staff", organisation=birch)
    manager = make_person("Mina Manager", organisation=birch, duties=(Duty.INCIDENT_MANAGER,))
    point = birch.effective_profile.points.get(number=3)

    page = new_page("phone")
    sign_in_with_cookie(page, live_server.url, staff)
    visit(page, f"{live_server.url}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Read the policies, ask for an exception").click()
    check_page(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Ask for an exception", exact=True).click()
    check_page(page)

    # Sending it empty shows every problem, checked by axe too, and keeps what was typed.
    page.get_by_label("Give it a short title").fill("Trip photos on the class tablet")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the request").click()
    check_page(page)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the business reason")
    expect(page.get_by_label("Give it a short title")).to_have_value(
        "Trip photos on the class tablet"
    )

    page.get_by_label("Which policy point do you need an exception to?").select_option(
        f"point:{point.pk}"
    )
    page.get_by_label("What do you need to do differently?").fill(
        "Keep the trip's photos on the class tablet until we are back"
    )
    page.get_by_label("What is the business reason?").fill("There is no signal at the centre")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the request").click()
    check_page(page)
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Your request has been sent to the incident manager"
    )
    expect(page.locator(".govuk-tag")).to_have_text("Waiting for a decision")
    exception = ExceptionRequest.objects.get()

    manager_page = new_page("desktop")
    sign_in_with_cookie(manager_page, live_server.url, manager)
    visit(manager_page, f"{live_server.url}/governance/exceptions/")
    with manager_page.expect_navigation():
        manager_page.get_by_role("link", name="Trip photos on the class tablet").click()
    check_page(manager_page)
    with manager_page.expect_navigation():
        manager_page.get_by_role("button", name="Decide").click()
    check_page(manager_page)
    # Approving without the dates says so beside each.
    manager_page.get_by_label("Approve").check()
    manager_page.get_by_label("Reasons for the decision").fill("Low risk; the tablet is encrypted")
    with manager_page.expect_navigation():
        manager_page.get_by_role("button", name="Save the decision").click()
    check_page(manager_page)
    expect(manager_page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the date the exception ends"
    )
    today = timezone.localdate()
    manager_page.get_by_label("When does the exception end?").fill(
        (today + datetime.timedelta(days=14)).isoformat()
    )
    manager_page.get_by_label("When will it be reviewed?").fill(
        (today + datetime.timedelta(days=7)).isoformat()
    )
    with manager_page.expect_navigation():
        manager_page.get_by_role("button", name="Save the decision").click()
    check_page(manager_page)
    expect(manager_page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Decision saved"
    )
    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.APPROVED

    # The asker sees the decision and its reasons.
    visit(page, f"{live_server.url}/governance/exceptions/{exception.pk}/")
    expect(page.locator(".govuk-tag")).to_have_text("Approved")
    expect(page.get_by_text("Low risk; the tablet is encrypted")).to_be_visible()
    visit(page, f"{live_server.url}/governance/exceptions/")


def test_the_policy_pages_pass_axe(new_page, live_server, tmp_path, settings) -> None:
    from incidentdesk.governance import services

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    birch = organisation_create(
        name="Birch School", slug="birch", code="BIR", kind=OrganisationKind.SCHOOL, preset="school"
    )
    manager = make_person("Mina Manager", organisation=birch, duties=(Duty.INCIDENT_MANAGER,))
    document = services.document_create(
        actor=manager,
        organisation=birch,
        title="Security Incidents Policy",
        version="1.0",
        approved_by="Finance & Premises Committee",
        approved_on=datetime.date(2021, 1, 26),
        next_review_on=datetime.date(2022, 1, 31),
        owner=manager,
    )
    services.document_review(
        actor=manager,
        document=document,
        version="1.1",
        approved_by="Full Governing Body",
        approved_on=timezone.localdate(),
        next_review_on=timezone.localdate() + datetime.timedelta(days=365),
    )
    proposal = services.proposal_create(
        actor=manager, organisation=birch, title="Allow encrypted sticks", change="c", reason="r"
    )
    page = new_page("desktop")
    sign_in_with_cookie(page, live_server.url, manager)
    for path in (
        "/governance/",
        "/governance/policies/",
        f"/governance/policies/{document.pk}/",
        f"/governance/policies/{document.pk}/review/",
        "/governance/policies/new/",
        "/governance/changes/",
        f"/governance/changes/{proposal.pk}/",
        f"/governance/changes/{proposal.pk}/decide/",
        "/governance/changes/new/",
    ):
        visit(page, f"{live_server.url}{path}")
    # The review form sent empty: the error summary and messages pass axe too.
    visit(page, f"{live_server.url}/governance/policies/{document.pk}/review/")
    page.get_by_label("Version").fill("")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the review").click()
    check_page(page)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the version")
