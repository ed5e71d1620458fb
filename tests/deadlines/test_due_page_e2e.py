"""The "Due and overdue" page with a policy review and an exception beside an incident, in a
real browser with axe, on a phone and on a desktop."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidentdesk.governance import services as governance
from incidentdesk.organisations.models import Duty
from tests.e2e.conftest import (  # noqa: F401 - browser and new_page are fixtures used here
    NewPage,
    browser,
    check_page,
    new_page,
    sign_in_with_cookie,
    visit,
)
from tests.factories import make_organisation, make_person
from tests.incidents.conftest import file_report

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_manager_follows_a_policy_review_from_the_due_page(
    new_page: NewPage,  # noqa: F811 - the fixture imported above
    live_server,
) -> None:
    birch = make_organisation("Birch School")
    manager = make_person("Mina Manager", organisation=birch, duties=(Duty.INCIDENT_MANAGER,))
    owner = make_person("Olu Owner", organisation=birch)
    file_report(birch, make_person("Rory Reporter", organisation=birch))
    today = timezone.localdate()
    document = governance.document_create(
        actor=None,
        organisation=birch,
        title="Security Incidents Policy",
        version="1.0",
        approved_by="Finance & Premises Committee",
        approved_on=datetime.date(2025, 3, 1),
        next_review_on=today + datetime.timedelta(days=10),
        owner=owner,
    )
    exception = governance.exception_request(
        actor=owner,
        organisation=birch,
        policy_point=birch.effective_profile.points.get(number=3),
        title="Trip photos on the tablet",
        what="Keep them a week",
        business_reason="No signal on the field trip",
    )
    governance.exception_decide(
        actor=manager,
        exception=exception,
        approve=True,
        reasons="Low risk",
        expires_on=today + datetime.timedelta(days=60),
        review_on=today + datetime.timedelta(days=30),
    )

    for viewport in ("phone", "desktop"):
        page = new_page(viewport)
        sign_in_with_cookie(page, live_server.url, manager)
        visit(page, f"{live_server.url}/due/")
        yours = page.locator("table", has_text="Yours")
        expect(yours).to_contain_text("Review the exception “Trip photos on the tablet”")
        theirs = page.locator("table", has_text="Your organisation's")
        expect(theirs).to_contain_text("Review the policy document “Security Incidents Policy”")
        expect(theirs).to_contain_text("Due in 10 days")

    with page.expect_navigation():
        theirs.get_by_role("link", name="Policy “Security Incidents Policy”").click()
    assert page.url.endswith(f"/governance/policies/{document.pk}/")
    check_page(page)
