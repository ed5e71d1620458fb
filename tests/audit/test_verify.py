"""`incidentdesk verify-audit` finds every kind of tampering and names the first bad event.

Each tamper test first switches the triggers off, as someone with direct access to the
database could, then changes the rows with plain SQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from incidentdesk.audit.chain import chain_hash, content_digest
from incidentdesk.audit.models import AuditEvent
from incidentdesk.audit.selectors import verify_chain
from tests.audit.helpers import bypass_triggers, record_some, run_verify_audit, sql
from tests.factories import make_organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def log() -> list[AuditEvent]:
    """Six events about one incident-like object, sequence 1 to 6."""
    school = make_organisation("Elm Primary")
    school.audit_label = "EPA-2026-0001"
    start = AuditEvent.objects.count()
    events = record_some(6, obj=school, action="incident.classified")
    assert events[0].sequence == start + 1
    return events


def test_an_untouched_log_passes(log):
    status, out, err = run_verify_audit()

    total = AuditEvent.objects.count()
    assert status == 0, err
    assert out.splitlines() == [
        f"Audit log verified: {total} events, chain intact.",
        "No checkpoints yet: the worker writes one every few minutes.",
    ]
    assert err == ""


def test_an_empty_log_passes():
    result = verify_chain()

    assert result.ok
    assert result.checked == AuditEvent.objects.count()


def test_it_finds_an_event_whose_content_was_altered(log):
    bad = log[2]
    bypass_triggers()
    sql(
        "UPDATE audit_auditevent SET details = %s WHERE sequence = %s",
        ['{"step":99}', bad.sequence],
    )

    status, out, err = run_verify_audit()

    assert status == 1
    assert out == ""
    assert (
        f"event {bad.sequence} (incident.classified on EPA-2026-0001): "
        "content does not match its digest"
    ) in err
    assert verify_chain().first_bad_sequence == bad.sequence


def test_it_finds_an_event_whose_hash_was_replaced(log):
    bad = log[3]
    bypass_triggers()
    sql("UPDATE audit_auditevent SET hash = %s WHERE sequence = %s", ["a" * 64, bad.sequence])

    result = verify_chain()

    assert not result.ok
    assert result.first_bad_sequence == bad.sequence
    assert "hash does not match" in result.problem


def test_it_finds_a_deleted_event_and_names_the_one_after_the_gap(log):
    gone, after = log[2], log[3]
    bypass_triggers()
    sql("DELETE FROM audit_auditevent WHERE sequence = %s", [gone.sequence])

    status, _, err = run_verify_audit()

    assert status == 1
    assert f"event {after.sequence} (incident.classified on EPA-2026-0001)" in err
    assert f"event {gone.sequence} is missing before it" in err
    assert verify_chain().first_bad_sequence == after.sequence


def test_it_finds_two_events_whose_places_were_swapped(log):
    first, second = log[1], log[4]
    bypass_triggers()
    # Through a spare number, as the sequence column is unique.
    sql("UPDATE audit_auditevent SET sequence = -1 WHERE sequence = %s", [first.sequence])
    sql(
        "UPDATE audit_auditevent SET sequence = %s WHERE sequence = %s",
        [first.sequence, second.sequence],
    )
    sql("UPDATE audit_auditevent SET sequence = %s WHERE sequence = -1", [second.sequence])

    status, _, err = run_verify_audit()

    assert status == 1
    assert f"event {first.sequence} " in err
    assert verify_chain().first_bad_sequence == first.sequence


def test_it_finds_two_events_whose_contents_were_swapped(log):
    first, second = log[1], log[2]
    bypass_triggers()
    sql(
        "UPDATE audit_auditevent SET details = %s WHERE sequence = %s",
        ['{"step":2}', first.sequence],
    )
    sql(
        "UPDATE audit_auditevent SET details = %s WHERE sequence = %s",
        ['{"step":1}', second.sequence],
    )

    result = verify_chain()

    assert result.first_bad_sequence == first.sequence
    assert "content does not match its digest" in result.problem


def _renumber_from(sequence: int) -> None:
    """Move every event from `sequence` on one place later, leaving a hole."""
    sql("UPDATE audit_auditevent SET sequence = -sequence WHERE sequence >= %s", [sequence])
    sql("UPDATE audit_auditevent SET sequence = 1 - sequence WHERE sequence < 0")


def _forge(*, sequence: int, previous_hash: str, template: AuditEvent) -> None:
    """Insert a well-formed event, its digest and hash computed as the service would."""
    forged = AuditEvent(
        sequence=sequence,
        occurred_at=template.occurred_at,
        actor_label="Mallory Moss <mallory@example.org>",
        action="incident.closed",
        object_type=template.object_type,
        object_id=template.object_id,
        object_label=template.object_label,
        changes={"status": ["open", "closed"]},
        details={},
        previous_hash=previous_hash,
    )
    forged.content_digest = content_digest(forged.content())
    forged.hash = chain_hash(
        sequence=sequence, previous_hash=previous_hash, digest=forged.content_digest
    )
    forged.save()


def test_it_finds_a_forged_event_inserted_in_the_middle(log):
    place = log[3].sequence
    bypass_triggers()
    _renumber_from(place)
    _forge(sequence=place, previous_hash=log[2].hash, template=log[2])

    status, _, err = run_verify_audit()

    # The forgery links to the event before it; the event it pushed along does not
    # link to the forgery, and that is the first event the chain can show is wrong.
    assert status == 1
    assert f"event {place + 1} (incident.classified on EPA-2026-0001): does not follow" in err
    assert verify_chain().first_bad_sequence == place + 1


def test_it_finds_a_copied_event_inserted_in_the_middle(log):
    place = log[3].sequence
    bypass_triggers()
    _renumber_from(place)
    _forge(sequence=place, previous_hash=log[0].hash, template=log[0])

    result = verify_chain()

    assert result.first_bad_sequence == place
    assert "does not follow" in result.problem


def test_it_finds_that_the_last_event_was_deleted(log):
    last = log[-1]
    bypass_triggers()
    sql("DELETE FROM audit_auditevent WHERE sequence = %s", [last.sequence])

    status, _, err = run_verify_audit()

    assert status == 1
    assert f"event {last.sequence} is missing" in err
    assert verify_chain().first_bad_sequence == last.sequence


def test_it_finds_that_the_head_was_deleted(log):
    bypass_triggers()
    sql("DELETE FROM audit_audithead")

    result = verify_chain()

    assert not result.ok
    assert "audit head is missing" in result.problem


def test_it_finds_an_event_appended_behind_the_services_back(log):
    last = log[-1]
    bypass_triggers()
    _forge(sequence=last.sequence + 1, previous_hash=last.hash, template=last)

    result = verify_chain()

    assert result.first_bad_sequence == last.sequence + 1
    assert "beyond the recorded end of the log" in result.problem


def test_the_hyphenated_command_name_works_from_the_command_line():
    incidentdesk = Path(sys.executable).with_name("incidentdesk")
    if not incidentdesk.exists():
        pytest.skip("the incidentdesk command is not installed beside this Python")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONPATH": str(settings.BASE_DIR.parent),
        "COLUMNS": "200",  # so the help text is not wrapped mid-phrase
    }

    done = subprocess.run(
        [str(incidentdesk), "verify-audit", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: incidentdesk verify_audit")
    assert "Re-compute every audit event's digest and hash" in done.stdout
