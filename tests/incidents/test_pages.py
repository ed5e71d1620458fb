"""The incident manager's pages: the queue, the incident, revealing a confidential
reporter, downloading files, and writing to the reporter."""

from __future__ import annotations

import datetime
import hashlib
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine

from incidentdesk.audit.models import AuditEvent
from incidentdesk.incidents.models import Incident, Kind, ReportingMode, State
from incidentdesk.incidents.selectors import QUEUE_PAGE_SIZE
from incidentdesk.reporting.models import Message
from incidentdesk.reporting.services import add_information, ask_reporter
from tests.factories import make_person, signed_in_client

from .conftest import PNG, Cast, Reports, file_report, png, stopped_clock

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def text_of(response) -> str:
    return response.content.decode()


def events(action: str, incident: Incident) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action=action, object_type="incident", object_id=str(incident.pk)
        ).order_by("sequence")
    )


# --- The queue -------------------------------------------------------------------------


def test_the_queue_lists_the_managers_open_incidents_with_their_tags(cast: Cast, reports: Reports):
    response = signed_in_client(cast.manager).get("/incidents/")

    page = text_of(response)
    assert response.status_code == 200
    assert "<caption" in page
    for incident in (reports.named, reports.confidential, reports.anonymous):
        assert f'href="/incidents/{incident.reference}/"' in page
    assert reports.acorn_confidential.reference not in page
    assert reports.cedar_named.reference not in page
    assert "Something went wrong" in page  # the kind in the reporter's words
    for mode in ("Named", "Confidential", "Anonymous"):
        assert f">{mode}</td>" in page
    assert 'govuk-tag govuk-tag--blue">Reported</strong>' in page
    # Nobody's name is in the queue, a confidential reporter's least of all.
    assert cast.reporter.full_name not in page


def test_the_queue_puts_new_reports_first_then_the_longest_waiting(cast: Cast):
    old = file_report(cast.birch, cast.reporter)
    classified = file_report(cast.birch, cast.reporter)
    Incident.objects.filter(pk=classified.pk).update(
        state=State.TRIAGED, reported_at=old.reported_at - datetime.timedelta(days=3)
    )
    newer = file_report(cast.birch, cast.reporter)
    closed = file_report(cast.birch, cast.reporter)
    Incident.objects.filter(pk=closed.pk).update(state=State.CLOSED)

    page = text_of(signed_in_client(cast.manager).get("/incidents/"))

    table = page[page.index("<table") : page.index("</table>")]
    order = re.findall(r'href="/incidents/([A-Z0-9-]+)/"', table)
    assert order == [old.reference, newer.reference, classified.reference]
    assert closed.reference not in page


def test_the_queue_shows_reported_times_in_london_and_marks_out_of_hours(cast: Cast):
    # A Saturday in July (British Summer Time): out of the school's hours.
    with time_machine.travel(datetime.datetime(2026, 7, 4, 21, 30, tzinfo=LONDON), tick=False):
        incident = file_report(cast.birch, cast.reporter, reported_kind=Kind.NEAR_MISS)

    page = text_of(signed_in_client(cast.manager).get("/incidents/"))

    assert incident.reported_out_of_hours
    assert "4 July 2026 at 9:30pm" in page
    assert "govuk-tag--orange" in page and "Out of hours" in page
    assert "Something nearly went wrong, but did not" in page


def test_a_trust_champion_sees_which_school_each_incident_is_from(cast: Cast, reports: Reports):
    trust_incident = file_report(cast.trust, make_person(organisation=cast.trust))

    page = text_of(signed_in_client(cast.champion).get("/incidents/"))

    assert reports.acorn_confidential.reference in page
    assert trust_incident.reference in page
    assert "Acorn Primary" in page and "Oak Learning Trust" in page
    assert reports.named.reference not in page


def test_a_manager_of_one_school_is_not_told_the_school_on_every_row(cast, reports):
    page = text_of(signed_in_client(cast.manager).get("/incidents/"))

    assert "app-incident-queue__organisation" not in page


def test_the_queue_costs_the_same_queries_for_3_incidents_as_for_30(
    cast: Cast, django_assert_num_queries
):
    client = signed_in_client(cast.manager)
    for _ in range(3):
        file_report(cast.birch, cast.reporter)
    still = stopped_clock(client)
    # The session and the person with their duties (2); the organisations the manager's
    # duties cover, the count, the page's ids and its rows (4). The menu's links need no
    # query of their own, and nor does "more than one organisation" on a single page.
    with still, django_assert_num_queries(6):
        assert client.get("/incidents/").status_code == 200
    for _ in range(27):
        file_report(cast.birch, None, ReportingMode.ANONYMOUS)
    with still, django_assert_num_queries(6):
        page = text_of(client.get("/incidents/"))
    assert len(re.findall(r'<th scope="row"', page)) == 30


