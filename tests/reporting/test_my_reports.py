"""My reports: a member of staff sees what they reported and adds to it; no one else does."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from incidentdesk.incidents.models import Incident, ReportingMode, State
from incidentdesk.organisations.models import Duty
from incidentdesk.reporting.models import Message
from incidentdesk.reporting.services import ReportDetails, ask_reporter, report_incident
from tests.factories import make_organisation, make_person, signed_in_client
from tests.reporting.test_staff_report import error_summary, message_beside, page_text

pytestmark = pytest.mark.django_db


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


def make_report(school, reporter, mode=ReportingMode.NAMED, text="Lost the register", **details):
    return report_incident(
        organisation=school,
        reporter=reporter,
        mode=mode,
        details=ReportDetails(what_happened=text, **details),
    ).incident


def test_it_lists_the_reports_made_with_a_name_or_in_confidence(client, school, teacher, head):
    # Just before midnight in London on 30 June is 1 July there: the page says 1 July.
    with time_machine.travel(datetime.datetime(2026, 6, 30, 23, 30, tzinfo=datetime.UTC)):
        named = make_report(school, teacher, reported_kind="near_miss")
    confidential = make_report(school, teacher, mode=ReportingMode.CONFIDENTIAL)
    anonymous = make_report(school, teacher, mode=ReportingMode.ANONYMOUS)
    someone_elses = make_report(school, head)
    Incident.objects.filter(pk=confidential.pk).update(state=State.INVESTIGATING)

    response = client.get("/report/mine/")

    assert response.status_code == 200
    html = response.content.decode()
    text = page_text(response)
    assert "2 reports, newest first" in text
    assert f'href="/report/mine/{named.reference}/"' in html
    assert f'href="/report/mine/{confidential.reference}/"' in html
    assert anonymous.reference not in html
    assert someone_elses.reference not in html
    row = re.search(rf"{named.reference}</a>.*?</tr>", html, re.S).group(0)
    assert "1 July 2026" in row
    assert "Something nearly went wrong, but did not" in row
    assert '<strong class="govuk-tag govuk-tag--blue">Received</strong>' in row
    row = re.search(rf"{confidential.reference}</a>.*?</tr>", html, re.S).group(0)
    assert "Being looked at" in row
    # Newest first.
    assert html.index(confidential.reference) < html.index(named.reference)


def test_the_list_costs_the_same_queries_for_one_report_or_many(
    client, school, teacher, django_assert_num_queries
):
    make_report(school, teacher)
    client.get("/report/mine/")  # the first page after signing in records the activity
    with CaptureQueriesContext(connection) as one:
        client.get("/report/mine/")
    for n in range(6):
        make_report(school, teacher, text=f"Report {n}")
    with django_assert_num_queries(len(one)):
        response = client.get("/report/mine/")
    assert "7 reports" in page_text(response)


def test_someone_with_no_reports_is_told_so(client):
    response = client.get("/report/mine/")
    assert "You have not reported any incidents" in page_text(response)


def test_a_report_shows_what_was_said_and_the_messages_both_ways(client, school, teacher, head):
    incident = make_report(
        school,
        teacher,
        location="Library",
        whose_information=["pupils", "staff"],
        information_categories=["health"],
        people_count="2-10",
    )
    ask_reporter(incident=incident, author=head, body="Which class list was it?")
    Message.objects.create(incident=incident, from_reporter=True, author=teacher, body="Year 5")

    response = client.get(f"/report/mine/{incident.reference}/")

    assert response.status_code == 200
    text = page_text(response)
    assert f"Your report {incident.reference}" in text
    assert "Lost the register" in text
    assert "Library" in text
    assert "Pupils Staff" in text
    assert "Health or medical information" in text
    assert "2 to 10 people" in text
    assert "With your name" in text
    assert text.index("Which class list was it?") < text.index("Year 5")
    assert "A question or message for you" in text
    # The people handling it are not named to the reporter.
    assert "Hannah Head" not in text


def test_adding_information_keeps_it_with_the_report(client, school, teacher):
    incident = make_report(school, teacher)

    response = client.post(f"/report/mine/{incident.reference}/", {"body": "It was Year 5's"})

    assert response.status_code == 302
    assert response["Location"] == f"/report/mine/{incident.reference}/"
    message = Message.objects.get(incident=incident)
    assert message.from_reporter is True
    assert message.author == teacher
    assert message.body == "It was Year 5's"
    page = client.get(response["Location"])
    assert "Your information has been added" in page_text(page)
    assert "It was Year 5's" in page_text(page)
    # Now the server has it, report-form.js clears the browser's copy.
    assert "data-draft-clear=" in page.content.decode()


def test_empty_information_is_refused_with_a_message(client, school, teacher):
    incident = make_report(school, teacher)
    response = client.post(f"/report/mine/{incident.reference}/", {"body": "  "})

    assert response.status_code == 200
    assert error_summary(response) == [("id_body", "Enter the information you want to add")]
    assert message_beside(response, "id_body") == "Enter the information you want to add"
    assert "<title>Error: " in response.content.decode()
    assert not Message.objects.exists()


def test_another_persons_report_is_not_found(school, teacher, head):
    incident = make_report(school, head)
    client = signed_in_client(teacher)

    assert client.get(f"/report/mine/{incident.reference}/").status_code == 404
    assert client.post(f"/report/mine/{incident.reference}/", {"body": "x"}).status_code == 404
    assert not Message.objects.exists()


def test_an_anonymous_report_is_not_reachable_even_by_whoever_sent_it(client, school, teacher):
    incident = make_report(school, teacher, mode=ReportingMode.ANONYMOUS)
    assert client.get(f"/report/mine/{incident.reference}/").status_code == 404


def test_someone_from_another_organisation_gets_nothing(school, teacher):
    incident = make_report(school, teacher)
    elsewhere = make_person("Olive Outsider", organisation=make_organisation("Elm School"))
    client = signed_in_client(elsewhere)
    assert client.get(f"/report/mine/{incident.reference}/").status_code == 404
    assert incident.reference not in client.get("/report/mine/").content.decode()


@pytest.mark.parametrize("path", ["/report/mine/", "/report/mine/OAK-2026-0001/"])
def test_signed_out_people_are_sent_to_sign_in(path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/sign-in/?next={path}"


def test_a_closed_report_offers_no_box_and_a_late_post_keeps_the_words(client, school, teacher):
    incident = make_report(school, teacher)
    Incident.objects.filter(pk=incident.pk).update(state=State.CLOSED)

    page = client.get(f"/report/mine/{incident.reference}/")
    assert "This report is closed" in page_text(page)
    assert 'name="body"' not in page.content.decode()

    # Closed while the reporter was typing: not sent, the words shown back with the reason.
    response = client.post(f"/report/mine/{incident.reference}/", {"body": "One more thing"})
    assert response.status_code == 200
    assert message_beside(response, "id_body").startswith("This report is closed")
    assert "One more thing" in response.content.decode()
    assert not Message.objects.exists()
