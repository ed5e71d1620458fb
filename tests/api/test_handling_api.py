"""Handling an incident through the API: who may do what, and what each answer says.

Birch School (on the school preset, and again as a school in a trust on the trust preset)
has a confidential report from Rhiannon, classified major
(so referred to the DPO, Dee) and assigned to Ivy. Ian investigates at Birch but not
this; Sam is plain staff; Olive manages Cedar Academy, another organisation.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidentdesk.api.routes.handling import HASH_MISMATCH
from incidentdesk.api.services import create_api_token
from incidentdesk.incidents.models import (
    Category,
    Classification,
    Incident,
    Kind,
    PersonalData,
    ReportingMode,
    State,
)
from incidentdesk.incidents.services import (
    ClassificationInput,
    assign_investigator,
    classify_incident,
)
from incidentdesk.investigations.models import (
    Action,
    ActionKind,
    CustodyEvent,
    Evidence,
    InvestigationStep,
    StepStatus,
)
from incidentdesk.investigations.services import add_action, add_evidence
from incidentdesk.organisations.models import Duty, Organisation, OrganisationKind, Person
from incidentdesk.organisations.services import organisation_create
from incidentdesk.reporting.services import ReportDetails, report_incident
from tests.factories import make_person

from .conftest import bearer

pytestmark = pytest.mark.django_db

WORKING_HOURS = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=datetime.UTC)
LOG = b"2026-11-25 09:58 export of class list sent to parent@example.net\n"
CONFIDENTIAL_NAME = "Rhiannon Secretkeeper"


@dataclass
class Desk:
    birch: Organisation
    cedar: Organisation
    incident: Incident
    people: dict[str, Person]
    tokens: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        return bearer(self.tokens[who])


def _report(organisation: Organisation, reporter: Person | None, mode: str, text: str) -> Incident:
    with time_machine.travel(WORKING_HOURS, tick=False):
        return report_incident(
            organisation=organisation,
            reporter=reporter,
            mode=mode,
            details=ReportDetails(what_happened=text, reported_kind=Kind.CONFIRMED_BREACH),
        ).incident


def _classify(incident: Incident, manager: Person, severity: str = "major") -> Incident:
    return classify_incident(
        incident=incident,
        actor=manager,
        data=ClassificationInput(
            kind=Kind.CONFIRMED_BREACH,
            category=Category.WRONG_RECIPIENT,
            personal_data=PersonalData.YES,
            severity=severity,
            severity_reason="Pupils' addresses reached a parent.",
        ),
    )


@pytest.fixture(params=["school", "trust"])
def desk(db, request) -> Desk:
    """The same cast on either preset: a standalone school, or a school in a trust."""
    if request.param == "trust":
        trust = organisation_create(
            name="Birch Trust",
            slug="birch-trust",
            code="BTR",
            kind=OrganisationKind.TRUST,
            preset="trust",
        )
        birch = organisation_create(
            name="Birch School",
            slug="birch",
            code="BIR",
            kind=OrganisationKind.SCHOOL,
            trust=trust,
        )
    else:
        birch = organisation_create(
            name="Birch School",
            slug="birch",
            code="BIR",
            kind=OrganisationKind.SCHOOL,
            preset="school",
        )
    cedar = organisation_create(
        name="Cedar Academy",
        slug="cedar",
        code="CED",
        kind=OrganisationKind.SCHOOL,
        preset="school",
    )
    people = {
        "manager": make_person("Mina Manager", organisation=birch, duties=(Duty.INCIDENT_MANAGER,)),
        "investigator": make_person(
            "Ivy Investigator", organisation=birch, duties=(Duty.INVESTIGATING_OFFICER,)
        ),
        "unassigned": make_person(
            "Ian Other", organisation=birch, duties=(Duty.INVESTIGATING_OFFICER,)
        ),
        "dpo": make_person("Dee Protection", organisation=birch, duties=(Duty.DPO,)),
        "staff": make_person("Sam Staff", organisation=birch),
        "outsider": make_person(
            "Olive Outsider", organisation=cedar, duties=(Duty.INCIDENT_MANAGER,)
        ),
        "reporter": make_person(CONFIDENTIAL_NAME, organisation=birch),
    }
    incident = _report(
        birch,
        people["reporter"],
        ReportingMode.CONFIDENTIAL,
        "A class list with addresses was e-mailed to the wrong parent.",
    )
    incident = _classify(incident, people["manager"])
    incident = assign_investigator(
        incident=incident, actor=people["manager"], investigator=people["investigator"]
    )
    tokens = {
        name: create_api_token(person=person, name="script")[1] for name, person in people.items()
    }
    return Desk(birch, cedar, incident, people, tokens)


def _url(desk: Desk, tail: str = "") -> str:
    return f"/api/v1/incidents/{desk.incident.reference}{tail}"


def _file_evidence(desk: Desk, content: bytes = LOG) -> Evidence:
    return add_evidence(
        incident=desk.incident,
        actor=desk.people["manager"],
        title="Mail server log",
        file=SimpleUploadedFile("mail.log", content, content_type="text/plain"),
    )


def _action(desk: Desk) -> Action:
    return add_action(
        incident=desk.incident,
        actor=desk.people["manager"],
        kind=ActionKind.PREVENTIVE,
        description="Turn off address autocomplete in the school's e-mail.",
        owner=desk.people["staff"],
        due_on=datetime.date(2027, 1, 31),
    )


# --- Who may do what -----------------------------------------------------------------------

CLASSIFY = {
    "kind": "confirmed_breach",
    "category": "wrong_recipient",
    "personal_data": "yes",
    "severity": "major",
    "severity_reason": "Addresses of 28 pupils reached one parent.",
}


def _call(client, desk: Desk, operation: str, who: str):
    """One call of `operation`, with a valid body, as `who`."""
    headers = desk.headers(who)

    def post(tail: str, body: dict[str, Any]):
        return client.post(
            _url(desk, tail), data=json.dumps(body), content_type="application/json", **headers
        )

    match operation:
        case "get_incident":
            return client.get(_url(desk), **headers)
        case "classify_incident":
            return post("/classify", CLASSIFY)
        case "verify_incident":
            return post("/verify", {"what_was_checked": "Spoke to the parent who received it."})
        case "assign_investigator":
            return post("/investigator", {"investigator": desk.people["unassigned"].email})
        case "acknowledge_dpo_referral":
            return post("/referral/acknowledge", {})
        case "transition_incident":
            return post("/transitions", {"action": "submit_outcome", "reason": ""})
        case "update_investigation_step":
            return client.put(
                _url(desk, "/steps/b"),
                data=json.dumps({"status": "done", "what_was_done": "Spoke to the sender."}),
                content_type="application/json",
                **headers,
            )
        case "add_interview":
            return post(
                "/interviews",
                {
                    "person_spoken_to": "The office manager",
                    "spoken_at": "2026-11-25T11:00:00+00:00",
                    "spoken_by": "Ivy Investigator",
                    "notes": "She chose the wrong address from the autocomplete list.",
                },
            )
        case "add_evidence":
            return client.post(
                _url(desk, "/evidence"),
                data={"title": "What the parent said", "description": "She deleted it at once."},
                **headers,
            )
        case "download_evidence":
            evidence = _file_evidence(desk)
            return client.get(_url(desk, f"/evidence/{evidence.pk}/download"), **headers)
        case "add_risk":
            return post(
                "/risks",
                {
                    "description": "The list is forwarded.",
                    "likelihood": 2,
                    "impact": 4,
                    "owner": "DPO",
                },
            )
        case "add_action":
            return post(
                "/actions",
                {
                    "kind": "preventive",
                    "description": "Train the office in checking recipients.",
                    "owner": desk.people["staff"].email,
                    "due_on": "2027-01-31",
                },
            )
        case "update_action":
            action = _action(desk)
            return client.patch(
                _url(desk, f"/actions/{action.pk}"),
                data=json.dumps({"status": "done"}),
                content_type="application/json",
                **headers,
            )
        case "add_note":
            return post("/notes", {"body": "The parent has confirmed deletion in writing."})
    raise AssertionError(operation)


PEOPLE = ["manager", "investigator", "unassigned", "dpo", "staff", "outsider"]
MANAGES = (200, 403, 404, 403, 404, 404)  # only the manager; the others who see it: 403
INVESTIGATES = (201, 201, 404, 403, 404, 404)  # the manager and the assigned investigator
# Expected status for each operation, for the people in PEOPLE, in that order.
TABLE = {
    "get_incident": (200, 200, 404, 200, 404, 404),
    "classify_incident": MANAGES,
    "verify_incident": MANAGES,
    "assign_investigator": MANAGES,
    "acknowledge_dpo_referral": (403, 403, 404, 200, 404, 404),
    "transition_incident": (200, 200, 404, 403, 404, 404),
    "update_investigation_step": (200, 200, 404, 403, 404, 404),
    "add_interview": INVESTIGATES,
    "add_evidence": INVESTIGATES,
    "download_evidence": (200, 200, 404, 200, 404, 404),
    "add_risk": INVESTIGATES,
    "add_action": INVESTIGATES,
    "update_action": (200, 200, 404, 403, 404, 404),
    "add_note": INVESTIGATES,
}


@pytest.mark.parametrize(
    ("operation", "who", "status"),
    [
        (operation, who, status)
        for operation, statuses in TABLE.items()
        for who, status in zip(PEOPLE, statuses, strict=True)
    ],
)
def test_each_operation_answers_each_person_as_the_rules_say(client, desk, operation, who, status):
    response = _call(client, desk, operation, who)
    assert response.status_code == status, response.content[:300]
    if status >= 400:
        assert response.json()["detail"]
    if status == 404:
        # Nothing tells an outsider the incident exists.
        assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("who", PEOPLE)
def test_list_incidents_shows_each_person_only_what_they_may_view(client, desk, who):
    response = client.get("/api/v1/incidents", **desk.headers(who))
    assert response.status_code == 200
    references = [item["reference"] for item in response.json()["items"]]
    sees = who in {"manager", "investigator", "dpo"}
    assert references == ([desk.incident.reference] if sees else [])


# --- The incident operations ---------------------------------------------------------------


def test_get_incident_shows_the_classification_and_the_steps(client, desk):
    body = client.get(_url(desk), **desk.headers("investigator")).json()
    assert body["state"] == State.INVESTIGATING
    assert body["severity"] == "major" and body["is_serious"] is True
    assert body["investigator"]["email"] == desk.people["investigator"].email
    assert [s["letter"] for s in body["steps"]] == list("abcdefghijk")
    assert body["involvements"][0]["duty"] == Duty.DPO
    assert body["involvements"][0]["acknowledged_at"] is None
    assert "submit_outcome" in body["allowed_actions"]


def test_get_incident_names_a_named_reporter(client, desk):
    named = _report(desk.birch, desk.people["staff"], ReportingMode.NAMED, "A laptop was lost.")
    body = client.get(f"/api/v1/incidents/{named.reference}", **desk.headers("manager")).json()
    assert body["reporter"] == "Sam Staff"


def test_get_incident_refuses_an_overlong_reference_with_404(client, desk):
    response = client.get("/api/v1/incidents/" + "X" * 500, **desk.headers("manager"))
    assert response.status_code in {404, 422}


def test_classify_keeps_the_enisa_aid_and_the_reasons(client, desk):
    body = {
        **CLASSIFY,
        "severity": "critical",
        "enisa": {"categories": ["health"], "ease_of_identification": "maximum"},
    }
    response = client.post(
        _url(desk, "/classify"),
        data=json.dumps(body),
        content_type="application/json",
        **desk.headers("manager"),
    )
    assert response.status_code == 200, response.content
    assert response.json()["severity"] == "critical"
    latest = Classification.objects.filter(incident=desk.incident).last()
    assert latest.severity == "critical"
    assert latest.enisa["suggested_severity"] == "critical"
    assert latest.severity_reason == CLASSIFY["severity_reason"]


def test_classify_refuses_a_severity_the_policy_does_not_have(client, desk):
    response = client.post(
        _url(desk, "/classify"),
        data=json.dumps({**CLASSIFY, "severity": "catastrophic"}),
        content_type="application/json",
        **desk.headers("manager"),
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "Choose a severity from the policy's scheme."


def test_classify_refuses_an_unknown_policy_by_name(client, desk):
    response = client.post(
        _url(desk, "/classify"),
        data=json.dumps({**CLASSIFY, "policies_breached": ["The Moon Policy"]}),
        content_type="application/json",
        **desk.headers("manager"),
    )
    assert response.status_code == 422
    assert "The Moon Policy" in response.json()["detail"]


def test_assigning_someone_from_another_organisation_is_refused(client, desk):
    response = client.post(
        _url(desk, "/investigator"),
        data=json.dumps({"investigator": desk.people["outsider"].email}),
        content_type="application/json",
        **desk.headers("manager"),
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "The investigator must work in this school or its trust."
    desk.incident.refresh_from_db()
    assert desk.incident.investigator == desk.people["investigator"]


def test_assigning_an_unknown_address_is_refused_without_saying_who_exists(client, desk):
    response = client.post(
        _url(desk, "/investigator"),
        data=json.dumps({"investigator": "nobody@example.org"}),
        content_type="application/json",
        **desk.headers("manager"),
    )
    assert response.status_code == 409
    assert "works in this school" in response.json()["detail"]


def test_the_dpo_acknowledges_the_referral(client, desk):
    response = client.post(_url(desk, "/referral/acknowledge"), **desk.headers("dpo"))
    assert response.status_code == 200
    assert response.json()["involvements"][0]["acknowledged_at"] is not None


def test_a_forbidden_transition_is_409_with_the_reason(client, desk):
    response = client.post(
        _url(desk, "/transitions"),
        data=json.dumps({"action": "close"}),
        content_type="application/json",
        **desk.headers("manager"),
    )
    assert response.status_code == 409
    assert response.json() == {
        "detail": "An incident that is “being investigated” cannot be “close”."
    }
    desk.incident.refresh_from_db()
    assert desk.incident.state == State.INVESTIGATING


def test_an_unknown_action_is_409_and_a_missing_reason_too(client, desk):
    headers = desk.headers("manager")
    unknown = client.post(
        _url(desk, "/transitions"),
        data=json.dumps({"action": "explode"}),
        content_type="application/json",
        **headers,
    )
    assert unknown.status_code == 409
    assert "explode" in unknown.json()["detail"]
    client.post(
        _url(desk, "/transitions"),
        data=json.dumps({"action": "submit_outcome"}),
        content_type="application/json",
        **headers,
    )
    no_reason = client.post(
        _url(desk, "/transitions"),
        data=json.dumps({"action": "return_outcome", "reason": "  "}),
        content_type="application/json",
        **headers,
    )
    assert no_reason.status_code == 409
    assert no_reason.json()["detail"] == "Give the reason."


# --- The investigation ---------------------------------------------------------------------


def _put_step(client, desk: Desk, letter: str, body: dict[str, Any]):
    return client.put(
        _url(desk, f"/steps/{letter}"),
        data=json.dumps(body),
        content_type="application/json",
        **desk.headers("investigator"),
    )


def test_not_applicable_needs_a_reason(client, desk):
    response = _put_step(client, desk, "f", {"status": "not_applicable"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "not_applicable_reason"]
    response = _put_step(
        client, desk, "f", {"status": "not_applicable", "not_applicable_reason": "No one to tell."}
    )
    assert response.status_code == 200
    step = InvestigationStep.objects.get(incident=desk.incident, letter="f")
    assert step.status == StepStatus.NOT_APPLICABLE
    assert step.not_applicable_reason == "No one to tell."


def test_step_h_needs_the_decision_either_way(client, desk):
    response = _put_step(client, desk, "h", {"status": "done", "what_was_done": "An honest slip."})
    assert response.status_code == 422
    assert "disciplinary" in response.json()["detail"]
    response = _put_step(
        client,
        desk,
        "h",
        {
            "status": "done",
            "what_was_done": "An honest slip; training instead.",
            "disciplinary_decision": "not_commenced",
        },
    )
    assert response.status_code == 200
    assert response.json()["disciplinary_decision"] == "not_commenced"


def test_a_step_the_policy_does_not_have_is_404(client, desk):
    assert _put_step(client, desk, "z", {"status": "done"}).status_code == 404


def test_evidence_is_kept_with_its_fingerprint_and_downloaded_after_a_recheck(client, desk):
    headers = desk.headers("investigator")
    response = client.post(
        _url(desk, "/evidence"),
        data={"title": "Mail log", "file": SimpleUploadedFile("mail.log", LOG)},
        **headers,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sha256"] == hashlib.sha256(LOG).hexdigest()
    assert body["kind"] == "file" and body["size"] == len(LOG)

    download = client.get(_url(desk, f"/evidence/{body['id']}/download"), **headers)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == LOG
    assert download["X-Evidence-SHA256"] == body["sha256"]
    assert "attachment" in download["Content-Disposition"]
    actions = list(
        CustodyEvent.objects.filter(evidence_id=body["id"]).values_list("action", flat=True)
    )
    assert actions == ["collected", "downloaded"]


def test_a_changed_evidence_file_is_not_sent(client, desk):
    evidence = _file_evidence(desk)
    with default_storage.open(evidence.stored_name, "wb") as handle:
        handle.write(LOG.replace(b"parent", b"PARENT"))
    response = client.get(
        _url(desk, f"/evidence/{evidence.pk}/download"), **desk.headers("manager")
    )
    assert response.status_code == 409
    assert response.json() == {"detail": HASH_MISMATCH}
    custody = CustodyEvent.objects.filter(evidence=evidence).last()
    assert (custody.action, custody.hash_matched) == ("hash_mismatch", False)


def test_a_note_has_no_file_to_download(client, desk):
    note = add_evidence(
        incident=desk.incident,
        actor=desk.people["investigator"],
        title="Phone call",
        description="The parent said she deleted it.",
    )
    response = client.get(_url(desk, f"/evidence/{note.pk}/download"), **desk.headers("manager"))
    assert response.status_code == 404


def test_evidence_with_neither_file_nor_note_is_422(client, desk):
    response = client.post(
        _url(desk, "/evidence"), data={"title": "Nothing"}, **desk.headers("investigator")
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "description"]


def test_an_idempotency_key_makes_a_retry_safe(client, desk):
    headers = {**desk.headers("investigator"), "HTTP_IDEMPOTENCY_KEY": "evidence-1"}

    def send(content: bytes):
        return client.post(
            _url(desk, "/evidence"),
            data={"title": "Mail log", "file": SimpleUploadedFile("mail.log", content)},
            **headers,
        )

    first, again = send(LOG), send(LOG)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Evidence.objects.filter(incident=desk.incident).count() == 1
    different = send(LOG + b"another line\n")
    assert different.status_code == 409
    assert "Idempotency-Key" in different.json()["detail"]
    assert Evidence.objects.filter(incident=desk.incident).count() == 1


def test_actions_are_tracked_to_done(client, desk):
    action = _action(desk)
    response = client.patch(
        _url(desk, f"/actions/{action.pk}"),
        data=json.dumps({"status": "done"}),
        content_type="application/json",
        **desk.headers("manager"),
    )
    assert response.status_code == 200
    assert response.json()["status"] == "done" and response.json()["done_at"]


def test_an_action_for_someone_outside_the_school_is_refused(client, desk):
    response = client.post(
        _url(desk, "/actions"),
        data=json.dumps(
            {
                "kind": "remedial",
                "description": "Recall the e-mail.",
                "owner": desk.people["outsider"].email,
                "due_on": "2027-01-31",
            }
        ),
        content_type="application/json",
        **desk.headers("investigator"),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "owner"]


def test_a_closed_incident_refuses_new_records_with_409(client, desk):
    Incident.objects.filter(pk=desk.incident.pk).update(state=State.CLOSED)
    response = client.post(
        _url(desk, "/notes"),
        data=json.dumps({"body": "Too late."}),
        content_type="application/json",
        **desk.headers("investigator"),
    )
    assert response.status_code == 409
    assert "closed" in response.json()["detail"]


# --- The list ------------------------------------------------------------------------------


def _more_incidents(desk: Desk, count: int) -> None:
    for n in range(count):
        incident = _report(desk.birch, desk.people["staff"], ReportingMode.NAMED, f"Lost key {n}")
        if n % 2:
            _classify(incident, desk.people["manager"], severity="minor")


def _list_queries(client, desk: Desk) -> tuple[int, dict]:
    # A first call notes the token as used (one write a minute): not the list's cost.
    client.get("/api/v1/incidents?limit=1", **desk.headers("manager"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/incidents?limit=100", **desk.headers("manager"))
    assert response.status_code == 200
    return len(queries), response.json()


def test_list_incidents_costs_the_same_for_3_and_30_incidents(client, desk):
    _more_incidents(desk, 2)
    few_queries, few = _list_queries(client, desk)
    _more_incidents(desk, 27)
    many_queries, many = _list_queries(client, desk)
    assert (len(few["items"]), len(many["items"])) == (3, 30)
    assert few_queries == many_queries
    # The token's look-up, the caller's duties, the organisations they give and the
    # page (one index range per reason and organisation, merged): nothing per incident.
    assert many_queries == 4


def test_list_incidents_pages_with_a_cursor(client, desk):
    _more_incidents(desk, 4)
    headers = desk.headers("manager")
    seen: list[str] = []
    url = "/api/v1/incidents?limit=2"
    while url:
        body = client.get(url, **headers).json()
        assert len(body["items"]) <= 2
        seen += [item["reference"] for item in body["items"]]
        url = (
            f"/api/v1/incidents?limit=2&cursor={body['next_cursor']}" if body["next_cursor"] else ""
        )
    everything = Incident.objects.filter(organisation=desk.birch).order_by("-reported_at", "-pk")
    assert seen == [i.reference for i in everything]


def test_list_incidents_filters_by_state_and_severity(client, desk):
    _more_incidents(desk, 4)
    headers = desk.headers("manager")
    minor = client.get("/api/v1/incidents?severity=minor", **headers).json()["items"]
    assert len(minor) == 2 and {i["severity"] for i in minor} == {"minor"}
    reported = client.get("/api/v1/incidents?state=reported", **headers).json()["items"]
    assert len(reported) == 2 and {i["state"] for i in reported} == {"reported"}


@pytest.mark.parametrize("query", ["limit=101", "limit=0", "cursor=not-a-cursor", "state=lost"])
def test_list_incidents_refuses_bad_parameters_with_422(client, desk, query):
    response = client.get(f"/api/v1/incidents?{query}", **desk.headers("manager"))
    assert response.status_code == 422
    assert response.json()["detail"].startswith("Check the input.")


# --- The confidential reporter -------------------------------------------------------------


def test_no_answer_ever_names_the_confidential_reporter(client, desk):
    reporter = desk.people["reporter"]
    answers = [_call(client, desk, operation, "manager") for operation in TABLE]
    answers += [_call(client, desk, "get_incident", who) for who in ("investigator", "dpo")]
    answers += [client.get("/api/v1/incidents", **desk.headers(who)) for who in PEOPLE]
    assert client.get(_url(desk), **desk.headers("manager")).json()["reporter"] == "confidential"
    for response in answers:
        assert response.status_code < 500
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8", "replace").lower()
        assert CONFIDENTIAL_NAME.lower() not in text
        assert "rhiannon" not in text
        assert reporter.email.lower() not in text


# --- The document --------------------------------------------------------------------------

OPERATIONS = {
    "list_incidents",
    "get_incident",
    "classify_incident",
    "verify_incident",
    "assign_investigator",
    "acknowledge_dpo_referral",
    "transition_incident",
    "update_investigation_step",
    "add_interview",
    "add_evidence",
    "download_evidence",
    "add_risk",
    "add_action",
    "update_action",
    "add_note",
}


def test_the_openapi_document_lists_every_handling_operation(client, db):
    document = client.get("/api/v1/openapi.json").json()
    ids = {
        operation["operationId"]
        for item in document["paths"].values()
        for operation in item.values()
    }
    assert OPERATIONS <= ids
    download = document["paths"]["/api/v1/incidents/{reference}/evidence/{evidence_id}/download"]
    assert "application/octet-stream" in download["get"]["responses"]["200"]["content"]
    upload = document["paths"]["/api/v1/incidents/{reference}/evidence"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
