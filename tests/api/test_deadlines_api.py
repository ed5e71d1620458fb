"""`get_deadlines` and `list_due_deadlines`: an incident's deadlines with the reminders sent,
and what is due from the caller, under the same rules as the pages."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from incidentdesk.api.services import create_api_token
from incidentdesk.deadlines.worker import run_pass
from incidentdesk.governance import services as governance
from tests.factories import make_person
from tests.incidents.conftest import file_report
from tests.regulator.conftest import make_ico_cast, realistic_breach

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
REPORTED = datetime.datetime(2026, 11, 16, 10, 0, tzinfo=LONDON)  # a Monday


def travel(moment: datetime.datetime):
    return time_machine.travel(moment, tick=False)


def api(person) -> Client:
    token = create_api_token(person=person, name="script")[1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def get(person, path: str, moment: datetime.datetime):
    client = api(person)
    with travel(moment):
        return client.get(path)


@pytest.fixture
def ico_cast(db):
    return make_ico_cast()


@pytest.fixture
def breach(ico_cast):
    with travel(REPORTED):
        return realistic_breach(ico_cast)


def by_step(body: dict) -> dict[str, dict]:
    return {d["step"]: d for d in body["deadlines"] if d["step"] != "action"}


def test_the_incidents_deadlines_with_reminders_and_escalations_sent(ico_cast, breach):
    # The ICO decision is left undecided: reminders at 24 and 48 hours, escalation at 72.
    for hours in (24, 48, 73):
        with travel(REPORTED + datetime.timedelta(hours=hours)):
            run_pass()
    moment = REPORTED + datetime.timedelta(hours=74)

    response = get(ico_cast.manager, f"/api/v1/incidents/{breach.reference}/deadlines", moment)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["reference"] == breach.reference
    steps = by_step(body)
    ico = steps["ico_decision"]
    assert ico["label"] == "Decide whether to notify the ICO"
    assert ico["status"] == "open"
    assert ico["overdue"] is True
    assert datetime.datetime.fromisoformat(ico["started_at"]) == REPORTED
    assert datetime.datetime.fromisoformat(ico["due_at"]) == REPORTED + datetime.timedelta(hours=72)
    assert ico["met_at"] is None
    assert ico["reminders_sent"] == 2
    assert ico["escalations_sent"] == 1
    assert [(e["kind"], e["level"]) for e in ico["events"]] == [
        ("reminder", 1),
        ("reminder", 2),
        ("escalation", 1),
    ]
    # Classified at once: acknowledged and classified, met and not overdue.
    assert steps["classify"]["status"] == "met"
    assert steps["classify"]["overdue"] is False
    assert steps["investigation"]["status"] == "open"
    [action] = [d for d in body["deadlines"] if d["step"] == "action"]
    assert action["action"].startswith("Turn off e-mail address autocomplete")
    # Soonest due first.
    dues = [d["due_at"] for d in body["deadlines"]]
    assert dues == sorted(dues, key=datetime.datetime.fromisoformat)


def test_anyone_who_may_open_the_incident_sees_its_deadlines_and_nobody_else(ico_cast, breach):
    path = f"/api/v1/incidents/{breach.reference}/deadlines"
    moment = REPORTED + datetime.timedelta(hours=1)
    for person in (ico_cast.manager, ico_cast.dpo, ico_cast.investigator):
        assert get(person, path, moment).status_code == 200, person
    for person in (ico_cast.colleague, ico_cast.outsider, ico_cast.reporter):
        response = get(person, path, moment)
        assert response.status_code == 404, person
        assert "deadlines" not in response.json()
    assert Client().get(path).status_code == 401
    too_long = get(ico_cast.manager, "/api/v1/incidents/" + "X" * 40 + "/deadlines", moment)
    assert too_long.status_code == 422


def test_the_query_count_does_not_grow_with_the_events(ico_cast, breach):
    path = f"/api/v1/incidents/{breach.reference}/deadlines"
    client = api(ico_cast.manager)
    with travel(REPORTED):
        client.get(path)  # the token's first use is recorded once
    with travel(REPORTED), CaptureQueriesContext(connection) as before:
        assert client.get(path).status_code == 200
    for hours in (24, 48, 60, 68, 73, 97):
        with travel(REPORTED + datetime.timedelta(hours=hours)):
            run_pass()
    with travel(REPORTED), CaptureQueriesContext(connection) as after:
        assert client.get(path).status_code == 200
    assert len(after) == len(before)


def test_what_is_due_from_the_caller_and_their_organisation(ico_cast, breach):
    moment = REPORTED + datetime.timedelta(hours=80)

    manager = get(ico_cast.manager, "/api/v1/deadlines/due", moment).json()
    investigator = get(ico_cast.investigator, "/api/v1/deadlines/due", moment).json()
    colleague = get(ico_cast.colleague, "/api/v1/deadlines/due", moment).json()

    yours = {(d["reference"], d["step"]): d for d in manager["yours"]}
    ico = yours[(breach.reference, "ico_decision")]
    assert ico["overdue"] is True
    assert ico["label"] == "Decide whether to notify the ICO"
    # The investigation is the investigator's; the manager sees it as their organisation's.
    assert (breach.reference, "investigation") not in yours
    assert (breach.reference, "investigation") in {
        (d["reference"], d["step"]) for d in manager["organisation"]
    }
    assert [d["step"] for d in investigator["yours"]] == ["investigation"]
    assert investigator["organisation"] is None
    assert colleague == {"yours": [], "organisation": None}


def test_another_schools_manager_sees_none_of_it(ico_cast, breach):
    with travel(REPORTED):
        file_report(ico_cast.school, ico_cast.reporter)
    body = get(ico_cast.outsider, "/api/v1/deadlines/due", REPORTED).json()
    assert body == {"yours": [], "organisation": []}


def test_policy_and_exception_deadlines_are_listed_for_whoever_must_meet_them(ico_cast):
    with travel(REPORTED):
        document = governance.document_create(
            actor=None,
            organisation=ico_cast.school,
            title="Security Incidents Policy",
            version="2.1",
            approved_by="Governing body",
            approved_on=datetime.date(2025, 9, 1),
            next_review_on=datetime.date(2026, 11, 26),
            owner=ico_cast.colleague,
        )
        exception = governance.exception_decide(
            actor=ico_cast.manager,
            exception=governance.exception_request(
                actor=ico_cast.reporter,
                organisation=ico_cast.school,
                policy_point=ico_cast.school.effective_profile.points.get(number=3),
                title="Trip photos on the tablet",
                what="Keep them a week",
                business_reason="No signal",
            ),
            approve=True,
            reasons="Low risk",
            expires_on=datetime.date(2026, 12, 31),
            review_on=datetime.date(2026, 11, 30),
        )
    cedar = ico_cast.outsider.memberships.get().organisation
    elsewhere = make_person("Oona Other", organisation=cedar)
    with travel(REPORTED):
        governance.document_create(
            actor=None,
            organisation=cedar,
            title="Cedar's policy",
            version="1",
            approved_by="Board",
            approved_on=None,
            next_review_on=datetime.date(2026, 11, 26),
            owner=elsewhere,
        )
    before = REPORTED + datetime.timedelta(hours=1)

    owner = get(ico_cast.colleague, "/api/v1/deadlines/due", before).json()
    assert owner["yours"] == [
        {
            "reference": None,
            "policy_document_id": document.pk,
            "exception_id": None,
            "step": "policy_review",
            "label": "Review the policy document “Security Incidents Policy”",
            "link": f"/governance/policies/{document.pk}/",
            "due_at": "2026-11-26T17:00:00Z",
            "overdue": False,
        }
    ]
    manager = get(ico_cast.manager, "/api/v1/deadlines/due", before).json()
    mine = {d["step"]: d for d in manager["yours"] if d["reference"] is None}
    assert set(mine) == {"exception_review", "exception_expiry"}
    assert mine["exception_review"]["label"] == "Review the exception “Trip photos on the tablet”"
    assert mine["exception_expiry"]["link"] == f"/governance/exceptions/{exception.pk}/"
    assert {d["label"] for d in manager["organisation"]} >= {
        "Review the policy document “Security Incidents Policy”",
        "Review the exception “Trip photos on the tablet” before it ends",
    }
    assert "Cedar's policy" not in str(manager)

    # Past the review date it is overdue, and the incident manager's to chase too.
    after = datetime.datetime(2026, 11, 27, 9, 0, tzinfo=LONDON)
    manager = get(ico_cast.manager, "/api/v1/deadlines/due", after).json()
    review = [d for d in manager["yours"] if d["step"] == "policy_review"]
    assert [(d["policy_document_id"], d["overdue"]) for d in review] == [(document.pk, True)]
    outsider = get(ico_cast.outsider, "/api/v1/deadlines/due", after).json()
    assert [d["label"] for d in outsider["organisation"]] == [
        "Review the policy document “Cedar's policy”"
    ]


def test_the_operations_are_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/incidents/{reference}/deadlines"]["get"]
    assert operation["operationId"] == "get_deadlines"
    assert set(operation["responses"]) == {"200", "401", "404", "422"}
    due = document["paths"]["/api/v1/deadlines/due"]["get"]
    assert due["operationId"] == "list_due_deadlines"
