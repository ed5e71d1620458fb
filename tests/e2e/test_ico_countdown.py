"""The ICO countdown in a real browser: on the incident manager's home page and on the
incident page, as warning text, gone once the decision is recorded; axe on every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from incidentdesk.regulator.services import IcoDecisionInput, record_ico_decision
from tests.e2e.conftest import check_page, sign_in_with_cookie, visit
from tests.regulator.conftest import make_ico_cast, realistic_breach

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_manager_sees_the_countdown_until_the_decision_is_made(
    browser_page: Page, live_server
) -> None:
    cast = make_ico_cast()
    incident = realistic_breach(cast)
    page = browser_page
    sign_in_with_cookie(page, live_server.url, cast.manager)

    visit(page, f"{live_server.url}/")
    section = page.locator("#ico-countdown")
    expect(section.get_by_role("heading")).to_have_text(
        "Decisions on telling the Information Commissioner's Office (ICO)"
    )
    expect(section.locator(".govuk-warning-text")).to_contain_text(
        f"{incident.reference}: ICO decision due in 71 hours, by"
    )
    check_page(page)

    with page.expect_navigation():
        section.get_by_role("link", name=incident.reference).click()
    assert page.url.endswith(f"/incidents/{incident.reference}/ico/")

    visit(page, f"{live_server.url}/incidents/{incident.reference}/")
    warning = page.locator("#ico-countdown")
    expect(warning).to_contain_text("ICO decision due in 71 hours, by")
    check_page(page)

    record_ico_decision(
        incident=incident,
        actor=cast.manager,
        data=IcoDecisionInput(
            personal_data_of_living_people=True,
            risk_likely=True,
            high_risk=False,
            reasons="One parent received one child's plan and deleted it.",
        ),
    )
    visit(page, f"{live_server.url}/incidents/{incident.reference}/")
    expect(page.locator("#ico-countdown")).to_have_count(0)
    visit(page, f"{live_server.url}/")
    expect(page.locator("#ico-countdown")).to_have_count(0)
    check_page(page)