def test_a_queue_of_several_pages_costs_the_same_queries_at_2_pages_as_at_4(
    cast: Cast, django_assert_num_queries
):
    client = signed_in_client(cast.champion)
    for _ in range(QUEUE_PAGE_SIZE + 1):
        file_report(cast.acorn, None, ReportingMode.ANONYMOUS)
    still = stopped_clock(client)
    # As above, and whether incidents of another organisation are on other pages (1).
    with still, django_assert_num_queries(7):
        assert client.get("/incidents/?page=2").status_code == 200
    for _ in range(2 * QUEUE_PAGE_SIZE):
        file_report(cast.acorn, None, ReportingMode.ANONYMOUS)
    with still, django_assert_num_queries(7):
        page = text_of(client.get("/incidents/?page=2"))
    assert len(re.findall(r'<th scope="row"', page)) == QUEUE_PAGE_SIZE
    assert "page 2 of 4" in page
    assert "app-incident-queue__organisation" not in page


def test_the_queue_shows_50_a_page(cast: Cast):
    for _ in range(QUEUE_PAGE_SIZE + 2):
        file_report(cast.birch, None, ReportingMode.ANONYMOUS)
    client = signed_in_client(cast.manager)

    first = text_of(client.get("/incidents/"))
    second = text_of(client.get("/incidents/?page=2"))
    beyond = client.get("/incidents/?page=99")
    nonsense = client.get("/incidents/?page=%00x")

    assert len(re.findall(r'<th scope="row"', first)) == QUEUE_PAGE_SIZE
    assert len(re.findall(r'<th scope="row"', second)) == 2
    assert 'class="govuk-pagination"' in first
    assert 'aria-current="page">1</a>' in first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert 'rel="prev"' in second
    assert "page 2 of 2" in second
    assert beyond.status_code == nonsense.status_code == 200


def test_someone_with_nothing_to_handle_gets_an_empty_queue(cast: Cast, reports: Reports):
    page = text_of(signed_in_client(cast.colleague).get("/incidents/"))

    assert "There are no open incidents for you to look at." in page
    assert "BIR-" not in page


# --- The incident page -----------------------------------------------------------------


def test_the_incident_page_shows_everything_the_reporter_gave(cast: Cast):
    incident = file_report(
        cast.birch,
        cast.reporter,
        ReportingMode.NAMED,
        what_happened="Year 6 SEN list sent to a parent.",
        occurred_on=datetime.date(2026, 11, 24),
        occurred_time=datetime.time(14, 5),
        how_discovered="The parent rang the office.",
        location="School office",
        whose_information=["pupils"],
        people_count="11-50",
        information_categories=["sen", "basic_identifiers"],
        information_forms=["email"],
        people_involved="The office manager",
        already_done="Asked the parent to delete it.",
    )

    page = text_of(signed_in_client(cast.manager).get(f"/incidents/{incident.reference}/"))

    assert f"Incident {incident.reference}" in page
    assert "govuk-summary-card__title" in page and ">Report</h2>" in page
    for words in [
        "Rory Reporter",
        cast.reporter.email,
        "Year 6 SEN list sent to a parent.",
        "24 November 2026 at 2:05pm",
        "The parent rang the office.",
        "School office",
        "Pupils",
        "11 to 50 people",
        "Special educational needs information, Names, addresses, dates of birth",
        "E-mail",
        "The office manager",
        "Asked the parent to delete it.",
        "Something went wrong",
    ]:
        assert words in page, words


def test_the_incident_page_costs_the_same_queries_with_more_on_it_and_more_incidents(
    cast: Cast, django_assert_num_queries
):
    incident = file_report(cast.birch, cast.reporter, ReportingMode.NAMED, files=(png(),))
    client = signed_in_client(cast.manager)
    still = stopped_clock(client)
    # The session and the person with their duties (2); the incident with its organisation,
    # profiles and handlers (1); the named reporter (1); who else is involved, the files,
    # the messages, the open deadlines (the ICO countdown is one of them) and the outcome
    # report (5). Nothing per row, and nothing for the menu or the permission checks.
    with still, django_assert_num_queries(9):
        first = text_of(client.get(f"/incidents/{incident.reference}/"))
    assert first.count("SHA-256:") == 1

    for number in range(5):
        file_report(cast.birch, cast.reporter)
        ask_reporter(incident=incident, author=cast.manager, body=f"Question {number}")
        add_information(incident=incident, author=cast.reporter, body=f"Answer {number}")
    with still, django_assert_num_queries(9):
        page = text_of(client.get(f"/incidents/{incident.reference}/"))
    assert page.count('app-incident__message"') == 10


