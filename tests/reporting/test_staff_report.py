"""The staff report form at /report/, through the HTTP client: what is sent, what is kept,
what comes back when something needs fixing, and that a retried submission is one report."""

from __future__ import annotations

import datetime
import re
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from incidentdesk.incidents.models import Incident, ReportingMode, Source
from incidentdesk.organisations.models import Duty
from incidentdesk.organisations.services import membership_add
from incidentdesk.reporting import receipts, services
from incidentdesk.reporting.models import AnonymousReceipt, Attachment
from tests.factories import make_organisation, make_person, signed_in_client

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
# A summer morning, so British Summer Time is in force (UTC+1).
SUMMER_MORNING = datetime.datetime(2026, 7, 1, 10, 0, tzinfo=LONDON)
KEY = "0b7c5c0e-4f59-4a55-9d2e-0d1e6f1f2a3b"


@pytest.fixture
def school():
    school = make_organisation("Oak School", preset="school")
    school.code = "OAK"
    school.save()
    return school


@pytest.fixture
def head(school):
    return make_person("Hannah Head", organisation=school, duties=(Duty.INCIDENT_MANAGER,))


@pytest.fixture
def teacher(school, head):
    return make_person("Tom Teacher", organisation=school)


@pytest.fixture
def client(teacher) -> Client:
    return signed_in_client(teacher)


def post(client: Client, **data):
    data.setdefault("idempotency_key", KEY)
    return client.post("/report/", data)


