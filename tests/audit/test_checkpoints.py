"""Signed checkpoints: written by the worker when the head moved, verified by verify-audit,
exported as a file and e-mailed to the DPO, and what they catch that the chain cannot."""

from __future__ import annotations

import base64
import datetime
import io
import json
import stat

import pytest
import time_machine
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from incidentdesk.audit.checkpoints import (
    EMAIL_TEMPLATE,
    checkpoint_document,
    key_id,
    public_key_from_text,
    public_key_text,
    read_key_file,
    signed_text,
    verify_checkpoints,
    write_checkpoint,
)
from incidentdesk.audit.models import AppendOnlyError, AuditCheckpoint, AuditHead
from incidentdesk.audit.selectors import verify_chain
from incidentdesk.audit.services import record_event
from incidentdesk.deadlines.worker import JOBS
from incidentdesk.notifications.models import OutgoingEmail
from incidentdesk.organisations.models import Duty
from tests.audit.helpers import (
    bypass_triggers,
    rechain_from,
    record_some,
    run_verify_audit,
    sql,
    use_key,
)
from tests.factories import make_organisation, make_person

pytestmark = pytest.mark.django_db

JOB = JOBS["audit checkpoints"]
START = datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC)
CANARY = "Zebedee Quillfeather"


@pytest.fixture
def key_file(settings, tmp_path):
    path = tmp_path / "keys" / "audit-signing-key.pem"
    use_key(settings, path)
    return path


def minutes(n: float) -> datetime.timedelta:
    return datetime.timedelta(minutes=n)


def test_the_job_writes_a_checkpoint_every_few_minutes_only_when_the_head_moved(key_file):
    with time_machine.travel(START, tick=False) as clock:
        record_some(3)
        assert JOB() == 1
        first = AuditCheckpoint.objects.get()
        head = AuditHead.objects.get()
        assert (first.sequence, first.head_hash) == (head.last_sequence, head.last_hash)
        assert first.created_at == START

        clock.move_to(START + minutes(6))
        assert JOB() == 0  # due, but the head has not moved

        record_some(1)
        clock.move_to(START + minutes(8))
        assert JOB() == 1  # moved, and five minutes since the last checkpoint
        clock.move_to(START + minutes(9))
        record_some(1)
        assert JOB() == 0  # moved, but the last checkpoint is only a minute old
        clock.move_to(START + minutes(13))
        assert JOB() == 1

    assert list(AuditCheckpoint.objects.values_list("sequence", flat=True)) == [
        first.sequence,
        first.sequence + 1,
        first.sequence + 2,
    ]
    assert verify_checkpoints().ok


def test_the_key_is_made_on_first_use_readable_by_its_owner_only(key_file):
    assert not key_file.exists()
    record_some(1)

    write_checkpoint()

    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    checkpoint = AuditCheckpoint.objects.get()
    assert checkpoint.key_id == key_id(read_key_file(key_file).public_key())


def test_a_configured_key_file_that_is_missing_is_an_error_not_a_new_key(settings, tmp_path):
    settings.AUDIT_SIGNING_KEY_FILE = tmp_path / "missing.pem"
    settings.AUDIT_SIGNING_KEY_GENERATE = False
    record_some(1)

    with pytest.raises(ImproperlyConfigured, match="cannot read"):
        write_checkpoint()

    assert not (tmp_path / "missing.pem").exists()
    assert not AuditCheckpoint.objects.exists()


def test_the_signature_verifies_with_the_public_key_and_fails_with_another(key_file):
    record_some(2)
    checkpoint = write_checkpoint()
    public = read_key_file(key_file).public_key()
    message = signed_text(
        sequence=checkpoint.sequence,
        head_hash=checkpoint.head_hash,
        created_at=AuditCheckpoint.objects.get().created_at,  # as read back from the database
        key=checkpoint.key_id,
    )
    signature = base64.b64decode(checkpoint.signature)

    public.verify(signature, message)  # raises if it does not verify
    with pytest.raises(InvalidSignature):
        Ed25519PrivateKey.generate().public_key().verify(signature, message)
    with pytest.raises(InvalidSignature):
        public.verify(signature, message.replace(checkpoint.head_hash.encode(), b"f" * 64))