def test_an_anonymous_report_says_anonymous_and_names_no_one(cast: Cast, reports: Reports):
    page = text_of(signed_in_client(cast.chair).get(f"/incidents/{reports.anonymous.reference}/"))

    assert "Anonymous" in page
    assert "Show who reported this" not in page
    assert "receipt code" in page  # how the reporter will read a message


def test_html_in_a_report_is_shown_as_text(cast: Cast):
    incident = file_report(cast.birch, cast.reporter, what_happened="<script>alert(1)</script>")

    page = text_of(signed_in_client(cast.manager).get(f"/incidents/{incident.reference}/"))

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- A confidential reporter -------------------------------------------------------------

# Everyone but the incident manager. Later issues add investigators, the DPO and SIRO,
# and governors: add them here, and every test below holds them to the same rule.
NOT_THE_MANAGER = ["chair", "reporter", "colleague", "champion", "acorn_head", "outsider"]


def assert_reporter_not_in(cast: Cast, text: str) -> None:
    assert cast.reporter.full_name not in text
    assert cast.reporter.email not in text


def test_the_manager_sees_confidential_until_they_ask(cast: Cast, reports: Reports):
    response = signed_in_client(cast.manager).get(f"/incidents/{reports.confidential.reference}/")

    page = text_of(response)
    assert "Confidential" in page
    assert "Show who reported this" in page
    assert_reporter_not_in(cast, page)
    assert events("incident.reporter_revealed", reports.confidential) == []


def test_showing_who_reported_it_records_an_event_each_time(cast: Cast, reports: Reports):
    client = signed_in_client(cast.manager)
    url = f"/incidents/{reports.confidential.reference}/reporter/"

    first = client.post(url)
    second = client.post(url)

    for response in (first, second):
        assert response.status_code == 200
        assert cast.reporter.full_name in text_of(response)
        assert cast.reporter.email in text_of(response)
    recorded = events("incident.reporter_revealed", reports.confidential)
    assert len(recorded) == 2
    assert {e.actor_id for e in recorded} == {cast.manager.pk}
    # The history says who looked, never whom they saw.
    for event in recorded:
        assert cast.reporter.full_name not in str(event.details)
        assert cast.reporter.email not in str(event.details)
    # The page as it loads afterwards hides the name again.
    assert_reporter_not_in(
        cast, text_of(client.get(f"/incidents/{reports.confidential.reference}/"))
    )


def test_showing_who_reported_it_is_a_post(cast: Cast, reports: Reports):
    client = signed_in_client(cast.manager)

    response = client.get(f"/incidents/{reports.confidential.reference}/reporter/")

    assert response.status_code == 405
    assert events("incident.reporter_revealed", reports.confidential) == []


def test_a_named_report_has_nothing_to_reveal(cast: Cast, reports: Reports):
    response = signed_in_client(cast.manager).post(
        f"/incidents/{reports.named.reference}/reporter/"
    )

    assert response.status_code == 403
    assert events("incident.reporter_revealed", reports.named) == []


@pytest.mark.parametrize("who", NOT_THE_MANAGER)
def test_nobody_but_the_manager_sees_a_confidential_reporter(cast: Cast, reports: Reports, who):
    client = signed_in_client(getattr(cast, who))
    reference = reports.confidential.reference
    add_information(incident=reports.confidential, author=cast.reporter, body="More detail.")

    page = client.get(f"/incidents/{reference}/")
    reveal = client.post(f"/incidents/{reference}/reporter/")
    queue = client.get("/incidents/")

    for response in (page, reveal, queue):
        assert_reporter_not_in(cast, text_of(response))
    assert reveal.status_code in (403, 404)
    assert events("incident.reporter_revealed", reports.confidential) == []


def test_a_confidential_reporters_messages_do_not_name_them(cast: Cast, reports: Reports):
    add_information(incident=reports.confidential, author=cast.reporter, body="It was at 9am.")
    ask_reporter(incident=reports.confidential, author=cast.manager, body="Which PC?")

    page = text_of(
        signed_in_client(cast.manager).get(f"/incidents/{reports.confidential.reference}/")
    )

    assert "It was at 9am." in page and "Which PC?" in page
    assert "The reporter" in page
    assert "Mina Manager" in page
    assert_reporter_not_in(cast, page)
    assert page.index("It was at 9am.") < page.index("Which PC?")


# --- Files sent with a report ----------------------------------------------------------


@pytest.fixture
def with_file(cast: Cast) -> Incident:
    return file_report(
        cast.birch,
        cast.reporter,
        ReportingMode.CONFIDENTIAL,
        files=(png("the note.png"),),
    )


