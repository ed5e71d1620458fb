"""The workspace pages through HTTP: who may read, who may write, and what they see."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.core.files.storage import default_storage

from incidentdesk.audit.models import AuditEvent
from incidentdesk.incidents.models import Incident, State
from incidentdesk.investigations.models import (
    Action,
    ActionStatus,
    CustodyEvent,
    Evidence,
    InvestigationStep,
    Note,
    Stakeholder,
    StepStatus,
)
from incidentdesk.investigations.services import add_action, add_evidence
from tests.factories import signed_in_client

from .conftest import PNG, Investigation, png_upload


def _url(investigation: Investigation, path: str = "") -> str:
    return f"/incidents/{investigation.incident.reference}/investigation/{path}"


def _step(investigation: Investigation, letter: str) -> InvestigationStep:
    return InvestigationStep.objects.get(incident=investigation.incident, letter=letter)


# --- Who may do what ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["manager", "investigator"])
def test_the_manager_and_the_assigned_investigator_get_the_forms(investigation, who):
    client = signed_in_client(getattr(investigation, who))
    response = client.get(_url(investigation))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Investigation" in body
    assert _url(investigation, "steps/h/") in body
    assert _url(investigation, "stakeholders/add/") in body
    assert client.get(_url(investigation, "steps/a/")).status_code == 200
    response = client.post(_url(investigation, "notes/add/"), {"body": "Waiting for IT."})
    assert response.status_code == 302
    assert Note.objects.get().created_by == getattr(investigation, who)


def test_the_involved_dpo_reads_but_may_not_write(investigation):
    client = signed_in_client(investigation.dpo)
    response = client.get(_url(investigation))
    assert response.status_code == 200
    body = response.content.decode()
    assert "You can read this investigation" in body
    assert _url(investigation, "steps/h/") not in body
    assert _url(investigation, "notes/add/") not in body
    for path, data in [
        ("notes/add/", {"body": "Hello"}),
        ("stakeholders/add/", {"name": "Parents"}),
        ("steps/a/", {"status": "in_progress"}),
        ("evidence/add/", {"title": "x", "description": "y"}),
    ]:
        assert client.post(_url(investigation, path), data).status_code == 403
        assert client.get(_url(investigation, path)).status_code == 403
    assert not Note.objects.exists()
    assert not Stakeholder.objects.exists()
    assert _step(investigation, "a").status == StepStatus.NOT_STARTED


@pytest.mark.parametrize("who", ["other_investigator", "outsider"])
def test_others_are_told_there_is_no_such_page(investigation, who):
    client = signed_in_client(getattr(investigation, who))
    assert client.get(_url(investigation)).status_code == 404
    assert client.get(_url(investigation, "steps/a/")).status_code == 404
    assert client.post(_url(investigation, "notes/add/"), {"body": "x"}).status_code == 404
    assert not Note.objects.exists()


def test_signing_in_is_required(investigation, client):
    response = client.get(_url(investigation))
    assert response.status_code == 302
    assert "/accounts/sign-in/" in response["Location"]


# --- Steps ------------------------------------------------------------------------------


def test_the_task_list_shows_each_step_and_its_status(investigation):
    client = signed_in_client(investigation.investigator)
    client.post(_url(investigation, "steps/b/"), {"status": "in_progress"})
    body = client.get(_url(investigation)).content.decode()
    assert body.count('class="govuk-task-list__item') == 11
    assert "Not yet started" in body
    assert "In progress" in body
    assert "b. Speak to staff involved" in body
    assert "0 of 11 steps completed" in body


def test_a_step_is_marked_done_and_shown_in_the_summary(investigation):
    client = signed_in_client(investigation.investigator)
    response = client.post(
        _url(investigation, "steps/b/"),
        {"status": "done", "what_was_done": "Spoke to the teacher."},
    )
    assert response.status_code == 302
    assert response["Location"] == _url(investigation) + "#steps"
    assert _step(investigation, "b").status == StepStatus.DONE
    page = client.get(response["Location"])
    body = page.content.decode()
    assert "Step b saved" in body
    assert "Spoke to the teacher." in body
    assert "1 of 11 steps completed" in body


def test_not_applicable_without_a_reason_shows_the_error_and_keeps_what_was_typed(investigation):
    client = signed_in_client(investigation.investigator)
    response = client.post(
        _url(investigation, "steps/d/"),
        {"status": "not_applicable", "not_applicable_reason": "", "what_was_done": "Kept this"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("Give the reason this step does not apply") == 2  # summary and field
    assert "<title>Error: " in body
    assert 'href="#id_not_applicable_reason"' in body
    assert "Kept this" in body
    assert _step(investigation, "d").status == StepStatus.NOT_STARTED


def test_step_h_shows_the_decision_and_refuses_without_it(investigation):
    client = signed_in_client(investigation.investigator)
    body = client.get(_url(investigation, "steps/h/")).content.decode()
    assert "Has disciplinary action been commenced?" in body
    assert "Has disciplinary action been commenced?" not in (
        client.get(_url(investigation, "steps/a/")).content.decode()
    )
    response = client.post(
        _url(investigation, "steps/h/"), {"status": "done", "what_was_done": "No need."}
    )
    assert response.status_code == 200
    assert "Choose whether disciplinary action was commenced" in response.content.decode()
    response = client.post(
        _url(investigation, "steps/h/"),
        {"status": "done", "what_was_done": "No need.", "disciplinary_decision": "not_commenced"},
    )
    assert response.status_code == 302
    step = _step(investigation, "h")
    assert (step.status, step.disciplinary_decision) == (StepStatus.DONE, "not_commenced")


def test_no_status_chosen_is_an_error(investigation):
    client = signed_in_client(investigation.investigator)
    response = client.post(_url(investigation, "steps/a/"), {})
    assert "Choose whether you have completed this step" in response.content.decode()


def test_an_unknown_step_is_not_found(investigation):
    client = signed_in_client(investigation.investigator)
    assert client.get(_url(investigation, "steps/z/")).status_code == 404
    assert client.get(_url(investigation, "steps/ab/")).status_code == 404


def test_a_closed_incident_shows_no_forms(investigation):
    Incident.objects.filter(pk=investigation.incident.pk).update(state=State.CLOSED)
    client = signed_in_client(investigation.investigator)
    body = client.get(_url(investigation)).content.decode()
    assert "This incident is closed" in body
    assert _url(investigation, "notes/add/") not in body
    response = client.post(_url(investigation, "notes/add/"), {"body": "late"})
    assert response.status_code == 302
    assert not Note.objects.exists()


# --- Records ----------------------------------------------------------------------------


ADD_PAGES = [
    ("stakeholders/add/", {"name": "Parents of 5B", "expected_outcome": "An apology"}),
    (
        "interviews/add/",
        {
            "person_spoken_to": "Tom Teacher",
            "spoken_at": "2026-01-05T14:30",
            "spoken_by": "Ivy",
            "notes": "Wrong group.",
        },
    ),
    ("evidence/add/", {"title": "Phone call", "description": "She deleted it."}),
    ("expert-help/add/", {"expert": "Trust IT", "asked_for": "Recall", "given": ""}),
    ("escalations/add/", {"escalated_to": "The DPO", "reason": "Health data"}),
    (
        "subjects-informed/add/",
        {
            "who": "Parents of 5B",
            "informed_at": "2026-01-05T16:00",
            "how": "Letter",
            "informed_by": "Head",
        },
    ),
    (
        "risks/add/",
        {"description": "Forwarded", "likelihood": "2", "impact": "4", "owner": "Head"},
    ),
    (
        "communications/add/",
        {
            "audience": "Staff",
            "message": "Check",
            "channel": "Briefing",
            "owner": "Head",
            "due": "2026-02-01",
        },
    ),
    ("notes/add/", {"body": "Waiting."}),
]


@pytest.mark.parametrize(("path", "data"), ADD_PAGES)
def test_each_add_page_saves_and_returns_to_the_workspace(investigation, path, data):
    client = signed_in_client(investigation.investigator)
    page = client.get(_url(investigation, path))
    assert page.status_code == 200
    assert 'class="govuk-error-summary' not in page.content.decode()
    response = client.post(_url(investigation, path), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"].startswith(_url(investigation) + "#")
    body = client.get(response["Location"]).content.decode()
    assert "govuk-notification-banner--success" in body
    first_value = next(v for v in data.values() if v and not v[0].isdigit())
    assert first_value in body


@pytest.mark.parametrize(("path", "data"), ADD_PAGES)
def test_each_add_page_shows_errors_beside_fields_and_keeps_what_was_typed(
    investigation, path, data
):
    client = signed_in_client(investigation.investigator)
    # Leave out the first answer; keep the rest.
    first = next(iter(data))
    kept = {k: v for k, v in data.items() if k != first}
    response = client.post(_url(investigation, path), kept)
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert f'href="#id_{first}"' in body
    assert f'id="id_{first}-error"' in body
    for value in kept.values():
        if value and not value.isdigit():
            assert value in body


def test_a_bad_date_is_reported_in_words(investigation):
    client = signed_in_client(investigation.investigator)
    response = client.post(
        _url(investigation, "interviews/add/"),
        {"person_spoken_to": "Tom", "spoken_at": "yesterday", "spoken_by": "I", "notes": "n"},
    )
    assert "When did you speak to them? must be a real date and time" in (response.content.decode())


def test_an_action_is_added_for_someone_in_the_school_and_tracked(investigation):
    client = signed_in_client(investigation.investigator)
    page = client.get(_url(investigation, "actions/add/")).content.decode()
    assert investigation.cast.colleague.full_name in page
    assert investigation.outsider.full_name not in page
    response = client.post(
        _url(investigation, "actions/add/"),
        {
            "kind": "preventive",
            "description": "Turn off autocomplete",
            "owner": str(investigation.cast.colleague.pk),
            "due_on": "2026-12-01",
        },
    )
    assert response.status_code == 302
    action = Action.objects.get()
    assert action.owner == investigation.cast.colleague
    assert action.due_on == datetime.date(2026, 12, 1)
    response = client.post(_url(investigation, f"actions/{action.pk}/"), {"status": "done"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE


def test_an_outsider_cannot_be_made_an_action_owner(investigation):
    client = signed_in_client(investigation.investigator)
    response = client.post(
        _url(investigation, "actions/add/"),
        {
            "kind": "remedial",
            "description": "x",
            "owner": str(investigation.outsider.pk),
            "due_on": "2026-12-01",
        },
    )
    assert "Choose someone who works in this school or its trust" in response.content.decode()
    assert not Action.objects.exists()


def test_actions_are_updated_after_closure_by_the_manager(investigation):
    action = add_action(
        incident=investigation.incident,
        actor=investigation.investigator,
        kind="preventive",
        description="Retrain",
        owner=investigation.cast.colleague,
        due_on=datetime.date(2026, 12, 1),
    )
    Incident.objects.filter(pk=investigation.incident.pk).update(state=State.CLOSED)
    client = signed_in_client(investigation.manager)
    body = client.get(_url(investigation)).content.decode()
    assert _url(investigation, f"actions/{action.pk}/") in body
    response = client.post(_url(investigation, f"actions/{action.pk}/"), {"status": "done"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE


def test_the_dpo_may_not_update_an_action(investigation):
    action = add_action(
        incident=investigation.incident,
        actor=investigation.investigator,
        kind="preventive",
        description="Retrain",
        owner=investigation.cast.colleague,
        due_on=datetime.date(2026, 12, 1),
    )
    client = signed_in_client(investigation.dpo)
    assert (
        client.post(_url(investigation, f"actions/{action.pk}/"), {"status": "done"}).status_code
        == 403
    )


# --- Evidence files -------------------------------------------------------------------


def _upload(investigation: Investigation) -> Evidence:
    client = signed_in_client(investigation.investigator)
    response = client.post(
        _url(investigation, "evidence/add/"),
        {"title": "Screenshot", "file": png_upload(), "description": ""},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    return Evidence.objects.get()


def test_an_uploaded_file_shows_its_sha256(investigation):
    evidence = _upload(investigation)
    assert evidence.sha256 == hashlib.sha256(PNG).hexdigest()
    body = signed_in_client(investigation.dpo).get(_url(investigation)).content.decode()
    assert evidence.sha256 in body
    assert "screenshot.png" in body


def test_a_refused_file_type_is_an_error_beside_the_field(investigation):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = signed_in_client(investigation.investigator)
    response = client.post(
        _url(investigation, "evidence/add/"),
        {"title": "Macro", "file": SimpleUploadedFile("x.docm", b"PK\x03\x04" + b"\0" * 30)},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_file-error"' in body
    assert "x.docm must be a photo" in body
    assert "Macro" in body
    assert not Evidence.objects.exists()


def test_a_download_is_an_attachment_that_cannot_run_and_is_on_the_custody_log(investigation):
    evidence = _upload(investigation)
    client = signed_in_client(investigation.dpo)
    response = client.get(_url(investigation, f"evidence/{evidence.pk}/download/"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="screenshot.png"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Content-Type"] == "image/png"
    assert list(evidence.custody.values_list("action", "person", "hash_matched")) == [
        ("collected", investigation.investigator.pk, True),
        ("downloaded", investigation.dpo.pk, True),
    ]
    assert (
        AuditEvent.objects.filter(action="evidence.downloaded", actor=investigation.dpo).count()
        == 1
    )
    body = client.get(_url(investigation)).content.decode()
    assert "Custody log (2)" in body


def test_a_changed_file_gets_a_warning_page_with_both_fingerprints(investigation):
    evidence = _upload(investigation)
    with open(default_storage.path(evidence.stored_name), "wb") as disk:
        disk.write(PNG + b"changed")
    actual = hashlib.sha256(PNG + b"changed").hexdigest()
    client = signed_in_client(investigation.investigator)

    response = client.get(_url(investigation, f"evidence/{evidence.pk}/download/"))

    assert response.status_code == 409
    body = response.content.decode()
    assert "This file has changed since it was collected: its fingerprint no longer matches" in body
    assert evidence.sha256 in body
    assert actual in body
    assert "Content-Disposition" not in response
    assert CustodyEvent.objects.filter(
        evidence=evidence, action="hash_mismatch", hash_matched=False
    ).exists()
    assert AuditEvent.objects.filter(action="evidence.hash_mismatch").count() == 1

    anyway = client.get(_url(investigation, f"evidence/{evidence.pk}/download/?changed=accept"))
    assert anyway.status_code == 200
    assert b"".join(anyway.streaming_content) == PNG + b"changed"
    assert list(evidence.custody.values_list("action", "hash_matched")) == [
        ("collected", True),
        ("hash_mismatch", False),
        ("hash_mismatch", False),
        ("downloaded", False),
    ]


def test_another_incidents_evidence_is_not_found(investigation):
    from .conftest import start_investigation

    other = start_investigation(investigation.cast, investigation.investigator)
    evidence = add_evidence(
        incident=other, actor=investigation.investigator, title="x", file=png_upload()
    )
    client = signed_in_client(investigation.investigator)
    assert client.get(_url(investigation, f"evidence/{evidence.pk}/download/")).status_code == 404
    assert evidence.custody.count() == 1


@pytest.mark.parametrize("who", ["other_investigator", "outsider"])
def test_others_cannot_download_evidence(investigation, who):
    evidence = _upload(investigation)
    client = signed_in_client(getattr(investigation, who))
    response = client.get(_url(investigation, f"evidence/{evidence.pk}/download/"))
    assert response.status_code == 404
    assert evidence.custody.count() == 1
