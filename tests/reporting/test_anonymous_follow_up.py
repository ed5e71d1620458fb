"""Following up an anonymous report with its receipt code: status, messages, replies,
and the limit on wrong codes."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from incidentdesk.audit.models import AuditEvent
from incidentdesk.incidents.models import Incident, ReportingMode, State
from incidentdesk.organisations.models import Duty, Organisation, Person
from incidentdesk.reporting import anonymous
from incidentdesk.reporting.models import Message, ReceiptAttempts
from incidentdesk.reporting.receipts import display
from incidentdesk.reporting.services import ReportDetails, ask_reporter, report_incident
from tests.factories import make_organisation, make_person

pytestmark = pytest.mark.django_db

NOT_FOUND = "We could not find a report with that code. Check it and try again."
TOO_MANY = "Too many codes have been tried. Wait a minute and try again."
WRONG_FORMAT = "Enter the 20-character code, for example ABCDE-FGHJK-MNPQR-STVWX"


@pytest.fixture
def school() -> Organisation:
    return make_organisation("Oak School", preset="school")


@pytest.fixture
def head(school: Organisation) -> Person:
    return make_person("Harriet Head", organisation=school, duties=(Duty.INCIDENT_MANAGER,))


@pytest.fixture
def report(school: Organisation) -> tuple[Incident, str]:
    result = report_incident(
        organisation=school,
        reporter=None,
        mode=ReportingMode.ANONYMOUS,
        details=ReportDetails(what_happened="A pupil list was left on the printer."),
    )
    return result.incident, result.receipt


def url(organisation: Organisation) -> str:
    return f"/anonymous/{organisation.slug}/follow-up/"


def failures(organisation: Organisation) -> int:
    return sum(
        ReceiptAttempts.objects.filter(organisation=organisation).values_list("failures", flat=True)
    )


# --- Finding the report ---------------------------------------------------------------


def test_the_code_is_asked_for_in_a_form_that_posts(school) -> None:
    response = Client().get(url(school))

    page = response.content.decode()
    assert response.status_code == 200
    assert '<form method="post"' in page
    assert "Check on your anonymous report" in page
    assert "If you have lost your code" in page
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_the_right_code_shows_the_status_and_messages_in_plain_words(school, head, report) -> None:
    incident, code = report
    ask_reporter(incident=incident, author=head, body="Which printer was it?")

    response = Client().post(url(school), {"code": display(code).lower()})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Your anonymous report" in page
    assert "Received" in page
    assert incident.reference in page
    assert "Which printer was it?" in page
    assert "From the people handling your report" in page
    assert "Answer a question or add information" in page
    # The people handling it are never named to the reporter.
    assert "Harriet" not in page
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert failures(school) == 0


@pytest.mark.parametrize(
    ("state", "words"),
    [
        (State.REPORTED, "Received"),
        (State.TRIAGED, "Being looked at"),
        (State.INVESTIGATING, "Being looked at"),
        (State.OUTCOME_SUBMITTED, "Being looked at"),
        (State.CLOSED, "Closed"),
        (State.NOT_AN_INCIDENT, "Closed"),
    ],
)
def test_each_state_has_plain_words_that_reveal_no_finding(report, state, words) -> None:
    incident, _ = report
    incident.state = state

    assert anonymous.status_for_reporter(incident).label == words


def test_a_code_that_is_not_ours_is_not_found_and_counted(school, report) -> None:
    response = Client().post(url(school), {"code": "ABCDE-FGHJK-MNPQR-STVWX"})

    page = response.content.decode()
    assert response.status_code == 200
    assert f'<a href="#code">{NOT_FOUND}</a>' in page
    assert "<title>Error: Check on your anonymous report" in page
    assert 'value="ABCDE-FGHJK-MNPQR-STVWX"' in page
    assert failures(school) == 1


def test_another_organisations_code_is_the_same_as_a_wrong_one(school, report) -> None:
    _, code = report
    other = make_organisation("Elm School", preset="school")

    response = Client().post(url(other), {"code": code})

    assert NOT_FOUND in response.content.decode()
    assert failures(other) == 1


def test_a_code_of_the_wrong_shape_is_explained_and_counted(school, report) -> None:
    response = Client().post(url(school), {"code": "ABC-123"})

    assert f'<a href="#code">{WRONG_FORMAT}</a>' in response.content.decode()
    assert failures(school) == 1


def test_an_empty_code_is_asked_for_and_not_counted(school, report) -> None:
    response = Client().post(url(school), {"code": "  "})

    assert '<a href="#code">Enter your receipt code</a>' in response.content.decode()
    assert failures(school) == 0


def test_the_code_is_never_put_in_the_address(school, report) -> None:
    _, code = report

    response = Client().get(url(school), {"code": code})

    # A code in a query string is ignored: it would sit in the browser's history.
    assert "Your anonymous report" not in response.content.decode()


# --- The limit on wrong codes ---------------------------------------------------------


def test_after_too_many_wrong_codes_even_the_right_one_waits_a_minute(
    school, report, time_machine
) -> None:
    _, code = report
    time_machine.move_to("2026-03-02 10:00:05 +00:00")
    client = Client()
    for n in range(anonymous.FAILURES_PER_MINUTE):
        client.post(url(school), {"code": f"ABCDE-FGHJK-MNPQR-{n:05d}"})

    refused = client.post(url(school), {"code": code})

    assert refused.status_code == 429
    assert f'<a href="#code">{TOO_MANY}</a>' in refused.content.decode()
    # Refused without looking: the refusals do not add to the count.
    assert failures(school) == anonymous.FAILURES_PER_MINUTE

    time_machine.move_to("2026-03-02 10:01:00 +00:00")
    assert "Your anonymous report" in client.post(url(school), {"code": code}).content.decode()


def test_the_limit_is_per_organisation(school, report, time_machine) -> None:
    time_machine.move_to("2026-03-02 10:00:05 +00:00")
    other = make_organisation("Elm School", preset="school")
    for _ in range(anonymous.FAILURES_PER_MINUTE):
        anonymous.incident_for_receipt(organisation=other, code="ABCDE-FGHJK-MNPQR-STVWX")
    _, code = report

    assert anonymous.incident_for_receipt(organisation=school, code=code) == report[0]
    with pytest.raises(anonymous.TooManyAttempts):
        anonymous.incident_for_receipt(organisation=other, code="ABCDE-FGHJK-MNPQR-STVWX")


def test_old_counters_are_cleared_as_new_minutes_start(school) -> None:
    start = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)
    anonymous.incident_for_receipt(organisation=school, code="x", now=start)
    anonymous.incident_for_receipt(
        organisation=school, code="x", now=start + datetime.timedelta(hours=2)
    )

    assert list(ReceiptAttempts.objects.values_list("minute", "failures")) == [
        (start + datetime.timedelta(hours=2), 1)
    ]


def test_counters_know_no_one(school) -> None:
    anonymous.incident_for_receipt(organisation=school, code="ABCDE-FGHJK-MNPQR-STVWX")

    fields = {f.name for f in ReceiptAttempts._meta.get_fields()}
    assert fields == {"id", "organisation", "minute", "failures"}


# --- Replying -------------------------------------------------------------------------


def test_a_reply_is_kept_as_from_the_reporter_with_no_author(school, head, report) -> None:
    incident, code = report
    question = ask_reporter(incident=incident, author=head, body="Which printer was it?")

    response = Client().post(
        url(school),
        {
            "action": "reply",
            "code": code,
            "body": "The one in the staff room.",
            "seen": question.pk,
        },
    )

    page = response.content.decode()
    assert "Your message has been sent" in page
    assert "The one in the staff room." in page
    reply = Message.objects.get(from_reporter=True)
    assert reply.incident == incident
    assert reply.author is None
    assert reply.body == "The one in the staff room."
    event = AuditEvent.objects.get(action="incident.reporter_message")
    assert (event.actor_id, event.actor_label) == (None, "anonymous reporter")
    # The blank reply box carries the code again for another message.
    assert f'name="code" value="{code}"' in page
    assert f'name="seen" value="{reply.pk}"' in page


def test_a_refresh_does_not_send_the_reply_twice(school, head, report) -> None:
    incident, code = report
    question = ask_reporter(incident=incident, author=head, body="Which printer?")
    data = {"action": "reply", "code": code, "body": "Staff room.", "seen": question.pk}

    Client().post(url(school), data)
    Client().post(url(school), data)

    assert Message.objects.filter(from_reporter=True).count() == 1


def test_the_same_words_later_are_a_new_message(school, head, report) -> None:
    incident, code = report
    client = Client()
    client.post(url(school), {"action": "reply", "code": code, "body": "Yes.", "seen": 0})
    question = ask_reporter(incident=incident, author=head, body="Was it locked?")

    client.post(url(school), {"action": "reply", "code": code, "body": "Yes.", "seen": question.pk})

    assert Message.objects.filter(from_reporter=True).count() == 2


def test_an_empty_reply_is_asked_for(school, report) -> None:
    _, code = report

    response = Client().post(url(school), {"action": "reply", "code": code, "body": " "})

    page = response.content.decode()
    assert '<a href="#body">Enter your message</a>' in page
    assert "<title>Error: Your anonymous report" in page
    assert not Message.objects.exists()


def test_a_reply_with_a_wrong_code_is_refused_and_counted(school, report) -> None:
    response = Client().post(
        url(school), {"action": "reply", "code": "ABCDE-FGHJK-MNPQR-STVWX", "body": "Hello"}
    )

    assert NOT_FOUND in response.content.decode()
    assert not Message.objects.exists()
    assert failures(school) == 1


def test_a_closed_report_takes_no_more_messages(school, report) -> None:
    incident, code = report
    Incident.objects.filter(pk=incident.pk).update(state=State.CLOSED)

    shown = Client().post(url(school), {"code": code}).content.decode()
    assert "This report is closed" in shown
    assert 'name="body"' not in shown

    late = Client().post(url(school), {"action": "reply", "code": code, "body": "And another"})
    page = late.content.decode()
    assert "This report is closed, so this was not sent" in page
    assert "And another" in page
    assert not Message.objects.exists()