def test_verify_audit_refuses_a_checkpoint_signed_with_an_untrusted_key(key_file):
    record_some(2)
    write_checkpoint(private=Ed25519PrivateKey.generate())

    status, _, err = run_verify_audit()

    assert status == 1
    assert "which is not a trusted key" in err


def test_verify_audit_refuses_a_forged_signature(key_file):
    record_some(2)
    real = write_checkpoint()
    record_some(1)
    head = AuditHead.objects.get()
    # Someone with the database but not the key writes a checkpoint naming the real key.
    AuditCheckpoint(
        sequence=head.last_sequence,
        head_hash=head.last_hash,
        created_at=timezone.now(),
        key_id=real.key_id,
        signature=base64.b64encode(b"\x00" * 64).decode(),
    ).save()

    status, _, err = run_verify_audit()

    assert status == 1
    assert f"checkpoint at event {head.last_sequence}" in err
    assert "its signature does not verify" in err


def test_a_rewrite_of_the_whole_chain_after_an_edit_is_found_through_the_checkpoint(key_file):
    events = record_some(6)
    checkpoint = write_checkpoint()
    record_some(2)
    edited = events[2]
    bypass_triggers()
    sql(
        "UPDATE audit_auditevent SET details = %s WHERE sequence = %s",
        ['{"step":"rewritten"}', edited.sequence],
    )
    rechain_from(edited.sequence)
    # The chain alone cannot tell: every hash after the edit was re-computed.
    assert verify_chain().ok

    status, out, err = run_verify_audit()

    assert status == 1
    assert "Audit log verified" in out  # the chain, on its own
    assert (
        f"Checkpoint FAILED: checkpoint at event {checkpoint.sequence} (signed "
        f"{checkpoint.created_at.isoformat(timespec='microseconds')}): event "
        f"{checkpoint.sequence}'s hash in the log is not the signed one, so the log up to "
        f"event {checkpoint.sequence} was rewritten after the checkpoint"
    ) in err
    assert "1 of 1 checkpoints failed." in err


def test_a_log_cut_short_before_a_checkpoint_is_found(key_file):
    events = record_some(4)
    checkpoint = write_checkpoint()
    bypass_triggers()
    sql("DELETE FROM audit_auditevent WHERE sequence >= %s", [events[2].sequence])
    sql(
        "UPDATE audit_audithead SET last_sequence = %s, last_hash = %s",
        [events[1].sequence, events[1].hash],
    )
    assert verify_chain().ok

    status, _, err = run_verify_audit()

    assert status == 1
    assert f"event {checkpoint.sequence} is not in the log" in err


def test_an_intact_log_with_checkpoints_passes_with_clear_output(key_file):
    with time_machine.travel(START, tick=False):
        record_some(3)
        write_checkpoint()
        status, out, err = run_verify_audit()

    assert status == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Audit log verified: ")
    assert lines[1].startswith("Checkpoints verified: 1 signed, each matching the log (latest at")
    assert err == ""


def test_checkpoints_cannot_be_changed_or_deleted(key_file):
    record_some(1)
    checkpoint = write_checkpoint()

    with pytest.raises(AppendOnlyError):
        checkpoint.save()
    with pytest.raises(AppendOnlyError):
        AuditCheckpoint.objects.all().delete()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        sql("UPDATE audit_auditcheckpoint SET sequence = 1")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        sql("DELETE FROM audit_auditcheckpoint")

    assert AuditCheckpoint.objects.get().sequence == checkpoint.sequence


def test_the_exported_file_verifies_and_a_changed_one_does_not(key_file, tmp_path):
    record_some(3)
    path = tmp_path / "checkpoint.json"

    call_command("export_checkpoint", file=str(path), now=True, stderr=io.StringIO())

    document = json.loads(path.read_text())
    checkpoint = AuditCheckpoint.objects.get()
    assert document == checkpoint_document(checkpoint)
    assert set(document) == {
        "format",
        "sequence",
        "head_hash",
        "created_at",
        "key_id",
        "public_key",
        "signature",
    }
    # Anyone can check it with the public key alone, without Incident Desk's database.
    public = public_key_from_text(document["public_key"])
    public.verify(
        base64.b64decode(document["signature"]),
        signed_text(
            sequence=document["sequence"],
            head_hash=document["head_hash"],
            created_at=datetime.datetime.fromisoformat(document["created_at"]),
            key=document["key_id"],
        ),
    )
    status, out, err = run_verify_audit("--checkpoint", str(path))
    assert status == 0, err
    assert f"Checkpoint file {path} verified: it matches the log." in out

    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps({**document, "sequence": document["sequence"] - 1}))
    status, _, err = run_verify_audit("--checkpoint", str(changed))
    assert status == 1
    assert f"Checkpoint file {changed} FAILED" in err and "signature does not verify" in err


