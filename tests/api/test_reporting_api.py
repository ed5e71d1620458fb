"""Reporting through the API: as staff with a token, and anonymously without one."""

from __future__ import annotations

import datetime
import io
import json
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from incidentdesk.api.services import create_api_token
from incidentdesk.audit.models import AuditEvent
from incidentdesk.incidents.models import Incident, ReportingMode, State
from incidentdesk.organisations.models import Person
from incidentdesk.organisations.services import membership_add
from incidentdesk.reporting.anonymous import FAILURES_PER_MINUTE
from incidentdesk.reporting.models import AnonymousReceipt, Message
from incidentdesk.reporting.services import ask_reporter

from .conftest import Cast, bearer

pytestmark = pytest.mark.django_db

REFERENCE = re.compile(r"^[A-Z0-9]{2,8}-\d{4}-\d{4}$")
RECEIPT = re.compile(r"^[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}$")
REPORT = {
    "organisation": "acorn",
    "mode": "named",
    "what_happened": "A class list was e-mailed to the wrong parent.",
}
ANONYMOUS_REPORT = {"what_happened": "Passwords are on a note on the staffroom wall."}


@pytest.fixture
def bob_token(cast: Cast) -> str:
    return create_api_token(person=cast.bob, name="Bob's phone")[1]


def post(client, path: str, body, token: str | None = None, key: str | None = None, **extra):
    headers = dict(extra)
    if token:
        headers.update(bearer(token))
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(path, data=data, content_type="application/json", **headers)


def report(client, token: str, key: str | None = None, **changes):
    return post(client, "/api/v1/incidents", {**REPORT, **changes}, token, key)


def anonymous_report(client, slug: str = "birch", key: str | None = None, **changes):
    return post(
        client, f"/api/v1/anonymous/{slug}/reports", {**ANONYMOUS_REPORT, **changes}, key=key
    )


# --- report_incident -------------------------------------------------------------------


def test_report_incident_makes_an_incident_and_answers_its_reference(client, cast, bob_token):
    response = report(client, bob_token)

    assert response.status_code == 201
    body = response.json()
    assert REFERENCE.match(body["reference"])
    assert body["reference"].startswith(f"ACN-{timezone.localdate().year}-")
    assert body["state"] == "reported"
    assert isinstance(body["out_of_hours"], bool)
    assert body["receipt"] is None
    incident = Incident.objects.get(reference=body["reference"])
    assert incident.reporter == cast.bob
    assert incident.organisation == cast.school
    assert incident.mode == ReportingMode.NAMED
    reported_at = datetime.datetime.fromisoformat(body["reported_at"])
    assert abs(reported_at - incident.reported_at) < datetime.timedelta(milliseconds=1)


def test_report_incident_keeps_every_detail_it_is_given(client, cast, bob_token):
    response = report(
        client,
        bob_token,
        mode="confidential",
        reported_kind="near_miss",
        occurred_on="2026-11-20",
        occurred_time="14:05",
        discovered_at="2026-11-20T15:00:00+00:00",
        how_discovered="  A parent rang.  ",
        location="Office",
        whose_information=["pupils", "staff", "pupils"],
        people_count="11-50",
        information_categories=["sen", "health"],
        information_forms=["email"],
        people_involved="The office manager",
        already_done="Asked the parent to delete it.",
        source="supplier",
        supplier_name="MIS Ltd",
    )

    assert response.status_code == 201, response.content
    incident = Incident.objects.get(reference=response.json()["reference"])
    assert incident.mode == ReportingMode.CONFIDENTIAL
    assert incident.reported_kind == "near_miss"
    assert incident.occurred_on == datetime.date(2026, 11, 20)
    assert incident.occurred_time == datetime.time(14, 5)
    assert incident.discovered_at == datetime.datetime(2026, 11, 20, 15, tzinfo=datetime.UTC)
    assert incident.how_discovered == "A parent rang."
    assert incident.whose_information == ["pupils", "staff"]
    assert incident.information_categories == ["sen", "health"]
    assert incident.people_count == "11-50"
    assert (incident.source, incident.supplier_name) == ("supplier", "MIS Ltd")


def test_report_incident_needs_a_token(client, cast):
    response = post(client, "/api/v1/incidents", REPORT)

    assert response.status_code == 401
    assert not Incident.objects.exists()


