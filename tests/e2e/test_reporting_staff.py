"""A member of staff reports an incident in a real browser, mostly on a phone (375 x 740).

- the quick report, timed: what happened, Send report, the confirmation;
- nothing lost: a submission whose answer never arrives (a server error, a dropped
  connection) or that meets an expired session keeps the words in the browser, and sending
  it again makes exactly one incident;
- anonymous reporting from the staff form shows the receipt once;
- "My reports" and adding information;
- axe on every page visited (check_page / visit), at phone and desktop width.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from playwright.sync_api import Page, Route, expect

from incidentdesk.incidents.models import Incident, ReportingMode, Source
from incidentdesk.organisations.models import Duty, Organisation, Person
from incidentdesk.reporting.models import Message
from incidentdesk.reporting.services import ask_reporter
from tests.e2e.conftest import NewPage, assert_no_browser_errors, check_page, sign_in, visit
from tests.factories import PASSWORD, make_organisation, make_person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WHAT_HAPPENED = "I e-mailed the Year 6 SEN list to a parent instead of the SENCo."
# Well under a minute, the issue says; this is what a test machine must stay under.
QUICK_REPORT_LIMIT_SECONDS = 30
PHOTO = {"name": "screen.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n" + bytes(64)}


@pytest.fixture
def school() -> Organisation:
    return make_organisation("Oakfield Primary School", preset="school")


@pytest.fixture
def head(school: Organisation) -> Person:
    return make_person("Harriet Head", organisation=school, duties=(Duty.INCIDENT_MANAGER,))


@pytest.fixture
def teacher(school: Organisation, head: Person) -> Person:
    """A plain member of staff: no duties, so no second factor at sign-in."""
    return make_person("Alice Jones", organisation=school)


def send(page: Page, button: str = "Send report") -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()
    check_page(page)


def draft_keys(page: Page) -> list[str]:
    return page.evaluate(
        "Object.keys(localStorage).filter((key) => key.startsWith('incidentdesk:report:'))"
    )


def timed(durations: list[float], step: Callable[[], object]) -> None:
    started = time.perf_counter()
    step()
    durations.append(time.perf_counter() - started)


# --- The quick report ---------------------------------------------------------------------


def test_a_member_of_staff_reports_an_incident_on_a_phone_in_well_under_a_minute(
    new_page: NewPage, live_server, teacher: Person
) -> None:
    page = new_page("phone")
    sign_in(page, live_server.url, email=teacher.email, password=PASSWORD)

    # Only the person's own steps are timed; the page checks (axe, screenshots) are not.
    steps: list[float] = []

    def open_form() -> None:
        with page.expect_navigation():
            page.locator("header").get_by_role("button", name="Report an incident").click()

    timed(steps, open_form)
    check_page(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Report an incident")
    timed(steps, lambda: page.get_by_label("What happened?").fill(WHAT_HAPPENED))
    timed(steps, lambda: page.get_by_label("In confidence").check())

    def send_it() -> None:
        with page.expect_navigation():
            page.get_by_role("button", name="Send report").click()
        page.wait_for_load_state("load")

    timed(steps, send_it)
    check_page(page)

    elapsed = sum(steps)
    print(f"\nQuick report on a phone: {elapsed:.2f} s of interaction ({steps})")
    assert elapsed < QUICK_REPORT_LIMIT_SECONDS

    incident = Incident.objects.get()
    assert incident.what_happened == WHAT_HAPPENED
    assert incident.mode == ReportingMode.CONFIDENTIAL
    assert incident.reporter == teacher
    expect(page.locator(".govuk-panel__title")).to_have_text("Report sent")
    expect(page.locator(".govuk-panel__body")).to_contain_text(incident.reference)
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    # The server has it: the browser's copy is gone.
    assert draft_keys(page) == []


# --- Nothing lost -------------------------------------------------------------------------


def test_a_submission_whose_answer_is_a_server_error_is_sent_once_and_nothing_is_lost(
    new_page: NewPage, live_server, teacher: Person
) -> None:
    page = new_page("phone")
    sign_in(page, live_server.url, email=teacher.email, password=PASSWORD)
    visit(page, f"{live_server.url}/report/")
    page.get_by_label("What happened?").fill(WHAT_HAPPENED)
    page.get_by_text("More about what happened").click()
    page.get_by_label("Where did it happen?").fill("The school office")

    # The worst case: the server takes the report, and the answer is lost on the way back.
    # The browser sees a server error, so the person sends the report again.
    posts: list[str] = []
    error_page = render_to_string("500.html")

    def answer_with_an_error(route: Route) -> None:
        if route.request.method != "POST" or posts:
            route.continue_()
            return
        posts.append(route.request.post_data or "")
        route.fetch(max_redirects=0)  # the server does its work...
        route.fulfill(status=500, content_type="text/html", body=error_page)  # ...in vain

    page.route(f"{live_server.url}/report/", answer_with_an_error)
    with page.expect_navigation():
        page.get_by_role("button", name="Send report").click()
    check_page(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Something went wrong")
    assert Incident.objects.count() == 1

    # Back to the form: the words are back, with the same key.
    visit(page, f"{live_server.url}/report/")
    expect(page.get_by_label("What happened?")).to_have_value(WHAT_HAPPENED)
    expect(page.get_by_label("Where did it happen?")).to_have_value("The school office")
    expect(page.get_by_label("Where did it happen?")).to_be_visible()  # its section is open
    expect(page.get_by_text("We have put back what you typed before.")).to_be_visible()
    check_page(page)

    send(page)
    expect(page.locator(".govuk-panel__title")).to_have_text("Report sent")
    incident = Incident.objects.get()
    assert incident.location == "The school office"
    assert incident.reference in page.locator(".govuk-panel__body").inner_text()
    assert f'name="idempotency_key"\r\n\r\n{incident.idempotency_key}' in posts[0]
    assert draft_keys(page) == []


def test_a_dropped_connection_keeps_the_words_and_the_retry_makes_one_incident(
    new_page: NewPage, live_server, teacher: Person
) -> None:
    page = new_page("phone")
    sign_in(page, live_server.url, email=teacher.email, password=PASSWORD)
    visit(page, f"{live_server.url}/report/")
    page.get_by_label("What happened?").fill(WHAT_HAPPENED)
    page.get_by_label("Anonymously").check()
    page.get_by_text("Photos or documents", exact=True).click()
    page.locator('input[name="attachments"]').set_input_files(PHOTO)

    page.route(
        f"{live_server.url}/report/",
        lambda route: (
            route.abort("internetdisconnected")
            if route.request.method == "POST"
            else route.continue_()
        ),
    )
    with page.expect_event("requestfailed"):
        page.get_by_role("button", name="Send report").click()
    page.unroute(f"{live_server.url}/report/")
    # The browser noted the failed request, as it should: that is this test's doing.
    with pytest.raises(AssertionError, match="request failed"):
        assert_no_browser_errors(page)
    assert not Incident.objects.exists()

    visit(page, f"{live_server.url}/report/")
    expect(page.get_by_label("What happened?")).to_have_value(WHAT_HAPPENED)
    expect(page.get_by_label("Anonymously")).to_be_checked()
    # A browser cannot keep a file for a page: it says which to choose again.
    expect(page.get_by_text("Choose your files again: screen.png.")).to_be_visible()
    page.locator('input[name="attachments"]').set_input_files(PHOTO)
    send(page)

    incident = Incident.objects.get()
    assert incident.mode == ReportingMode.ANONYMOUS
    assert incident.reporter is None
    assert incident.attachments.get().original_name == "screen.png"
    expect(page.locator("[data-receipt-code]")).to_be_visible()


def test_a_report_sent_after_the_session_ended_is_kept_through_signing_in(
    new_page: NewPage, live_server, teacher: Person
) -> None:
    page = new_page("phone")
    sign_in(page, live_server.url, email=teacher.email, password=PASSWORD)
    visit(page, f"{live_server.url}/report/")
    page.get_by_label("What happened?").fill(WHAT_HAPPENED)

    # The session ends while the form is open (the CSRF cookie stays, as it does).
    page.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
    send(page)
    assert "/accounts/sign-in/" in page.url
    assert Incident.objects.count() == 0

    page.locator('input[name="email"]').fill(teacher.email)
    page.locator('input[name="password"]').fill(PASSWORD)
    send(page, "Sign in")
    assert page.url == f"{live_server.url}/report/"
    expect(page.get_by_label("What happened?")).to_have_value(WHAT_HAPPENED)

    send(page)
    assert Incident.objects.get().what_happened == WHAT_HAPPENED


def test_a_double_click_sends_one_report(new_page: NewPage, live_server, teacher) -> None:
    page = new_page("phone")
    sign_in(page, live_server.url, email=teacher.email, password=PASSWORD)
    visit(page, f"{live_server.url}/report/")
    page.get_by_label("What happened?").fill(WHAT_HAPPENED)

    with page.expect_navigation():
        page.get_by_role("button", name="Send report").dblclick()
    check_page(page)

    expect(page.locator(".govuk-panel__title")).to_have_text("Report sent")
    assert Incident.objects.count() == 1


# --- Every page, at phone and desktop width -------------------------------------------------


def test_the_report_pages_pass_axe(browser_page: Page, live_server, teacher, head) -> None:
    page = browser_page
    sign_in(page, live_server.url, email=teacher.email, password=PASSWORD)

    # The form with every section open.
    visit(page, f"{live_server.url}/report/")
    for summary in page.locator("details summary").all():
        summary.click()
    page.get_by_label("Yes, a supplier told us").check()
    expect(page.get_by_label("Name of the supplier")).to_be_visible()
    check_page(page)

    # Something to fix: everything typed comes back, with messages.
    page.get_by_label("Where did it happen?").fill("The hall")
    page.locator("#id_occurred_day").fill("31")
    page.locator("#id_occurred_month").fill("2")
    page.locator("#id_occurred_year").fill("2026")
    page.get_by_label("Pupils").check()
    send(page)
    assert page.title().startswith("Error: ")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter what happened")
    expect(summary).to_contain_text("The date it happened must be a real date")
    expect(page.get_by_label("Where did it happen?")).to_have_value("The hall")
    expect(page.get_by_label("Pupils")).to_be_checked()
    expect(page.get_by_label("Name of the supplier")).to_be_visible()
    # The error summary takes the focus, and its links lead to the questions.
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Enter what happened").click()
    expect(page.get_by_label("What happened?")).to_be_focused()

    page.get_by_label("What happened?").fill(WHAT_HAPPENED)
    page.locator("#id_occurred_day").fill("27")
    page.get_by_label("Something went wrong", exact=True).check()
    page.get_by_label("Name of the supplier").fill("Classroom App Ltd")
    # By name: GOV.UK's enhanced file upload hands the input's id to its "Choose files" button.
    page.locator('input[name="attachments"]').set_input_files(PHOTO)
    send(page)
    incident = Incident.objects.get()
    assert incident.source == Source.SUPPLIER
    assert incident.supplier_name == "Classroom App Ltd"
    assert incident.attachments.count() == 1

    # My reports, and one report with a question from the incident manager.
    ask_reporter(incident=incident, author=head, body="Did the app company say when?")
    page.get_by_role("link", name="See all your reports").click()
    page.wait_for_load_state()
    check_page(page)
    expect(page.locator("table caption")).to_have_text("1 report, newest first")
    page.get_by_role("link", name=incident.reference).click()
    page.wait_for_load_state()
    check_page(page)
    expect(page.get_by_text("Did the app company say when?")).to_be_visible()

    send(page, "Send")  # nothing typed
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the information you want to add"
    )
    page.get_by_label("Add information").fill("Yes, on Monday.")
    send(page, "Send")
    expect(page.get_by_text("Your information has been added")).to_be_visible()
    assert Message.objects.filter(incident=incident, from_reporter=True).count() == 1


def test_an_anonymous_report_from_the_staff_form_shows_the_receipt_once(
    browser_page: Page, live_server, teacher: Person
) -> None:
    page = browser_page
    sign_in(page, live_server.url, email=teacher.email, password=PASSWORD)
    visit(page, f"{live_server.url}/report/")
    page.get_by_label("What happened?").fill(WHAT_HAPPENED)
    page.get_by_label("Anonymously").check()
    send(page)

    code = page.locator("[data-receipt-code]").inner_text().strip()
    assert len(code) == 23
    assert code.replace("-", "") not in page.url
    assert page.url == f"{live_server.url}/report/?receipt=shown"
    assert Incident.objects.get().reporter is None
    assert draft_keys(page) == []

    # A refresh asks for the page again, rather than sending the report again.
    page.on("dialog", lambda dialog: dialog.accept())
    page.reload()
    check_page(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your receipt code cannot be shown again"
    )
    assert code not in page.content()
    assert Incident.objects.count() == 1


def test_someone_in_no_school_or_trust_is_told_what_to_do(
    browser_page: Page, live_server, school: Organisation
) -> None:
    loner = make_person("Lee Loner")
    sign_in(browser_page, live_server.url, email=loner.email, password=PASSWORD)
    visit(browser_page, f"{live_server.url}/report/")
    expect(browser_page.get_by_role("heading", level=1)).to_have_text("You cannot report here yet")


def test_the_pages_fit_a_320px_screen(new_page: NewPage, live_server, teacher: Person) -> None:
    # 320 CSS pixels is a 1280-pixel screen at 400% zoom (WCAG 1.4.10 Reflow).
    page = new_page(width=320, height=640)
    sign_in(page, live_server.url, email=teacher.email, password=PASSWORD)
    visit(page, f"{live_server.url}/report/")
    for summary in page.locator("details summary").all():
        summary.click()
    check_page(page)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 320

    page.get_by_label("What happened?").fill(WHAT_HAPPENED)
    send(page)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 320
    reference = Incident.objects.get().reference
    for path in ("/report/mine/", f"/report/mine/{reference}/"):
        visit(page, f"{live_server.url}{path}")
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 320, path