def page_text(response) -> str:
    """The page's words, without tags, for checking what a person reads."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def error_summary(response) -> list[tuple[str, str]]:
    """(link target, words) of each entry in the GOV.UK error summary."""
    html = response.content.decode()
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    assert summary, "no error summary on the page"
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary.group(0))


def message_beside(response, anchor: str) -> str:
    html = response.content.decode()
    found = re.search(
        rf'<p id="{re.escape(anchor)}-error" class="govuk-error-message">'
        r'<span class="govuk-visually-hidden">Error:</span>([^<]*)</p>',
        html,
    )
    assert found, f"no error message beside {anchor}"
    return unescape(found.group(1)).strip()


def hidden_key(response) -> str:
    found = re.search(r'name="idempotency_key" value="([^"]*)"', response.content.decode())
    assert found
    return found.group(1)


# --- Reaching the form ------------------------------------------------------------------


def test_it_sends_someone_signed_out_to_sign_in_and_back(teacher):
    response = Client().get("/report/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sign-in/?next=/report/"


def test_a_post_after_the_session_ended_comes_back_to_the_form_after_sign_in(teacher):
    # The browser keeps the words (report-form.js); the server must bring the person back
    # to the form, where they are put back.
    response = Client().post("/report/", {"what_happened": "Lost a USB stick"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sign-in/?next=/report/"
    assert not Incident.objects.exists()


def test_every_page_links_to_the_form_by_its_url_name(client):
    response = client.get("/")
    assert 'href="/report/" role="button"' in response.content.decode()


def test_the_form_asks_what_happened_first_and_states_the_good_faith_protection(client):
    response = client.get("/report/")

    assert response.status_code == 200
    text = page_text(response)
    assert "Report an incident – Incident Desk" in text
    assert text.index("What happened?") < text.index("How do you want to report?")
    assert "No action will be taken against any member of staff who reports" in text
    assert "in good faith" in text
    # The three ways, in plain words, with what each means.
    assert "With my name" in text and "In confidence" in text and "Anonymously" in text
    assert "Only the Headteacher or Bursar will see your name." in text
    assert "No one will know it was you. You will get a receipt code to follow it up." in text
    # The policy's three kinds, in the words of someone who is worried.
    assert "Something nearly went wrong, but did not" in text
    html = response.content.decode()
    assert 'accept="image/*,.pdf,application/pdf"' in html
    assert "novalidate" in html
    # The server's own key, for a browser without JavaScript.
    assert re.fullmatch(r"[0-9a-f-]{36}", hidden_key(response))


def test_someone_in_no_organisation_is_told_what_to_do(school):
    loner = make_person("Lone Ranger")
    response = signed_in_client(loner).get("/report/")
    assert response.status_code == 200
    assert "Ask your school office to add you" in page_text(response)
    main = response.content.decode().split('id="main-content"')[1].split("</main>")[0]
    assert "<form" not in main


# --- Only "what happened" is required -------------------------------------------------


def test_only_what_happened_is_required_and_everything_typed_comes_back(client):
    response = post(
        client,
        what_happened="   ",
        mode="confidential",
        reported_kind="near_miss",
        occurred_day="3",
        occurred_month="6",
        occurred_year="2026",
        occurred_time="9:30am",
        location="The staff room <upstairs>",
        whose_information=["pupils", "parents"],
        people_count="2-10",
        information_categories=["safeguarding"],
        information_forms=["paper"],
        people_involved="Ms Smith",
        already_done="Locked the cabinet",
        source="supplier",
        supplier_name="Classroom App Ltd",
    )

    assert response.status_code == 200
    assert not Incident.objects.exists()
    html = response.content.decode()
    assert "<title>Error: Report an incident – Incident Desk</title>" in html
    assert error_summary(response) == [("id_what_happened", "Enter what happened")]
    assert message_beside(response, "id_what_happened") == "Enter what happened"
    assert "govuk-textarea--error" in html
    # Everything else, as typed.
    assert re.search(r'value="confidential" checked', html)
    assert re.search(r'value="near_miss" checked', html)
    assert 'name="occurred_day" type="text" inputmode="numeric" value="3"' in html
    assert 'value="9:30am"' in html
    assert 'value="The staff room &lt;upstairs&gt;"' in html
    assert re.search(r'value="pupils" checked', html)
    assert re.search(r'value="parents" checked', html)
    assert not re.search(r'value="staff" checked', html.split('name="whose_information"')[0])
    assert re.search(r'value="2-10" checked', html)
    assert re.search(r'value="safeguarding" checked', html)
    assert re.search(r'value="paper" checked', html)
    assert ">\nMs Smith</textarea>" in html
    assert ">\nLocked the cabinet</textarea>" in html
    assert re.search(r'value="supplier" checked', html)
    assert 'value="Classroom App Ltd"' in html
    # The sections holding answers are open, so the person sees them; the files' is not.
    assert html.count('<details class="govuk-details" open') == 3
    assert '<details class="govuk-details" data-draft-section>' in html
    # The same key comes back, so the next try is still the same report.
    assert hidden_key(response) == KEY


def test_a_report_of_what_happened_alone_is_sent_with_the_persons_name(client, teacher):
    response = post(client, what_happened="I left the register on the bus")

    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/report/sent/{incident.reference}/"
    assert incident.what_happened == "I left the register on the bus"
    assert incident.mode == ReportingMode.NAMED
    assert incident.reporter == teacher
    assert incident.source == Source.STAFF
    assert incident.reported_kind == ""
    assert incident.occurred_on is None and incident.discovered_at is None
    assert incident.idempotency_key == KEY


@time_machine.travel(SUMMER_MORNING, tick=False)
def test_a_full_report_keeps_every_answer(client, teacher, school):
    response = client.post(
        "/report/",
        {
            "idempotency_key": KEY,
            "what_happened": "A class list went to the wrong parent",
            "mode": "named",
            "reported_kind": "confirmed_breach",
            "occurred_day": "30",
            "occurred_month": "June",
            "occurred_year": "2026",
            "occurred_time": "2:15pm",
            "discovered_day": "1",
            "discovered_month": "7",
            "discovered_year": "2026",
            "discovered_time": "08:05",
            "how_discovered": "The parent phoned",
            "location": "School office",
            "whose_information": ["pupils", "parents"],
            "people_count": "11-50",
            "information_categories": ["basic_identifiers", "health"],
            "information_forms": ["email"],
            "people_involved": "Mr Jones sent it",
            "already_done": "Asked the parent to delete it",
            "source": "supplier",
            "supplier_name": "Classroom App Ltd",
            "attachments": [SimpleUploadedFile("screen.png", PNG, "image/png")],
        },
    )

    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.organisation == school
    assert incident.reporter == teacher
    assert incident.reported_kind == "confirmed_breach"
    assert incident.occurred_on == datetime.date(2026, 6, 30)
    assert incident.occurred_time == datetime.time(14, 15)
    # 08:05 in London in July is 07:05 UTC.
    assert incident.discovered_at == datetime.datetime(2026, 7, 1, 7, 5, tzinfo=datetime.UTC)
    assert incident.report_delay_seconds == (115 * 60)
    assert incident.how_discovered == "The parent phoned"
    assert incident.location == "School office"
    assert incident.whose_information == ["pupils", "parents"]
    assert incident.people_count == "11-50"
    assert incident.information_categories == ["basic_identifiers", "health"]
    assert incident.information_forms == ["email"]
    assert incident.people_involved == "Mr Jones sent it"
    assert incident.already_done == "Asked the parent to delete it"
    assert incident.source == Source.SUPPLIER
    assert incident.supplier_name == "Classroom App Ltd"
    attachment = Attachment.objects.get(incident=incident)
    assert attachment.original_name == "screen.png"
    assert attachment.content_type == "image/png"
    assert attachment.uploaded_by == teacher


def test_a_supplier_name_is_dropped_when_no_supplier_told_us(client):
    post(client, what_happened="x", source="staff", supplier_name="Left over")
    assert Incident.objects.get().supplier_name == ""


def test_a_posted_report_costs_the_same_queries_however_much_is_filled_in(client, teacher):
    # The year's first reference makes its counter row: leave that out of the count.
    post(client, what_happened="First of the year", idempotency_key=KEY.replace("0b", "2b"))
    with CaptureQueriesContext(connection) as short:
        post(client, what_happened="Short", idempotency_key=KEY)
    with CaptureQueriesContext(connection) as full:
        post(
            client,
            idempotency_key=KEY.replace("0b", "1b"),
            what_happened="Long",
            reported_kind="near_miss",
            whose_information=["pupils", "staff", "parents"],
            information_categories=["health", "sen", "contact", "location"],
            information_forms=["paper", "email"],
            location="Hall",
            occurred_day="1",
            occurred_month="1",
            occurred_year="2026",
        )
    assert Incident.objects.count() == 3
    assert len(full) == len(short)


# --- Named, confidential, anonymous -------------------------------------------------------


def test_a_confidential_report_keeps_the_reporter_and_the_mode(client, teacher):
    response = post(client, what_happened="Seen a password on a sticky note", mode="confidential")

    incident = Incident.objects.get()
    assert incident.mode == ReportingMode.CONFIDENTIAL
    assert incident.reporter == teacher
    sent = client.get(response["Location"])
    assert "only the Headteacher or Bursar will see your name" in page_text(sent)


def test_an_anonymous_report_keeps_no_account_and_shows_its_receipt_once(client, teacher):
    response = client.post(
        "/report/",
        {
            "idempotency_key": KEY,
            "what_happened": "Someone shares their login",
            "mode": "anonymous",
            "attachments": [SimpleUploadedFile("photo.png", PNG, "image/png")],
        },
    )

    # The receipt is in the answer to the post itself: no redirect, so not in any URL.
    assert response.status_code == 200
    incident = Incident.objects.get()
    assert incident.mode == ReportingMode.ANONYMOUS
    assert incident.reporter is None
    assert Attachment.objects.get(incident=incident).uploaded_by is None
    html = response.content.decode()
    code = re.search(r"data-receipt-code>(.*?)</strong>", html).group(1)
    code = re.sub(r"<[^>]+>|-", "", code)
    assert AnonymousReceipt.objects.get(incident=incident).code_hash == receipts.code_hash(code)
    assert "Write this code down or save it. We cannot show it again." in page_text(response)
    # Not in any link, form address or script address on the page...
    for url in re.findall(r'(?:href|action|src|data-receipt-shown-once)="([^"]*)"', html):
        assert code not in url.replace("-", "")
    # ...nor in the person's session, which would tie them to the report.
    session_values = repr(dict(client.session.items()))
    assert code not in session_values and incident.reference not in session_values
    # The reference is not shown: the code is the only way back, and it names no one.
    assert incident.reference not in html
    # report-form.js turns the address into this, so a refresh asks for it: no code there.
    assert 'data-receipt-shown-once="/report/?receipt=shown"' in html
    refreshed = client.get("/report/?receipt=shown")
    assert refreshed.status_code == 200
    assert "Your receipt code cannot be shown again" in page_text(refreshed)
    assert code not in refreshed.content.decode().replace("-", "")


def test_a_named_or_confidential_report_is_never_listed_as_anonymous(client, teacher):
    post(client, what_happened="x", mode="anonymous")
    assert not Incident.objects.filter(reporter=teacher).exists()


def test_an_unknown_way_of_reporting_is_refused(client):
    response = post(client, what_happened="x", mode="secret")
    assert error_summary(response) == [("id_mode", "Choose how you want to report")]
    assert not Incident.objects.exists()


# --- Exactly once ---------------------------------------------------------------------------


def test_the_same_submission_twice_makes_one_incident_and_one_confirmation(client):
    first = post(client, what_happened="Double click")
    second = post(client, what_happened="Double click")

    assert Incident.objects.count() == 1
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert client.get(second["Location"]).status_code == 200


def test_the_same_anonymous_submission_twice_shows_the_same_receipt(client):
    first = post(client, what_happened="Double click", mode="anonymous")
    second = post(client, what_happened="Double click", mode="anonymous")

    assert Incident.objects.count() == 1
    code = re.compile(r"data-receipt-code>(.*?)</strong>")
    assert code.search(first.content.decode()).group(1) == code.search(
        second.content.decode()
    ).group(1)


def test_a_submission_sent_again_long_after_shows_no_receipt(client, monkeypatch):
    # Shorter than the idle time-out, so the session outlives it.
    monkeypatch.setattr(services, "RECEIPT_REPLAY_WINDOW", datetime.timedelta(minutes=5))
    with time_machine.travel(SUMMER_MORNING, tick=False):
        post(client, what_happened="Sent once", mode="anonymous")
    with time_machine.travel(SUMMER_MORNING + datetime.timedelta(minutes=10), tick=False):
        again = post(client, what_happened="Sent once", mode="anonymous")

    assert Incident.objects.count() == 1
    assert again.status_code == 200
    assert "data-receipt-code" not in again.content.decode()
    assert "Your receipt code cannot be shown again" in page_text(again)


def test_different_words_under_a_used_key_are_not_lost_and_not_sent_twice(client):
    post(client, what_happened="First words")
    response = post(client, what_happened="Changed words")

    assert response.status_code == 200
    assert Incident.objects.count() == 1
    text = page_text(response)
    assert "A report was already sent from this form, before these changes." in text
    assert ">\nChanged words</textarea>" in response.content.decode()
    # A new key, so sending it again on purpose makes it a new report.
    new_key = hidden_key(response)
    assert new_key != KEY
    post(client, what_happened="Changed words", idempotency_key=new_key)
    assert Incident.objects.count() == 2


def test_a_key_of_the_wrong_shape_is_ignored_not_stored(client):
    post(client, what_happened="x", idempotency_key="<script>")
    assert Incident.objects.get().idempotency_key is None


# --- Files ----------------------------------------------------------------------------------


def test_a_file_that_is_not_a_photo_or_pdf_is_refused_beside_the_question(client):
    page = SimpleUploadedFile("notes.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg")
    response = client.post(
        "/report/",
        {
            "idempotency_key": KEY,
            "what_happened": "Printed the wrong list",
            "location": "Library",
            "attachments": [page],
        },
    )

    assert response.status_code == 200
    assert not Incident.objects.exists()
    assert not Attachment.objects.exists()
    expected = (
        "notes.jpg must be a photo (JPG, PNG, HEIC, WEBP, GIF) or a PDF. Choose the files again"
    )
    assert error_summary(response) == [("id_attachments", expected)]
    assert message_beside(response, "id_attachments") == expected
    html = response.content.decode()
    assert ">\nPrinted the wrong list</textarea>" in html
    assert 'value="Library"' in html
    assert '<details class="govuk-details" open data-draft-section>' in html


def test_files_must_be_chosen_again_when_something_else_needs_fixing(client):
    response = client.post(
        "/report/",
        {
            "idempotency_key": KEY,
            "what_happened": "",
            "attachments": [SimpleUploadedFile("photo.png", PNG, "image/png")],
        },
    )
    assert [words for _, words in error_summary(response)] == [
        "Enter what happened",
        "Choose photo.png again: files are not kept while something else needs fixing",
    ]


def test_more_than_five_files_are_refused(client):
    files = [SimpleUploadedFile(f"p{n}.png", PNG, "image/png") for n in range(6)]
    response = client.post(
        "/report/", {"idempotency_key": KEY, "what_happened": "x", "attachments": files}
    )
    assert message_beside(response, "id_attachments") == "Choose 5 files or fewer"
    assert not Incident.objects.exists()


# --- Dates ------------------------------------------------------------------------------------


@time_machine.travel(SUMMER_MORNING, tick=False)
@pytest.mark.parametrize(
    ("typed", "message", "anchor"),
    [
        (
            {"occurred_day": "3", "occurred_year": "2026"},
            "The date it happened must include a month",
            "id_occurred_month",
        ),
        (
            {"occurred_day": "31", "occurred_month": "2", "occurred_year": "2026"},
            "The date it happened must be a real date",
            "id_occurred_day",
        ),
        (
            {"occurred_day": "2", "occurred_month": "7", "occurred_year": "2026"},
            "The date it happened must be today or in the past",
            "id_occurred_day",
        ),
        (
            {"occurred_day": "1", "occurred_month": "7", "occurred_year": "26"},
            "Year must include 4 numbers",
            "id_occurred_year",
        ),
        (
            {
                "occurred_day": "1",
                "occurred_month": "7",
                "occurred_year": "2026",
                "occurred_time": "25:00",
            },
            "The time it happened must be a real time, like 9:30am or 14:30",
            "id_occurred_time",
        ),
        (
            {
                "occurred_day": "1",
                "occurred_month": "7",
                "occurred_year": "2026",
                "occurred_time": "11am",
            },
            "The time it happened must be in the past",
            "id_occurred_time",
        ),
        (
            {"occurred_time": "9am"},
            "Enter the date it happened, or take out the time",
            "id_occurred_day",
        ),
        (
            {
                "occurred_day": "30",
                "occurred_month": "6",
                "occurred_year": "2026",
                "discovered_day": "29",
                "discovered_month": "6",
                "discovered_year": "2026",
            },
            "The date it was found out must be the same as or after the date it happened",
            "id_discovered_day",
        ),
    ],
)
def test_a_date_that_cannot_be_right_is_explained(client, typed, message, anchor):
    response = post(client, what_happened="x", **typed)

    assert response.status_code == 200
    assert error_summary(response) == [(anchor, message)]
    group = anchor.rsplit("_", 1)[0]
    assert message_beside(response, group) == message
    for name, value in typed.items():
        assert f'name="{name}" type="text"' in response.content.decode()
        assert f'value="{value}"' in response.content.decode()
    assert not Incident.objects.exists()


@time_machine.travel(SUMMER_MORNING, tick=False)
def test_today_and_a_past_time_are_fine_and_words_for_months_too(client):
    post(
        client,
        what_happened="x",
        occurred_day="1",
        occurred_month="Jul",
        occurred_year="2026",
        occurred_time="9.45 am",
        discovered_day="1",
        discovered_month="july",
        discovered_year="2026",
    )
    incident = Incident.objects.get()
    assert incident.occurred_on == datetime.date(2026, 7, 1)
    assert incident.occurred_time == datetime.time(9, 45)
    # A date without a time is kept as the start of that day, in London.
    assert incident.discovered_at == datetime.datetime(2026, 7, 1, 0, 0, tzinfo=LONDON)


def test_not_sure_when_it_happened_leaves_the_date_out(client):
    post(
        client,
        what_happened="x",
        occurred_not_sure="yes",
        occurred_day="99",
        occurred_month="1",
        occurred_year="2026",
    )
    assert Incident.objects.get().occurred_on is None


# --- Several organisations --------------------------------------------------------------------


def test_someone_in_two_organisations_says_which_the_report_is_about(school, teacher):
    other = make_organisation("Elm Academy")
    make_person("Elm Head", organisation=other, duties=(Duty.INCIDENT_MANAGER,))
    membership_add(person=teacher, organisation=other)
    client = signed_in_client(teacher)

    page = client.get("/report/")
    assert "Which school or trust is this about?" in page_text(page)
    assert "the incident manager" in page_text(page)

    missing = post(client, what_happened="x")
    assert error_summary(missing) == [
        ("id_organisation", "Choose which school or trust this is about")
    ]
    post(client, what_happened="x", organisation=other.slug)
    assert Incident.objects.get().organisation == other


def test_an_organisation_the_person_is_not_in_is_refused(school, client):
    stranger = make_organisation("Faraway School")
    response = post(client, what_happened="x", organisation=stranger.slug)
    # With one organisation there is no question: the report goes to their own.
    assert Incident.objects.get().organisation == school
    assert response.status_code == 302


# --- The confirmation --------------------------------------------------------------------------


def test_the_confirmation_shows_the_reference_and_what_happens_next(client):
    response = post(client, what_happened="Lost my laptop")
    incident = Incident.objects.get()

    page = client.get(response["Location"])
    text = page_text(page)
    assert page.status_code == 200
    assert f"Your reference is {incident.reference}" in text
    assert "What happens next" in text
    assert "The Headteacher or Bursar at Oak School has been told about your report." in text
    assert "They may contact you" in text
    html = page.content.decode()
    assert f'href="/report/mine/{incident.reference}/"' in html
    # report-form.js clears this browser's copy of exactly this report.
    assert f'data-draft-clear-token="{KEY}"' in html


def test_only_the_reporter_sees_the_confirmation(client, school, head):
    response = post(client, what_happened="Lost my laptop")
    colleague = make_person("Cara Colleague", organisation=school)

    assert signed_in_client(colleague).get(response["Location"]).status_code == 404
    # Not even the incident manager: theirs is the incident page.
    assert signed_in_client(head).get(response["Location"]).status_code == 404
    assert client.get("/report/sent/OAK-2026-9999/").status_code == 404


def test_an_anonymous_report_has_no_confirmation_page(client, teacher):
    post(client, what_happened="x", mode="anonymous")
    incident = Incident.objects.get()
    assert client.get(f"/report/sent/{incident.reference}/").status_code == 404