@pytest.mark.parametrize("slug", ["cedar", "no-such-school", ""])
def test_report_incident_refuses_an_organisation_that_is_not_the_callers(
    client, cast, bob_token, slug
):
    response = report(client, bob_token, organisation=slug)

    assert response.status_code in (404, 422)
    assert response.json()["detail"]
    assert not Incident.objects.exists()


def test_the_same_key_and_report_twice_make_one_incident_and_the_same_answer(
    client, cast, bob_token
):
    first = report(client, bob_token, key="retry-1")
    second = report(client, bob_token, key="retry-1")

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert Incident.objects.count() == 1


def test_the_same_key_with_a_different_report_is_a_409(client, cast, bob_token):
    report(client, bob_token, key="retry-1")

    response = report(client, bob_token, key="retry-1", what_happened="Something else.")

    assert response.status_code == 409
    assert "Idempotency-Key" in response.json()["detail"]
    assert Incident.objects.count() == 1


def test_someone_elses_key_does_not_answer_with_their_report(client, cast, bob_token, alice_token):
    report(client, bob_token, key="shared-key")

    response = report(client, alice_token, key="shared-key")

    assert response.status_code == 409
    assert "ACN-" not in response.content.decode()


@pytest.mark.parametrize("key", ["x" * 101, "has space", "ünïcode", ""])
def test_a_malformed_idempotency_key_is_a_422(client, cast, bob_token, key):
    response = report(client, bob_token, key=key)

    assert response.status_code == 422
    assert not Incident.objects.exists()


def test_an_anonymous_report_by_a_member_of_staff_keeps_no_link_to_them(client, cast, bob_token):
    response = report(client, bob_token, mode="anonymous")

    assert response.status_code == 201
    assert RECEIPT.match(response.json()["receipt"])
    incident = Incident.objects.get()
    assert incident.reporter is None
    assert AnonymousReceipt.objects.filter(incident=incident).exists()
    events = AuditEvent.objects.filter(object_type="incident", object_id=str(incident.pk))
    assert {e.actor_id for e in events} == {None}


GARBAGE = [
    {},
    {"what_happened": ""},
    {"what_happened": "   "},
    {"what_happened": 42},
    {"what_happened": None},
    {"what_happened": "x" * 10_001},
    {"what_happened": "nul \u0000 inside"},
    {"what_happened": "ok", "mode": "secret"},
    {"what_happened": "ok", "reported_kind": "catastrophe"},
    {"what_happened": "ok", "whose_information": ["aliens"]},
    {"what_happened": "ok", "whose_information": "pupils"},
    {"what_happened": "ok", "occurred_on": "2999-01-01"},
    {"what_happened": "ok", "occurred_on": "0001-01-01"},
    {"what_happened": "ok", "occurred_on": "yesterday"},
    {"what_happened": "ok", "occurred_time": "10:00"},
    {"what_happened": "ok", "discovered_at": "2026-01-01T10:00:00"},
    {"what_happened": "ok", "discovered_at": "0001-01-01T00:00:00+14:00"},
    {"what_happened": "ok", "discovered_at": "2999-01-01T00:00:00Z"},
    {"what_happened": "ok", "source": "supplier"},
    {"what_happened": "ok", "people_count": 7},
    {"what_happened": "ok", "unexpected": "field"},
    {"what_happened": "ok", "organisation": ["acorn"]},
]


@pytest.mark.parametrize("changes", GARBAGE)
def test_bad_input_is_a_422_naming_the_field_never_a_500(client, cast, bob_token, changes):
    body = {"organisation": "acorn", "mode": "named", **changes}
    if "what_happened" not in changes:
        body.pop("what_happened", None)

    response = post(client, "/api/v1/incidents", body, bob_token)

    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert errors and all(e["message"] for e in errors)
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    "raw", ["{not json", "[1, 2]", '"text"', "null", '{"what_happened": "\\ud800"}']
)
def test_a_body_that_is_not_a_report_is_refused_plainly(client, cast, bob_token, raw):
    response = post(client, "/api/v1/incidents", raw, bob_token)

    assert response.status_code in (400, 422)
    assert response.json()["detail"]


# --- A confidential reporter in the API ------------------------------------------------