def test_the_incident_page_lists_files_with_size_and_sha256(cast: Cast, with_file: Incident):
    attachment = with_file.attachments.get()

    page = text_of(signed_in_client(cast.manager).get(f"/incidents/{with_file.reference}/"))

    assert "the note.png" in page
    assert "72\xa0bytes" in page
    assert hashlib.sha256(PNG).hexdigest() in page
    assert f'href="/incidents/{with_file.reference}/attachments/{attachment.pk}/"' in page


def test_the_manager_downloads_a_file_and_it_is_recorded(cast: Cast, with_file: Incident):
    attachment = with_file.attachments.get()

    response = signed_in_client(cast.manager).get(
        f"/incidents/{with_file.reference}/attachments/{attachment.pk}/"
    )

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "the note.png" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "no-store"
    (event,) = events("attachment.downloaded", with_file)
    assert event.actor_id == cast.manager.pk
    assert event.details == {"attachment": attachment.pk, "sha256": hashlib.sha256(PNG).hexdigest()}


@pytest.mark.parametrize("who", NOT_THE_MANAGER)
def test_nobody_else_can_download_it(cast: Cast, with_file: Incident, who):
    attachment = with_file.attachments.get()

    response = signed_in_client(getattr(cast, who)).get(
        f"/incidents/{with_file.reference}/attachments/{attachment.pk}/"
    )

    assert response.status_code == 404
    assert events("attachment.downloaded", with_file) == []


def test_a_file_is_reached_only_through_its_own_incident(cast: Cast, reports: Reports, with_file):
    attachment = with_file.attachments.get()
    client = signed_in_client(cast.manager)

    through_another = client.get(
        f"/incidents/{reports.named.reference}/attachments/{attachment.pk}/"
    )
    missing = client.get(f"/incidents/{with_file.reference}/attachments/999999/")

    assert through_another.status_code == missing.status_code == 404
    assert events("attachment.downloaded", with_file) == []


def test_the_anonymous_recipient_may_download_an_anonymous_reports_file(cast: Cast):
    incident = file_report(cast.birch, None, ReportingMode.ANONYMOUS, files=(png(),))
    attachment = incident.attachments.get()

    response = signed_in_client(cast.chair).get(
        f"/incidents/{incident.reference}/attachments/{attachment.pk}/"
    )

    assert response.status_code == 200
    assert events("attachment.downloaded", incident)[0].actor_id == cast.chair.pk


# --- Writing to the reporter -------------------------------------------------------------


def test_the_manager_writes_to_the_reporter(cast: Cast, reports: Reports):
    client = signed_in_client(cast.manager)
    url = f"/incidents/{reports.named.reference}/messages/"

    response = client.post(url, {"body": "Which parent was it sent to?"})

    assert response.status_code == 302
    assert response["Location"] == f"/incidents/{reports.named.reference}/#messages"
    message = Message.objects.get(incident=reports.named)
    assert (message.from_reporter, message.author, message.body) == (
        False,
        cast.manager,
        "Which parent was it sent to?",
    )
    page = text_of(client.get(response["Location"]))
    assert "Message sent to the reporter" in page
    assert "Which parent was it sent to?" in page
    assert events("incident.message_to_reporter", reports.named)[0].actor_id == cast.manager.pk


def test_an_empty_message_is_refused_with_the_error_summary(cast: Cast, reports: Reports):
    response = signed_in_client(cast.manager).post(
        f"/incidents/{reports.named.reference}/messages/", {"body": "   "}
    )

    page = text_of(response)
    assert response.status_code == 200
    assert "<title>Error: Incident" in page
    assert "govuk-error-summary" in page
    assert page.count("Enter your message to the reporter") == 2
    assert not Message.objects.filter(incident=reports.named).exists()


def test_a_message_that_is_too_long_is_kept_for_editing(cast: Cast, reports: Reports):
    body = "x" * 5001

    page = text_of(
        signed_in_client(cast.manager).post(
            f"/incidents/{reports.named.reference}/messages/", {"body": body}
        )
    )

    assert "Your message must be 5,000 characters or fewer" in page
    assert body in page


def test_the_anonymous_recipient_writes_to_an_anonymous_reporter(cast: Cast, reports: Reports):
    client = signed_in_client(cast.chair)

    client.post(f"/incidents/{reports.anonymous.reference}/messages/", {"body": "Which wall?"})

    assert Message.objects.get(incident=reports.anonymous).body == "Which wall?"


@pytest.mark.parametrize("who", ["reporter", "colleague", "outsider", "champion"])
def test_others_cannot_write_to_the_reporter(cast: Cast, reports: Reports, who):
    response = signed_in_client(getattr(cast, who)).post(
        f"/incidents/{reports.named.reference}/messages/", {"body": "Hello"}
    )

    assert response.status_code == 404
    assert not Message.objects.filter(incident=reports.named).exists()
