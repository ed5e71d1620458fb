"""The sign-in pages in a real browser: the code step, setting up an app, errors, axe."""

from __future__ import annotations

import re

import pyotp
import pytest
from django.utils import timezone
from playwright.sync_api import Page

from incidentdesk.accounts.models import TwoFactorDevice
from incidentdesk.organisations.models import Duty, DutyHolder, Person
from tests.e2e.conftest import (  # noqa: F401 - browser and new_page are fixtures used here
    NewPage,
    browser,
    check_page,
    new_page,
    visit,
)
from tests.factories import PASSWORD, make_organisation, make_person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def duty_holder() -> Person:
    school = make_organisation("Oakfield Primary School")
    person = make_person("Dana Hart", organisation=school)
    DutyHolder.objects.get_or_create(organisation=school, person=person, duty=Duty.INCIDENT_MANAGER)
    return person


def _submit(page: Page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()
    check_page(page)


def _enter_password(page: Page, base_url: str, person: Person) -> None:
    visit(page, f"{base_url}/accounts/sign-in/")
    page.get_by_label("E-mail address").fill(person.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    _submit(page, "Sign in")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_duty_holder_signs_in_with_a_code(
    new_page: NewPage,  # noqa: F811
    live_server,
    duty_holder: Person,
    viewport: str,
) -> None:
    secret = pyotp.random_base32()
    TwoFactorDevice.objects.create(person=duty_holder, secret=secret, confirmed_at=timezone.now())
    page = new_page(viewport)
    _enter_password(page, live_server.url, duty_holder)
    assert page.url.endswith("/accounts/sign-in/code/")

    page.get_by_label("Enter the code from your authenticator app").fill("000000")
    _submit(page, "Continue")
    assert page.title().startswith("Error: ")
    summary = page.locator(".govuk-error-summary")
    assert "That code did not work" in summary.inner_text()
    # GOV.UK Frontend moves focus to the summary so screen readers read it first.
    assert summary.evaluate("element => element === document.activeElement")

    page.get_by_label("Enter the code from your authenticator app").fill(pyotp.TOTP(secret).now())
    _submit(page, "Continue")
    assert page.url == f"{live_server.url}/"
    assert page.get_by_role("heading", level=1).inner_text() == "Hello, Dana"


def test_a_duty_holder_sets_up_an_app_on_a_small_phone(
    new_page: NewPage,  # noqa: F811
    live_server,
    duty_holder: Person,
) -> None:
    page = new_page(width=320, height=640)
    _enter_password(page, live_server.url, duty_holder)
    assert page.url.endswith("/accounts/two-factor/set-up/")
    assert page.get_by_role("img", name="QR code for your authenticator app").is_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 320

    page.get_by_text("I cannot scan the QR code").click()
    key = page.locator("code").inner_text()
    assert re.fullmatch(r"[A-Z2-7 ]+", key)
    page.get_by_label("Code from your authenticator app").fill(
        pyotp.TOTP(key.replace(" ", "")).now()
    )
    _submit(page, "Continue")
    assert page.url == f"{live_server.url}/"


def test_the_password_reset_pages_pass_axe(
    new_page: NewPage,  # noqa: F811
    live_server,
    duty_holder: Person,
) -> None:
    page = new_page("desktop")
    visit(page, f"{live_server.url}/accounts/password-reset/")
    _submit(page, "Send the link")
    assert page.title() == "Error: Reset your password – Incident Desk"
    page.get_by_label("E-mail address").fill(duty_holder.email)
    _submit(page, "Send the link")
    assert page.get_by_role("heading", level=1).inner_text() == "Check your e-mail"
    visit(page, f"{live_server.url}/accounts/password-reset/MQ/not-a-token/")
    assert page.get_by_role("heading", level=1).inner_text() == "This link does not work"
