"""The layout, the sign-in page and the home page in a real browser, at desktop and phone width."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import engines
from django.template.loader import render_to_string
from django.test import RequestFactory
from playwright.sync_api import Page

from incidentdesk.organisations.models import Person
from tests.e2e.conftest import NewPage, check_page, sign_in, visit
from tests.factories import PASSWORD, make_organisation, make_person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff_member() -> Person:
    """A plain member of staff: a membership and no duties, so no second factor."""
    school = make_organisation("Oakfield Primary School")
    return make_person("Alice Jones", organisation=school)


def test_sign_in_page_passes_axe(browser_page: Page, live_server) -> None:
    visit(browser_page, f"{live_server.url}/accounts/sign-in/")

    assert "Sign in" in browser_page.title()
    # Signed-out people get the header, but no navigation or report button yet.
    assert browser_page.get_by_role("link", name="Incident Desk").is_visible()
    assert browser_page.locator(".govuk-service-navigation").count() == 0


def test_home_page_passes_axe_after_signing_in(
    browser_page: Page, live_server, staff_member: Person
) -> None:
    sign_in(browser_page, live_server.url, email=staff_member.email, password=PASSWORD)

    assert browser_page.url == f"{live_server.url}/"
    assert browser_page.title() == "Home – Incident Desk"
    assert browser_page.get_by_role("heading", level=1).inner_text() == "Hello, Alice"
    assert browser_page.get_by_text("Oakfield Primary School").is_visible()
    # The report link in the navigation bar stays visible on phones, outside the menu.
    header_report = browser_page.locator("header").get_by_role("button", name="Report an incident")
    assert header_report.is_visible()
    assert header_report.get_attribute("href") == "/report/"


def test_home_page_components_start(new_page: NewPage, live_server, staff_member: Person) -> None:
    page = new_page("phone")
    sign_in(page, live_server.url, email=staff_member.email, password=PASSWORD)

    # js-enabled.js ran, and app.js initialised GOV.UK Frontend: the phone menu works.
    body_classes = page.locator("body").get_attribute("class") or ""
    assert "js-enabled" in body_classes
    assert "govuk-frontend-supported" in body_classes
    menu = page.get_by_role("button", name="Menu")
    sign_out = page.get_by_role("button", name="Sign out")
    assert menu.is_visible()
    assert not sign_out.is_visible()
    menu.click()
    assert sign_out.is_visible()
    check_page(page)


def test_pages_have_no_sideways_scroll_at_320px(
    new_page: NewPage, live_server, staff_member: Person
) -> None:
    # 320 CSS pixels is a 1280-pixel screen at 400% zoom (WCAG 1.4.10 Reflow).
    page = new_page(width=320, height=640)
    visit(page, f"{live_server.url}/accounts/sign-in/")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 320

    sign_in(page, live_server.url, email=staff_member.email, password=PASSWORD)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 320


def test_signing_out_goes_back_to_sign_in(new_page: NewPage, live_server, staff_member) -> None:
    page = new_page("desktop")
    sign_in(page, live_server.url, email=staff_member.email, password=PASSWORD)

    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    check_page(page)

    visit(page, f"{live_server.url}/")
    assert "/accounts/sign-in/" in page.url


def test_demo_banner_and_back_link_pass_axe(browser_page: Page, live_server, settings) -> None:
    # No page has a back link yet: render one on the layout to check where the block sits.
    settings.DEMO_MODE = True  # read on each request by the context processor
    template = engines["django"].from_string(
        '{% extends "base.html" %}{% block title %}What happened?{% endblock %}'
        '{% block beforecontent %}<a href="/" class="govuk-back-link">Back</a>{% endblock %}'
        '{% block content %}<h1 class="govuk-heading-l">What happened?</h1>{% endblock %}'
    )
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    browser_page.goto(f"{live_server.url}/healthz")  # for its origin and CSP
    browser_page.set_content(template.render({}, request))
    check_page(browser_page)

    assert (
        browser_page.locator("header .govuk-phase-banner")
        .get_by_text("Demo", exact=True)
        .is_visible()
    )
    assert browser_page.locator("main > .govuk-back-link").is_visible()


def test_the_404_page_passes_axe(browser_page: Page, live_server) -> None:
    visit(browser_page, f"{live_server.url}/no-such-page/", status=404)

    assert browser_page.get_by_role("heading", level=1).inner_text() == "Page not found"


def test_the_500_page_passes_axe(new_page: NewPage, live_server) -> None:
    # A live server cannot be made to fail on demand, so put the page's HTML into a
    # document from the live server: its stylesheet and icon then load as they would.
    page = new_page("phone")
    page.goto(f"{live_server.url}/healthz")  # for its origin and CSP
    page.set_content(render_to_string("500.html"))
    check_page(page)

    assert page.get_by_role("heading", level=1).inner_text() == "Something went wrong"
