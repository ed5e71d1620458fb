"""The register in a real browser, at desktop and phone width, with axe on every page:
an incident manager filters it, gets a bad date wrong and puts it right, sorts it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import check_page, sign_in_with_cookie, visit
from tests.oversight.conftest import make_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def rows(page: Page) -> list[str]:
    """The references shown, in the table on a wide screen or the cards on a phone."""
    visible = page.locator(".app-incident-queue__table th[scope=row] a:visible")
    if visible.count() == 0:
        visible = page.locator(".app-incident-queue__cards .govuk-summary-card__title a:visible")
    return visible.all_inner_texts()


def test_the_manager_filters_and_sorts_the_register(browser_page: Page, live_server) -> None:
    world = make_world()
    page = browser_page
    sign_in_with_cookie(page, live_server.url, world.manager)

    visit(page, f"{live_server.url}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Search and filter every incident").click()
    check_page(page)
    assert page.title() == "Incident register – Incident Desk"
    assert sorted(rows(page)) == sorted(i.reference for i in world.birch_incidents)
    assert page.get_by_role("status").inner_text() == "6 incidents match"

    # Only the new reports.
    page.get_by_text("More filters").click()
    page.get_by_role("group", name="State").get_by_label("Reported", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    check_page(page)
    reported = [i.reference for i in world.birch_incidents if i.state == "reported"]
    assert sorted(rows(page)) == sorted(reported)
    assert page.get_by_role("status").inner_text() == "2 incidents match"

    # A date that does not exist: the message is beside the field and in the summary.
    page.get_by_text("More filters").click()
    from_date = page.get_by_role("group", name="Reported on or after")
    from_date.get_by_label("Day").fill("31")
    from_date.get_by_label("Month").fill("2")
    from_date.get_by_label("Year").fill("2026")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    check_page(page)
    assert page.title().startswith("Error: ")
    assert page.get_by_role("link", name="The first day must be a real date").is_visible()
    assert from_date.get_by_label("Day").input_value() == "31"

    # Put right, with the state still chosen.
    from_date.get_by_label("Day").fill("1")
    from_date.get_by_label("Month").fill("11")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    check_page(page)
    november = [
        i.reference
        for i in world.birch_incidents
        if i.state == "reported" and i.reported_at.month == 11
    ]
    assert rows(page) == november

    # Sorted oldest first, keeping the filters; the chosen order says so.
    with page.expect_navigation():
        page.get_by_role("link", name="Clear filters").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Oldest reported first").click()
    check_page(page)
    assert rows(page) == [i.reference for i in world.birch_incidents]
    assert (
        page.get_by_role("link", name="Oldest reported first").get_attribute("aria-current")
        == "true"
    )
