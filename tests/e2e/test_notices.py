"""The home page's notices pass axe and can be marked read, in a real browser."""

import pytest
from playwright.sync_api import Page, expect

from incidentdesk.notifications.models import Notification
from incidentdesk.organisations.models import Duty
from tests.e2e.conftest import check_page, sign_in_with_cookie, visit
from tests.factories import make_organisation, make_person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_manager_reads_new_notices_on_the_home_page(browser_page: Page, live_server) -> None:
    school = make_organisation("Oakfield Primary School")
    head = make_person("Hana Head", organisation=school, duties=(Duty.INCIDENT_MANAGER,))
    Notification.objects.create(person=head, message="New incident reported: T-2026-0001")
    sign_in_with_cookie(browser_page, live_server.url, head)

    visit(browser_page, f"{live_server.url}/")
    expect(browser_page.get_by_text("New incident reported: T-2026-0001")).to_be_visible()
    with browser_page.expect_navigation():
        browser_page.get_by_role("button", name="Mark all as read").click()
    check_page(browser_page)

    expect(browser_page.get_by_text("New incident reported: T-2026-0001")).to_have_count(0)