def test_an_exported_checkpoint_catches_a_rewrite_even_with_the_stored_ones_deleted(
    key_file, tmp_path
):
    events = record_some(4)
    path = tmp_path / "checkpoint.json"
    call_command("export_checkpoint", file=str(path), now=True, stderr=io.StringIO())
    bypass_triggers()
    sql("DELETE FROM audit_auditcheckpoint")
    sql(
        "UPDATE audit_auditevent SET details = %s WHERE sequence = %s",
        ['{"step":"rewritten"}', events[1].sequence],
    )
    rechain_from(events[1].sequence)

    status, _, err = run_verify_audit("--checkpoint", str(path))

    assert status == 1
    assert "was rewritten after the checkpoint" in err


def test_verify_audit_takes_the_public_key_where_the_key_file_is_not_readable(
    key_file, settings, tmp_path
):
    record_some(2)
    write_checkpoint()
    public = public_key_text(read_key_file(key_file).public_key())
    settings.AUDIT_SIGNING_KEY_FILE = tmp_path / "not-here.pem"

    assert run_verify_audit()[0] == 1
    status, _, err = run_verify_audit("--public-key", public)
    assert status == 0, err


def test_audit_key_creates_a_key_and_prints_its_public_key(tmp_path):
    path = tmp_path / "keys" / "signing.pem"
    out, err = io.StringIO(), io.StringIO()

    call_command("audit_key", file=str(path), stdout=out, stderr=err)

    public = read_key_file(path).public_key()
    assert out.getvalue().strip() == public_key_text(public)
    assert f"Key id: {key_id(public)}" in err.getvalue()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = io.StringIO()
    call_command("audit_key", file=str(path), stdout=again, stderr=io.StringIO())
    assert again.getvalue() == out.getvalue()  # the existing key, never replaced


def test_the_dpo_gets_the_latest_checkpoint_daily_without_personal_data(key_file):
    school = make_organisation()
    dpo = make_person("Dora Dalton", organisation=school, duties=(Duty.DPO,))
    make_person("Ivy Irwin", organisation=school, duties=(Duty.INCIDENT_MANAGER,))
    with time_machine.travel(START, tick=False) as clock:
        record_event(
            actor=None,
            action="incident.reported",
            obj=school,
            details={"what_happened": f"{CANARY}'s records were sent to the wrong parent"},
        )
        assert JOB() == 1
        assert not OutgoingEmail.objects.filter(template=EMAIL_TEMPLATE).exists()

        record_some(1)
        clock.move_to(START + datetime.timedelta(hours=24, minutes=1))
        JOB()

        email = OutgoingEmail.objects.get(template=EMAIL_TEMPLATE)
        latest = AuditCheckpoint.objects.order_by("-created_at").first()
        assert email.to == dpo.email
        assert email.subject == f"Audit log checkpoint: event {latest.sequence}"
        document = checkpoint_document(latest)
        for body in (email.body_text, email.body_html):
            for value in (latest.head_hash, latest.signature, document["public_key"]):
                assert value in body
        assert json.dumps(document, sort_keys=True, separators=(",", ":")) in email.body_text
        text = email.subject + email.body_text + email.body_html
        for personal in (CANARY, "Dora", "Dalton", "Ivy", dpo.email.split("@")[0]):
            assert personal not in text

        clock.move_to(START + datetime.timedelta(hours=30))
        JOB()
        assert OutgoingEmail.objects.filter(template=EMAIL_TEMPLATE).count() == 1
        clock.move_to(START + datetime.timedelta(hours=48, minutes=2))
        JOB()
        assert OutgoingEmail.objects.filter(template=EMAIL_TEMPLATE).count() == 2