def test_no_api_answer_names_a_confidential_reporter(client, cast, alice_token):
    reporter = Person.objects.create_user(
        "rhea.reporter@example.org", "pw-rhea-12345", full_name="Rhea Reporter"
    )
    membership_add(person=reporter, organisation=cast.school)
    token = create_api_token(person=reporter, name="Rhea's phone")[1]

    answers = [
        report(client, token, key="conf-1", mode="confidential"),
        report(client, token, key="conf-1", mode="confidential"),
        report(client, token, key="conf-1", mode="confidential", what_happened="Other."),
        report(client, alice_token, key="conf-1", mode="confidential"),
        client.get("/api/v1/me", **bearer(alice_token)),
        client.get("/api/v1/openapi.json"),
    ]

    assert [a.status_code for a in answers] == [201, 200, 409, 409, 200, 200]
    for answer in answers:
        text = answer.content.decode()
        assert reporter.full_name not in text
        assert reporter.email not in text


# --- submit_anonymous_report -----------------------------------------------------------


def test_an_anonymous_report_needs_no_token_and_answers_only_a_receipt(client, cast):
    response = anonymous_report(client)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"receipt", "status", "detail"}
    assert RECEIPT.match(body["receipt"])
    assert body["status"] == "Received"
    incident = Incident.objects.get()
    assert (incident.mode, incident.reporter, incident.organisation) == (
        ReportingMode.ANONYMOUS,
        None,
        cast.standalone,
    )
    assert incident.reference not in response.content.decode()
    assert response["Cache-Control"] == "no-store"


def test_an_anonymous_report_keeps_nothing_about_the_sender(client, cast, bob_token):
    response = post(
        client,
        "/api/v1/anonymous/birch/reports",
        ANONYMOUS_REPORT,
        key="anon-1",
        REMOTE_ADDR="203.0.113.77",
        HTTP_USER_AGENT="SpyBrowser/9.9",
        HTTP_X_FORWARDED_FOR="198.51.100.23",
        HTTP_REFERER="https://tracker.example/",
        HTTP_COOKIE="tracking=abc123",
        **bearer(bob_token),
    )
    assert response.status_code == 201
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)

    everything = dump.getvalue()
    assert Incident.objects.get().reporter is None
    for trace in ("203.0.113.77", "SpyBrowser", "198.51.100.23", "tracker.example", "abc123"):
        assert trace not in everything


def test_an_anonymous_retry_shows_the_same_receipt_and_makes_one_incident(client, cast):
    first = anonymous_report(client, key="anon-1")
    second = anonymous_report(client, key="anon-1")
    different = anonymous_report(client, key="anon-1", what_happened="Something else.")

    assert (first.status_code, second.status_code, different.status_code) == (201, 200, 409)
    assert first.json()["receipt"] == second.json()["receipt"]
    assert Incident.objects.count() == 1


@pytest.mark.parametrize("slug", ["no-such-school", "x" * 61])
def test_an_unknown_organisation_takes_no_anonymous_reports(client, cast, slug):
    response = anonymous_report(client, slug=slug)

    assert response.status_code in (404, 422)
    assert not Incident.objects.exists()


@pytest.mark.parametrize("changes", GARBAGE[:7])
def test_a_bad_anonymous_report_is_a_422(client, cast, changes):
    body = dict(changes)
    response = post(client, "/api/v1/anonymous/birch/reports", body)

    assert response.status_code == 422
    assert not Incident.objects.exists()


# --- anonymous_report_status and post_anonymous_message --------------------------------


@pytest.fixture
def receipt(client, cast) -> str:
    return anonymous_report(client).json()["receipt"]


def status(client, receipt: str, slug: str = "birch"):
    return post(client, f"/api/v1/anonymous/{slug}/status", {"receipt": receipt})


def test_the_receipt_shows_the_status_and_the_messages(client, cast, receipt):
    incident = Incident.objects.get()
    ask_reporter(incident=incident, author=cast.alice, body="Which wall is it on?")

    response = status(client, receipt)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "Received"
    assert body["explanation"]
    assert [(m["sender"], m["body"], m["from_reporter"]) for m in body["messages"]] == [
        ("The people handling your report", "Which wall is it on?", False)
    ]
    # Staff are not named to an anonymous reporter, nor is the reference given.
    assert "Alice" not in response.content.decode()
    assert incident.reference not in response.content.decode()
    assert response["Cache-Control"] == "no-store"


