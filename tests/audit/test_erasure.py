"""Retention erases personal free text from old audit events; the chain still verifies.

The hash chain covers each event's content digest, which is kept; what an erased event
still holds is vouched for by the "audit.content_erased" event written with the erasure.
The database allows that one UPDATE and no other.
"""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from incidentdesk.audit.checkpoints import verify_checkpoints, write_checkpoint
from incidentdesk.audit.models import ERASED_ACTION, AuditEvent
from incidentdesk.audit.selectors import verify_chain
from incidentdesk.audit.services import ErasureRefused, erase_personal_content, record_event
from tests.audit.helpers import bypass_triggers, run_verify_audit, sql, use_key
from tests.factories import make_organisation
from tests.incidents.conftest import cast  # noqa: F401 - the incidents' cast, as a fixture
from tests.incidents.test_retention import JOB, NOW, populated_incident

pytestmark = pytest.mark.django_db

CANARY = "Zebedee Quillfeather"


@pytest.fixture
def school():
    return make_organisation("Elm Primary")


@pytest.fixture
def events(school) -> list[AuditEvent]:
    return [
        record_event(
            actor=None,
            action="incident.reported",
            obj=school,
            details={"what_happened": f"{CANARY}'s report card went to the wrong parent"},
        ),
        record_event(
            actor=None,
            action="incident.updated",
            obj=school,
            changes={"location": ["", f"{CANARY}'s classroom"]},
        ),
        record_event(actor=None, action="incident.viewed", obj=school),
    ]


def stored_text(event: AuditEvent) -> str:
    """The event's row as the database holds it, every column as text."""
    return str(sql("SELECT * FROM audit_auditevent WHERE id = %s", [event.pk]))


def about(school) -> object:
    """The events recorded on the school, but for its creation (made by the factory)."""
    return AuditEvent.objects.filter(object_type="organisation", object_id=str(school.pk)).exclude(
        action="organisation.created"
    )


def test_erasing_keeps_the_chain_valid_and_the_personal_text_gone(school, events):
    hashes = {e.sequence: (e.content_digest, e.previous_hash, e.hash) for e in events}

    erased = erase_personal_content(events=about(school), reason="retention", obj=school)

    assert erased == 2  # the third held no text
    for event in events[:2]:
        assert CANARY not in stored_text(event)
        stored = AuditEvent.objects.get(pk=event.pk)
        assert (stored.changes, stored.details) == ({}, {})
        assert stored.erased_at is not None
        # Who, what and when stay, and the chain columns are untouched.
        assert (stored.action, stored.object_label) == (event.action, "Elm Primary")
        assert (stored.content_digest, stored.previous_hash, stored.hash) == hashes[event.sequence]
    record = AuditEvent.objects.get(action=ERASED_ACTION)
    assert record.details["reason"] == "retention"
    assert sorted(record.details["events"]) == sorted(str(e.sequence) for e in events[:2])
    result = verify_chain()
    assert result.ok, result.problem
    assert result.erased == 2
    status, out, err = run_verify_audit()
    assert status == 0, err
    assert "(2 with personal content erased)" in out


def test_a_checkpoint_signed_before_the_erasure_still_verifies(school, events, settings, tmp_path):
    use_key(settings, tmp_path / "key.pem")
    write_checkpoint()

    erase_personal_content(events=about(school), reason="retention", obj=school)

    assert verify_checkpoints().ok
    assert run_verify_audit()[0] == 0


def test_erasing_twice_erases_nothing_more(school, events):
    erase_personal_content(events=about(school), reason="retention", obj=school)

    assert erase_personal_content(events=about(school), reason="retention", obj=school) == 0
    assert AuditEvent.objects.filter(action=ERASED_ACTION).count() == 1
    assert verify_chain().ok


def test_it_refuses_to_erase_an_event_that_was_altered(school, events):
    bypass_triggers()
    sql("UPDATE audit_auditevent SET details = %s WHERE id = %s", ['{"forged":1}', events[1].pk])

    with pytest.raises(ErasureRefused, match="does not match its digest"):
        erase_personal_content(events=about(school), reason="retention", obj=school)

    # Nothing erased: the evidence of the alteration is kept.
    assert not AuditEvent.objects.filter(erased_at__isnull=False).exists()


def _erase_by_hand(event: AuditEvent, **also: str) -> None:
    sets = ", ".join(
        ["changes = '{}'", "details = '{}'", "erased_at = %s", *(f"{c} = %s" for c in also)]
    )
    when = connection.ops.adapt_datetimefield_value(timezone.now())
    sql(f"UPDATE audit_auditevent SET {sets} WHERE id = %s", [when, *also.values(), event.pk])


def test_the_database_allows_the_erasure_and_no_other_update(events):
    event = events[0]
    refused = [
        {"action": "incident.deleted"},
        {"actor_label": "Mallory Moss"},
        {"hash": "a" * 64},
        {"content_digest": "b" * 64},
    ]
    for extra in refused:
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            _erase_by_hand(event, **extra)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        # Marked erased but the text kept.
        sql(
            "UPDATE audit_auditevent SET erased_at = %s WHERE id = %s",
            [connection.ops.adapt_datetimefield_value(timezone.now()), event.pk],
        )
    assert AuditEvent.objects.get(pk=event.pk).erased_at is None

    _erase_by_hand(event)  # exactly the erasure: allowed

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        sql("UPDATE audit_auditevent SET erased_at = NULL WHERE id = %s", [event.pk])
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        sql("UPDATE audit_auditevent SET details = %s WHERE id = %s", ['{"x":1}', event.pk])


def test_an_event_emptied_without_an_erasure_record_is_found(events):
    # The database lets the erasure through; verify-audit wants it vouched for.
    _erase_by_hand(events[1])

    status, _, err = run_verify_audit()

    assert status == 1
    assert (
        f"event {events[1].sequence}: its content was erased, but no erasure record vouches for it"
    ) in err


def test_an_erased_event_altered_afterwards_is_found(school, events):
    erase_personal_content(events=about(school), reason="retention", obj=school)
    bypass_triggers()
    sql("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["incident.closed", events[0].pk])

    result = verify_chain()

    assert not result.ok
    assert result.first_bad_sequence == events[0].sequence
    assert "altered after erasure" in result.problem


def test_retention_erases_the_incidents_personal_text_from_the_audit_log(
    cast,  # noqa: F811
    django_capture_on_commit_callbacks,
    settings,
    tmp_path,
):
    use_key(settings, tmp_path / "key.pem")
    closed = NOW - datetime.timedelta(days=7 * 365)
    incident = populated_incident(cast, closed_at=closed)
    before = AuditEvent.objects.filter(object_type="incident", object_id=str(incident.pk))
    assert any(CANARY in stored_text(event) for event in before)
    write_checkpoint()

    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert JOB() == 1

    leftover = [e.describe() for e in AuditEvent.objects.all() if CANARY in stored_text(e)]
    assert leftover == []
    anonymised = AuditEvent.objects.get(action="incident.anonymised")
    assert anonymised.details["removed"]["audit_events"] >= 2
    record = AuditEvent.objects.get(action=ERASED_ACTION)
    assert record.object_id == str(incident.pk) and record.actor_label == "system"
    result = verify_chain()
    assert result.ok, result.problem
    assert result.erased == anonymised.details["removed"]["audit_events"]
    status, _, err = run_verify_audit()
    assert status == 0, err
