"""The "Due and overdue" page: each person's own deadlines, and an incident manager's
organisation's; and the deadlines on the incident page."""

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidentdesk.deadlines.models import Deadline
from incidentdesk.deadlines.selectors import (
    DUE_LIST_LIMIT,
    deadlines_for_manager,
    deadlines_for_person,
)
from incidentdesk.deadlines.services import responsible_for
from incidentdesk.incidents.models import ReportingMode
from incidentdesk.incidents.services import assign_investigator, classify_incident
from incidentdesk.organisations.models import Duty
from tests.deadlines.conftest import at, classification
from tests.factories import make_organisation, make_person, signed_in_client
from tests.incidents.conftest import file_report

pytestmark = pytest.mark.django_db

MONDAY = at(2026, 11, 16, 10, 0)
# Session and person, the person's duties, organisations and staffing, their own list (a
# key read per kind of responsibility, then the rows), whether they manage, their
# organisation's list (keys, rows), and the menu's questions: whatever the number of rows.
QUERIES_FOR_DUE_PAGE = 12


def text_of(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def table(page: str, caption: str) -> str:
    match = re.search(rf"<caption[^>]*>{re.escape(caption)}</caption>(.*?)</table>", page)
    assert match, f"no table {caption!r}"
    return match.group(1)


@pytest.fixture
def report(school):
    with time_machine.travel(MONDAY, tick=False):
        return file_report(school.organisation, school.reporter)


@pytest.fixture
def investigated(school, report):
    with time_machine.travel(MONDAY + datetime.timedelta(hours=2), tick=False):
        incident = classify_incident(
            incident=report, actor=school.manager, data=classification("critical")
        )
        return assign_investigator(
            incident=incident, actor=school.manager, investigator=school.investigator
        )


def test_the_investigator_sees_their_own_deadline(school, investigated):
    with time_machine.travel(MONDAY + datetime.timedelta(hours=3), tick=False):
        page = text_of(signed_in_client(school.investigator).get("/due/"))

    yours = table(page, "Yours")
    assert f'href="/incidents/{investigated.reference}/"' in yours
    assert "Complete the investigation" in yours
    assert "23 November 2026, 17:00" in yours  # five working days, at close, UK time
    assert "Due in 7 days" in yours
    assert "Your organisation&#x27;s" not in page  # not an incident manager


def test_an_overdue_deadline_says_so_in_words(school, report):
    # The ICO's 72 hours ran out on Thursday at 10:00.
    with time_machine.travel(at(2026, 11, 19, 11, 0), tick=False):
        page = text_of(signed_in_client(school.dpo).get("/due/"))

    yours = table(page, "Yours")
    assert re.search(r'govuk-tag--red">Overdue<', yours)
    assert "19 November 2026, 10:00" in yours


def test_due_today_and_due_in_days(school, report):
    with time_machine.travel(at(2026, 11, 19, 8, 0), tick=False):
        assert ">Due today<" in table(text_of(signed_in_client(school.dpo).get("/due/")), "Yours")
    with time_machine.travel(at(2026, 11, 17, 23, 0), tick=False):
        assert ">Due in 2 days<" in table(
            text_of(signed_in_client(school.dpo).get("/due/")), "Yours"
        )


def test_the_manager_sees_the_organisations_deadlines(school, investigated):
    with time_machine.travel(MONDAY + datetime.timedelta(hours=3), tick=False):
        page = text_of(signed_in_client(school.manager).get("/due/"))

    theirs = table(page, "Your organisation&#x27;s")
    assert f"/incidents/{investigated.reference}/" in theirs
    assert "Complete the investigation" in theirs  # the investigator's, seen by the manager
    assert "Complete the investigation" not in table(page, "Yours")


def test_another_organisations_deadlines_never_appear(school, report):
    cedar = make_organisation("Cedar Academy")
    make_person("Cy Cedar", organisation=cedar, duties=(Duty.INCIDENT_MANAGER,))
    with time_machine.travel(MONDAY, tick=False):
        elsewhere = file_report(cedar, make_person(organisation=cedar))

    page = text_of(signed_in_client(school.manager).get("/due/"))

    assert report.reference in page
    assert elsewhere.reference not in page
    assert not {d.incident_id for d in deadlines_for_person(school.manager, MONDAY)} - {report.pk}
    assert {d.incident_id for d in deadlines_for_manager(school.manager, MONDAY)} == {report.pk}


def test_someone_with_nothing_due_is_told_so(school, report):
    page = text_of(signed_in_client(school.reporter).get("/due/"))

    assert "Nothing is due from you." in page
    assert report.reference not in page


def test_signed_out_is_sent_to_sign_in():
    response = Client().get("/due/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))


def test_the_selector_agrees_with_responsible_for(school, trust, investigated):
    with time_machine.travel(MONDAY, tick=False):
        file_report(trust.organisation, trust.reporter)
        file_report(school.organisation, None, ReportingMode.ANONYMOUS)
    open_rows = list(
        Deadline.objects.filter(met_at__isnull=True, withdrawn_at__isnull=True).select_related(
            "incident__organisation", "action"
        )
    )
    assert open_rows
    for setting in (school, trust):
        for person in (setting.manager, setting.dpo, setting.top, setting.investigator):
            expected = {d.pk for d in open_rows if person in responsible_for(d)}
            assert {d.pk for d in deadlines_for_person(person, MONDAY)} == expected, person


def _queries_for_due_page(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        text_of(client.get("/due/"))
    return len(queries)


def test_the_page_costs_the_same_queries_for_2_incidents_as_for_20(school):
    client = signed_in_client(school.manager)
    with time_machine.travel(MONDAY, tick=False):
        for _ in range(2):
            file_report(school.organisation, school.reporter)
    client.get("/due/")  # the session settles
    few = _queries_for_due_page(client)
    with time_machine.travel(MONDAY, tick=False):
        for _ in range(18):
            file_report(school.organisation, school.reporter)
    many = _queries_for_due_page(client)

    assert many == few
    assert Deadline.objects.count() >= 60


def test_the_incident_page_lists_its_open_deadlines(school, investigated):
    with time_machine.travel(MONDAY + datetime.timedelta(hours=3), tick=False):
        page = text_of(
            signed_in_client(school.manager).get(f"/incidents/{investigated.reference}/")
        )

    card = page[page.index(">Deadlines</h2>") :]
    assert "Complete the investigation" in card
    assert "Due 23 November 2026, 17:00" in card
    assert ">Due in 7 days<" in card


def test_the_page_shows_the_soonest_and_costs_exact_queries_at_two_sizes(
    school, django_assert_num_queries
):
    client = signed_in_client(school.manager)
    with time_machine.travel(MONDAY, tick=False):
        file_report(school.organisation, school.reporter)
    client.get("/due/")  # the session settles
    with django_assert_num_queries(QUERIES_FOR_DUE_PAGE):
        few = text_of(client.get("/due/"))
    with time_machine.travel(MONDAY, tick=False):
        for _ in range(20):
            file_report(school.organisation, school.reporter)
    with django_assert_num_queries(QUERIES_FOR_DUE_PAGE):
        many = text_of(client.get("/due/"))

    assert "due soonest" not in few
    # More than a page is open: the soonest are shown, and the page says there are more.
    theirs = table(many, "Your organisation&#x27;s")
    assert theirs.count('<tr class="govuk-table__row">') == 1 + DUE_LIST_LIMIT
    assert f"These are the {DUE_LIST_LIMIT} due soonest" in many
    assert Deadline.objects.filter(met_at__isnull=True).count() > DUE_LIST_LIMIT