def test_a_receipt_as_a_person_might_type_it_still_works(client, cast, receipt):
    typed = receipt.replace("-", " ").lower()

    assert status(client, typed).status_code == 200


def test_the_reporter_answers_by_receipt(client, cast, receipt):
    response = post(
        client,
        "/api/v1/anonymous/birch/messages",
        {"receipt": receipt, "body": "  The wall by the kettle.  "},
    )

    assert response.status_code == 201
    assert response.json()["sender"] == "You"
    message = Message.objects.get()
    assert (message.from_reporter, message.author, message.body) == (
        True,
        None,
        "The wall by the kettle.",
    )
    assert status(client, receipt).json()["messages"][0]["body"] == "The wall by the kettle."


@pytest.mark.parametrize(
    "wrong",
    ["00000-00000-00000-00000", "nope", "'; DROP TABLE incidents_incident; --", "€" * 50],
)
def test_a_wrong_receipt_is_a_404_for_status_and_messages(client, cast, receipt, wrong):
    status_answer = status(client, wrong)
    message_answer = post(
        client, "/api/v1/anonymous/birch/messages", {"receipt": wrong, "body": "Hello"}
    )

    assert status_answer.status_code == message_answer.status_code == 404
    assert "receipt" in status_answer.json()["detail"]
    assert not Message.objects.exists()


def test_another_organisations_receipt_is_a_404(client, cast, receipt):
    assert status(client, receipt, slug="cedar").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"receipt": None},
        {"receipt": 12345},
        {"receipt": ""},
        {"receipt": "x" * 1000},
        {"receipt": ["a"]},
        {"receipt": "ok\u0000"},
        {"receipt": "ABCDE", "extra": 1},
    ],
)
def test_garbage_in_place_of_a_receipt_is_refused_without_a_500(client, cast, body):
    response = post(client, "/api/v1/anonymous/birch/status", body)

    assert response.status_code == 422
    assert response.json()["errors"]


@pytest.mark.parametrize("body", [{}, {"body": ""}, {"body": "   "}, {"body": "x" * 5001}])
def test_a_message_needs_words(client, cast, receipt, body):
    response = post(client, "/api/v1/anonymous/birch/messages", {"receipt": receipt, **body})

    assert response.status_code == 422
    assert not Message.objects.exists()


def test_wrong_receipts_are_limited_per_organisation(client, cast, receipt):
    for _ in range(FAILURES_PER_MINUTE):
        assert status(client, "00000-00000-00000-00000").status_code == 404

    limited = status(client, receipt)

    assert limited.status_code == 429
    assert "Wait a minute" in limited.json()["detail"]
    # Another organisation's reporters are not held up.
    assert status(client, "00000-00000-00000-00000", slug="cedar").status_code == 404


# --- The OpenAPI document --------------------------------------------------------------


@pytest.fixture
def document(client, db) -> dict:
    return client.get("/api/v1/openapi.json").json()


def test_the_document_has_the_reporting_operations(document):
    ids = {
        operation["operationId"]: (path, operation)
        for path, item in document["paths"].items()
        for operation in item.values()
    }
    for operation_id in (
        "report_incident",
        "submit_anonymous_report",
        "anonymous_report_status",
        "post_anonymous_message",
    ):
        assert operation_id in ids
    assert ids["report_incident"][1]["security"] == [{"BearerToken": []}]
    for operation_id in (
        "submit_anonymous_report",
        "anonymous_report_status",
        "post_anonymous_message",
    ):
        path, operation = ids[operation_id]
        assert "security" not in operation
        # The receipt travels in the body, never in the address.
        assert "receipt" not in path
        assert all(p["in"] != "query" for p in operation.get("parameters", []))
    headers = [p["name"] for p in ids["report_incident"][1]["parameters"] if p["in"] == "header"]
    assert headers == ["Idempotency-Key"]


def test_a_closed_report_takes_no_more_messages_by_receipt(client, cast, receipt):
    Incident.objects.update(state=State.CLOSED)

    response = post(client, "/api/v1/anonymous/birch/messages", {"receipt": receipt, "body": "Hi"})

    assert response.status_code == 409
    assert "closed" in response.json()["detail"]
    assert not Message.objects.exists()
