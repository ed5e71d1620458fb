"""The outcome report page: writing keeps what was typed, reviewing, who sees what, queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidentdesk.incidents.models import Incident, State
from incidentdesk.investigations.services import add_note
from incidentdesk.outcomes.models import OutcomeReport
from incidentdesk.outcomes.services import review_outcome_report, submit_outcome_report
from tests.factories import signed_in_client

from .conftest import SECTION_TEXT, ready_to_submit

pytestmark = pytest.mark.django_db


def url(incident: Incident) -> str:
    return f"/incidents/{incident.reference}/outcome/"


def test_the_form_starts_from_the_drafts_and_saving_keeps_what_was_typed(outcome_cast):
    side = outcome_cast.school
    incident = ready_to_submit(side, severity="minor")
    client = signed_in_client(side.investigator)
    page = client.get(url(incident)).content.decode()
    assert "Submit the outcome report" in page
    assert "Turn off e-mail address autocomplete for SEN staff." in page  # drafted
    response = client.post(url(incident), {"summary": "Only the summary so far", "save": "1"})
    assert response.status_code == 302
    assert OutcomeReport.objects.get(incident=incident).summary == "Only the summary so far"
    # Submitting with sections empty: the page again, errors by field, everything kept.
    response = client.post(url(incident), {"summary": "Typed <again>", "cause": "", "submit": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert 'href="#id_cause">Write the cause</a>' in page
    assert "Typed &lt;again&gt;" in page
    assert OutcomeReport.objects.get(incident=incident).summary == "Typed <again>"
    assert Incident.objects.get(pk=incident.pk).state == State.INVESTIGATING


def test_submitted_then_approved_through_the_pages(outcome_cast):
    side = outcome_cast.school
    incident = ready_to_submit(side, severity="major")
    response = signed_in_client(side.investigator).post(
        url(incident), {**SECTION_TEXT, "submit": "1"}
    )
    assert response.status_code == 302
    manager = signed_in_client(side.manager)
    page = manager.get(url(incident)).content.decode()
    assert "Review the report" in page and "You are reviewing as incident manager" in page
    assert "not been approved by the Chair of Governors" in page  # closing conditions
    response = manager.post(url(incident) + "review/", {"decision": "returned", "comments": ""})
    assert response.status_code == 200
    assert "Say what must change before you return the report" in response.content.decode()
    assert manager.post(url(incident) + "review/", {"decision": "approved"}).status_code == 302
    chair = signed_in_client(side.second_reviewer)
    assert "You are reviewing as Chair of Governors" in chair.get(url(incident)).content.decode()
    assert chair.post(url(incident) + "review/", {"decision": "approved"}).status_code == 302
    page = manager.get(url(incident)).content.decode()
    assert "Everything needed is done" in page
    # The incident page's card and its close form.
    detail = manager.get(f"/incidents/{incident.reference}/").content.decode()
    assert 'id="outcome-report"' in detail and "Approved" in detail
    response = manager.post(f"/incidents/{incident.reference}/state/", {"action": "close"})
    assert Incident.objects.get(pk=incident.pk).state == State.CLOSED


def test_who_sees_the_page(outcome_cast):
    side = outcome_cast.school
    incident = ready_to_submit(side, severity="minor")
    assert signed_in_client(side.colleague).get(url(incident)).status_code == 404
    assert signed_in_client(outcome_cast.outsider).get(url(incident)).status_code == 404
    response = signed_in_client(side.colleague).post(url(incident), {"summary": "x"})
    assert response.status_code == 404
    # The chair sees a minor incident only if it was reported anonymously: not this one.
    assert signed_in_client(side.second_reviewer).get(url(incident)).status_code == 404


def test_the_page_answers_in_a_bounded_number_of_queries(outcome_cast):
    side = outcome_cast.school
    incident = ready_to_submit(side, severity="minor")
    submit_outcome_report(incident=incident, actor=side.investigator, sections=SECTION_TEXT)
    review_outcome_report(incident=incident, actor=side.manager, decision="returned", comments="1")
    client = signed_in_client(side.manager)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(incident)).status_code == 200
        return len(queries)

    count()  # the first page after signing in records activity
    small = count()
    for i in range(15):
        add_note(incident=incident, actor=side.manager, body=f"Note {i}")  # more timeline
        submit_outcome_report(incident=incident, actor=side.investigator)
        review_outcome_report(
            incident=incident, actor=side.manager, decision="returned", comments=f"Again {i}"
        )
    large = count()
    assert large == small
    assert small < 60


def test_every_incident_page_links_to_the_outcome_report_for_those_who_may_open_it(
    outcome_cast,
):
    side = outcome_cast.school
    incident = ready_to_submit(side, severity="minor")
    link = f'href="{url(incident)}"'
    pages = [
        f"/incidents/{incident.reference}/",
        f"/incidents/{incident.reference}/timeline/",
        f"/incidents/{incident.reference}/ico/",
        url(incident),
    ]
    for person in (side.manager, side.investigator):
        client = signed_in_client(person)
        for page in pages:
            response = client.get(page)
            if response.status_code == 403:  # the ICO page is not the investigator's
                continue
            html = response.content.decode()
            assert 'aria-label="Incident pages"' in html, page
            assert link in html, (person, page)
    # The DPO sees a minor incident only if it was referred; the outcome report not at all.
    assert signed_in_client(side.dpo).get(url(incident)).status_code in {403, 404}
