"""An anonymous reporter on a phone: reports, keeps the receipt, comes back and answers
a question. axe checks every page; the browser ends with no cookie at all."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Dialog, Page, expect

from incidentdesk.incidents.models import Incident, ReportingMode
from incidentdesk.organisations.models import Duty, Organisation, Person
from incidentdesk.reporting.models import AnonymousReceipt, Message
from incidentdesk.reporting.receipts import code_hash, normalise
from incidentdesk.reporting.services import ask_reporter
from tests.e2e.conftest import NewPage, check_page, visit
from tests.factories import make_organisation, make_person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CODE = re.compile(r"^[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}$")


@pytest.fixture
def school() -> Organisation:
    return make_organisation("Oakfield Primary School", preset="school")


@pytest.fixture
def head(school: Organisation) -> Person:
    return make_person("Harriet Head", organisation=school, duties=(Duty.INCIDENT_MANAGER,))


@pytest.fixture
def chair(school: Organisation) -> Person:
    return make_person("Carol Chair", organisation=school, duties=(Duty.CHAIR_OF_GOVERNORS,))


def submit(page: Page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()
    check_page(page)


def report_and_get_receipt(page: Page, base_url: str, school: Organisation) -> str:
    visit(page, f"{base_url}/anonymous/{school.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Report an incident anonymously")
    page.get_by_label("A member of staff").check()
    page.get_by_label("What happened?").fill(
        "The Year 4 contact list was printed and left on the staff room table."
    )
    page.get_by_text("More about what happened").click()
    page.get_by_label("Where did it happen?").fill("The staff room")
    submit(page, "Send report")
    code = page.locator("[data-receipt-code]").inner_text().strip()
    assert CODE.match(code), code
    return code


def test_an_anonymous_reporter_reports_keeps_the_receipt_and_answers_a_question(
    new_page: NewPage, live_server, school, head, chair
) -> None:
    page = new_page("phone")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)

    # 1. Report, and see the receipt.
    code = report_and_get_receipt(page, live_server.url, school)
    expect(page.get_by_role("heading", level=1)).to_have_text("Report sent")
    expect(
        page.get_by_text("Write this code down or save it. We cannot show it again.")
    ).to_be_visible()
    incident = Incident.objects.get()
    assert incident.mode == ReportingMode.ANONYMOUS
    assert incident.reporter is None
    assert AnonymousReceipt.objects.get(incident=incident).code_hash == code_hash(normalise(code))

    # 2. Copy it: the button (shown by receipt.js) puts the code on the clipboard.
    page.get_by_role("button", name="Copy code").click()
    expect(page.locator("[data-receipt-status]")).to_contain_text("Code copied")
    assert page.evaluate("navigator.clipboard.readText()") == code
    expect(page.get_by_role("button", name="Print this page")).to_be_visible()

    # 3. Leaving before saying the code is kept asks first; staying keeps the page.
    dialogs: list[str] = []

    def stay(dialog: Dialog) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.get_by_role("link", name="Accessibility").click()
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"]
    expect(page.locator("[data-receipt-code]")).to_have_text(code)
    page.remove_listener("dialog", stay)

    # 4. Continue without the tick: the receipt again, with the error.
    submit(page, "Continue")
    assert page.title().startswith("Error: ")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Confirm that you have kept your receipt code"
    )
    expect(page.locator("[data-receipt-code]")).to_have_text(code)

    # 5. Tick and continue: no warning now, and the code is gone from the page.
    page.on("dialog", lambda dialog: pytest.fail(f"unexpected {dialog.type} dialog"))
    page.get_by_label("I have kept my receipt code").check()
    submit(page, "Continue")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for telling us")
    assert code not in page.content()

    # 6. The incident manager asks a question.
    ask_reporter(incident=incident, author=head, body="Was the list still there at 4pm?")

    # 7. The reporter comes back with the code and answers.
    page.get_by_role("link", name="check on your report").click()
    page.wait_for_load_state()
    check_page(page)
    page.get_by_label("Receipt code").fill(code.lower().replace("-", " "))
    submit(page, "Continue")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your anonymous report")
    expect(page.locator(".govuk-tag")).to_have_text("Received")
    expect(page.get_by_text("Was the list still there at 4pm?")).to_be_visible()
    assert "Harriet" not in page.content()
    page.get_by_label("Answer a question or add information").fill("Yes, until the cleaners came.")
    submit(page, "Send message")
    expect(page.get_by_text("Your message has been sent")).to_be_visible()
    expect(page.get_by_text("Yes, until the cleaners came.")).to_be_visible()

    question, answer = Message.objects.filter(incident=incident).order_by("pk")
    assert (question.from_reporter, question.author_id) == (False, head.pk)
    assert (answer.from_reporter, answer.author_id) == (True, None)
    assert answer.body == "Yes, until the cleaners came."
    # No URL of the journey ever carried the code.
    assert normalise(code) not in page.url and code not in page.url

    # 8. Nothing was left in the browser to say who it was.
    assert page.context.cookies() == []


def test_a_wrong_code_is_explained_on_a_phone(new_page: NewPage, live_server, school) -> None:
    page = new_page("phone")
    visit(page, f"{live_server.url}/anonymous/{school.slug}/follow-up/")

    page.get_by_label("Receipt code").fill("ABCDE-FGHJK-MNPQR-STVWX")
    submit(page, "Continue")

    assert page.title().startswith("Error: ")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "We could not find a report with that code. Check it and try again."
    )
    assert page.context.cookies() == []


def test_form_errors_pass_axe_and_keep_the_answers(new_page: NewPage, live_server, school) -> None:
    page = new_page("phone")
    visit(page, f"{live_server.url}/anonymous/{school.slug}/")

    page.get_by_label("A supplier that handles our information").check()
    page.get_by_label("If you are telling us for a supplier, its name").fill("Acme Payroll Ltd")
    submit(page, "Send report")

    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter what happened")
    assert page.get_by_label("A supplier that handles our information").is_checked()
    expect(page.get_by_label("If you are telling us for a supplier, its name")).to_have_value(
        "Acme Payroll Ltd"
    )
    # The summary's link takes the reporter to the question.
    page.locator(".govuk-error-summary").get_by_role("link", name="Enter what happened").click()
    expect(page.get_by_label("What happened?")).to_be_focused()
    assert not Incident.objects.exists()


def test_the_receipt_prints_with_its_code_and_without_the_buttons(
    new_page: NewPage, live_server, school, chair
) -> None:
    page = new_page("phone")
    code = report_and_get_receipt(page, live_server.url, school)

    page.emulate_media(media="print")

    expect(page.locator("[data-receipt-code]")).to_have_text(code)
    expect(page.locator("[data-receipt-code]")).to_be_visible()
    expect(page.get_by_role("button", name="Copy code")).to_be_hidden()
    expect(page.get_by_role("button", name="Continue")).to_be_hidden()


def test_the_receipt_fits_a_320_pixel_screen(new_page: NewPage, live_server, school, chair) -> None:
    page = new_page(width=320, height=640)
    report_and_get_receipt(page, live_server.url, school)

    assert page.evaluate("document.scrollingElement.scrollWidth") <= 320
